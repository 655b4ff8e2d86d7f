"""Briefbot's Slack adapter in HTTP mode: the real AsyncApp behind ``/slack/events``, signed
requests from "Slack", and a fake Slack Web API on loopback that checks every message."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from typing import Any

import aiohttp
import pytest

from bot.adapters.slack_app import HttpLimits
from bot.commands import BriefArticle, Help
from bot.replies import APOLOGY, BriefReply, ChannelRef, Request, Requester, Source
from summarizer.brief import Actor, Brief, Place
from summarizer.errors import FetchError
from tests.bot.adapters.slack_harness import slack_bot
from tests.fakes.chat_service import FakeChatService
from tests.fakes.slack import BOT_ID, BOT_USER_ID, TEAM_ID

URL = "https://news.example.org/2026/ferry-trial"
BROADCAST = re.compile(r"<[!@#]|@(here|channel|everyone)\b", re.IGNORECASE)


def mention(
    text: str, *, ts: str, user: str = "U1", channel: str = "C1", thread_ts: str | None = None
) -> dict[str, Any]:
    event = {"type": "app_mention", "user": user, "text": text, "ts": ts, "channel": channel, "event_ts": ts}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def dm(text: str, *, ts: str, user: str = "U1", **extra: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "channel_type": "im",
        "channel": "D1",
        "user": user,
        "text": text,
        "ts": ts,
        **extra,
    }


def header_text(blocks: list[dict[str, Any]]) -> str:
    return next(b["text"]["text"] for b in blocks if b["type"] == "header")


def all_text(value: Any) -> list[str]:
    """Every string a Slack client would show or parse in a payload."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() if k not in {"url", "action_id", "type"} for s in all_text(v)]
    if isinstance(value, list):
        return [s for v in value for s in all_text(v)]
    return []


async def test_brief_command_acks_at_once_then_working_note_is_replaced_by_the_brief() -> None:
    service = FakeChatService(gate=asyncio.Event())
    async with slack_bot("http", service) as bot:
        started = time.monotonic()
        status, body = await bot.http.command(
            URL, user="U1", channel="C1", response_url=bot.slack.response_url("r1")
        )
        acked_in = time.monotonic() - started
        assert (status, body) == (200, "")
        assert acked_in < 3

        # While the service works, the channel shows a short note.
        [note] = await bot.slack.wait_until(lambda: bot.slack.bot_messages("C1"))
        assert "Working on it" in note.text
        assert note.updates == 0

        service.gate.set()  # type: ignore[union-attr]
        await bot.slack.wait_until(lambda: note.updates == 1)
        assert header_text(note.blocks) == "Lakeport approves a year-long trial of electric night ferries"
        assert "Lakeport" in note.text  # the fallback text carries the brief too
        assert [m.ts for m in bot.slack.bot_messages("C1")] == [note.ts]  # replaced, not added
        buttons = [e for b in note.blocks if b["type"] == "actions" for e in b["elements"]]
        assert [b["url"] for b in buttons] == [URL]

        [(request, command)] = service.handled
        assert command == BriefArticle(url=URL)
        assert request == Request(ChannelRef("slack", "C1", TEAM_ID), Requester("U1", "Ann", is_admin=False))
        await bot.slack.wait_until(lambda: service.remembered)
        [(channel, ids, reply)] = service.remembered
        assert (channel.channel_id, ids, type(reply)) == ("C1", [note.ts], BriefReply)


@pytest.mark.parametrize("tamper", ["bad_signature", "stale_timestamp", "unsigned_body_change"])
async def test_wrongly_signed_or_stale_requests_are_refused(tamper: str) -> None:
    async with slack_bot("http") as bot:
        if tamper == "bad_signature":
            sign: dict[str, Any] = {"signature": "v0=" + "0" * 64}
        elif tamper == "stale_timestamp":
            sign = {"timestamp": int(time.time()) - 10 * 60}
        else:
            sign = {"signature": bot.http.headers("text=help")["X-Slack-Signature"]}
        status, _ = await bot.http.command(
            URL, user="U1", channel="C1", response_url=bot.slack.response_url("r"), **sign
        )
        assert status == 401
        # A correctly signed command afterwards is the barrier: once it is answered, a refused
        # request that had got through would have reached the service before it.
        await bot.http.command("help", user="U1", channel="C1", response_url=bot.slack.response_url("ok"))
        await bot.slack.wait_until(lambda: bot.slack.responses_to("ok"))
        assert bot.service.commands == [Help()]
        assert bot.service.remembered == []
        assert bot.slack.bot_messages() == []


async def test_help_goes_only_to_the_person_who_asked() -> None:
    async with slack_bot("http") as bot:
        status, _ = await bot.http.command(
            "help", user="U1", channel="C1", response_url=bot.slack.response_url("h")
        )
        assert status == 200
        [response] = await bot.slack.wait_until(lambda: bot.slack.responses_to("h"))
        assert response["response_type"] == "ephemeral"
        assert "/brief subscribe" in json.dumps(response["blocks"])
        assert bot.slack.bot_messages() == []  # nothing in the channel


async def test_non_admin_cannot_subscribe_and_is_told_why() -> None:
    async with slack_bot("http") as bot:
        await bot.http.command(
            "subscribe https://news.example.org/rss",
            user="U1",
            channel="C1",
            response_url=bot.slack.response_url("s"),
        )
        [response] = await bot.slack.wait_until(
            lambda: [r for r in bot.slack.shown_through("s") if "Working on it" not in r["text"]]
        )
        assert len(bot.slack.shown_through("s")) == 1  # the asker's own working note became it
        [(request, _)] = bot.service.handled
        assert request.user == Requester("U1", "Ann", is_admin=False)
        assert response["response_type"] == "ephemeral"
        assert "Only workspace admins" in response["text"]
        assert bot.slack.bot_messages() == []

        # An admin may, and the change is announced in the channel.
        await bot.http.command(
            "subscribe https://news.example.org/rss",
            user="UADMIN",
            channel="C1",
            response_url=bot.slack.response_url("a"),
        )
        # The channel's working note becomes the announcement (one message, updated once).
        [posted] = await bot.slack.wait_until(
            lambda: [m for m in bot.slack.bot_messages("C1") if m.updates == 1]
        )
        assert [m.ts for m in bot.slack.bot_messages("C1")] == [posted.ts]
        assert bot.service.handled[1][0].user == Requester("UADMIN", "Ada", is_admin=True)
        assert posted.text.startswith("✅")


async def test_admin_status_is_cached_and_refreshed_after_the_ttl() -> None:
    now = [1000.0]
    async with slack_bot("http", clock=lambda: now[0], admin_ttl=60) as bot:
        for key in ("a", "b"):
            await bot.http.command("feeds", user="U1", channel="C1", response_url=bot.slack.response_url(key))
            await bot.slack.wait_until(lambda key=key: bot.slack.responses_to(key))
        assert len(bot.slack.calls_to("users.info")) == 1

        bot.slack.users["U1"]["is_owner"] = True  # promoted in Slack
        now[0] += 61
        await bot.http.command("feeds", user="U1", channel="C1", response_url=bot.slack.response_url("c"))
        await bot.slack.wait_until(lambda: bot.slack.responses_to("c"))
        assert len(bot.slack.calls_to("users.info")) == 2
        assert bot.service.handled[-1][0].user.is_admin is True


async def test_mention_in_the_thread_of_a_posted_brief_asks_about_that_article() -> None:
    async with slack_bot("http") as bot:
        await bot.http.command(URL, user="U1", channel="C1", response_url=bot.slack.response_url("r"))
        await bot.slack.wait_until(lambda: bot.service.remembered)
        [brief_message] = bot.slack.bot_messages("C1")

        question_ts = bot.slack.add_message("C1", "q", user="U1", thread_ts=brief_message.ts)
        event = mention(
            f"<@{BOT_USER_ID}> who pays for the &lt;new&gt; lighting?",
            ts=question_ts,
            thread_ts=brief_message.ts,
        )
        status, _ = await bot.http.event(event, event_id="Ev1")
        assert status == 200

        answer = await bot.slack.wait_until(lambda: [m for m in bot.slack.bot_messages("C1") if m.thread_ts])
        [(request, question)] = bot.service.asked
        assert question == "who pays for the <new> lighting?"
        assert request.thread_id == brief_message.ts
        assert answer[0].thread_ts == brief_message.ts
        assert "art-ferry" in answer[0].text  # the service answered about the brief's article


async def test_top_level_mention_is_answered_in_a_thread_on_it() -> None:
    async with slack_bot("http") as bot:
        ts = bot.slack.add_message("C1", "q", user="U1")
        await bot.http.event(mention(f"<@{BOT_USER_ID}> anything on ferries?", ts=ts), event_id="Ev1")
        [answer] = await bot.slack.wait_until(lambda: bot.slack.bot_messages("C1"))
        assert answer.thread_ts == ts
        assert bot.service.asked[0][0].thread_id is None
        assert "could not find an answer" in answer.text


async def test_retried_and_repeated_events_are_answered_once() -> None:
    async with slack_bot("http") as bot:
        ts = bot.slack.add_message("C1", "q", user="U1")
        event = mention(f"<@{BOT_USER_ID}> what happened?", ts=ts)
        first = await bot.http.event(event, event_id="Ev42")
        retried = await bot.http.event(event, event_id="Ev42", retry_num=1)
        repeated = await bot.http.event(event, event_id="Ev42")
        assert [first[0], retried[0], repeated[0]] == [200, 200, 200]  # each acked, so Slack stops retrying

        # A different message afterwards is answered: by then the duplicates would have been too.
        later = bot.slack.add_message("C1", "q2", user="U1")
        await bot.http.event(mention(f"<@{BOT_USER_ID}> and then?", ts=later), event_id="Ev43")
        await bot.slack.wait_until(lambda: len(bot.slack.bot_messages("C1")) == 2)
        assert [q for _, q in bot.service.asked] == ["what happened?", "and then?"]
        assert sorted(m.thread_ts or "" for m in bot.slack.bot_messages("C1")) == sorted([ts, later])


async def test_direct_messages_work_like_mentions_and_bots_are_ignored() -> None:
    async with slack_bot("http") as bot:
        ignored = [
            dm("from another bot", ts="1.1", bot_id="B0THER", subtype="bot_message"),
            dm("from another bot without subtype", ts="1.2", bot_id="B0THER"),
            dm("our own post", ts="1.3", user=BOT_USER_ID, bot_id=BOT_ID),
            dm("an edit", ts="1.4", subtype="message_changed"),
            {
                "type": "message",
                "channel_type": "channel",
                "channel": "C1",
                "user": "U1",
                "text": "x",
                "ts": "1.5",
            },
        ]
        for n, event in enumerate(ignored):
            assert (await bot.http.event(event, event_id=f"EvIgnored{n}"))[0] == 200
        await bot.http.event(dm("what is new?", ts="2.0"), event_id="EvDM")
        # The ignored events came first: had any been taken for a question, it would be asked
        # before this one is answered.
        [answer] = await bot.slack.wait_until(lambda: bot.slack.bot_messages("D1"))
        assert [q for _, q in bot.service.asked] == ["what is new?"]
        assert answer.thread_ts is None  # a DM is answered in the conversation itself

        # The same DM also delivered as a mention (different event) is still answered once;
        # the next DM is the barrier that shows it.
        await bot.http.event(
            {**dm(f"<@{BOT_USER_ID}> what is new?", ts="2.0"), "type": "app_mention"}, event_id="EvM"
        )
        await bot.http.event(dm("and the ferries?", ts="3.0"), event_id="EvDM2")
        await bot.slack.wait_until(lambda: len(bot.slack.bot_messages("D1")) == 2)
        assert [q for _, q in bot.service.asked] == ["what is new?", "and the ferries?"]


async def test_rate_limited_post_waits_for_retry_after_and_is_delivered_once() -> None:
    async with slack_bot("http") as bot:
        bot.slack.rate_limit("chat.postMessage", retry_after=1)
        ts = bot.slack.add_message("C1", "q", user="U1")
        await bot.http.event(mention(f"<@{BOT_USER_ID}> news?", ts=ts), event_id="Ev1")
        await bot.slack.wait_until(lambda: bot.slack.bot_messages("C1"), timeout=10)
        attempts = bot.slack.calls_to("chat.postMessage", ok_only=False)
        assert [a.status for a in attempts] == [429, 200]
        assert attempts[1].at - attempts[0].at >= 1.0  # waited as told
        assert len(bot.slack.bot_messages("C1")) == 1


async def test_hostile_article_text_stays_within_limits_and_pings_no_one() -> None:
    nasty = "<!channel> <!here|here> @everyone @here <@U0BOSS> <#C0PRIV> &amp; <https://evil.example|click> "
    brief = Brief(
        id="art-x",
        title=nasty * 1200,  # about 100 KB
        tldr=nasty * 50,
        who=tuple(Actor(name=nasty, role=nasty * 3) for _ in range(30)),
        where=tuple(Place(name=nasty, detail=nasty) for _ in range(30)),
        objectives=tuple(nasty * 20 for _ in range(40)),
        open_issues=(nasty,) * 40,
        url="https://news.example.org/a>b|c",
    )
    hostile = BriefReply(brief, "art-x", Source(nasty, "javascript:alert(1)", outlet=nasty))
    service = FakeChatService(replies={URL: hostile})
    async with slack_bot("http", service) as bot:
        await bot.http.command(URL, user="U1", channel="C1", response_url=bot.slack.response_url("r"))
        await bot.slack.wait_until(lambda: service.remembered)
        assert [c.method for c in bot.slack.calls if not c.ok] == []  # Slack accepted every message
        for message in bot.slack.bot_messages("C1"):
            for text in [message.text, *all_text(message.blocks)]:
                assert not BROADCAST.search(text), text[:200]
            assert len(message.blocks) <= 50


async def test_service_failures_become_a_polite_reply() -> None:
    service = FakeChatService(
        fail_on={
            "brief": RuntimeError("db exploded at /var/lib/secret"),
            "digest": FetchError("That page could not be fetched (HTTP 404)."),
        }
    )
    async with slack_bot("http", service) as bot:
        await bot.http.command(URL, user="U1", channel="C1", response_url=bot.slack.response_url("r"))
        [sorry] = await bot.slack.wait_until(lambda: bot.slack.responses_to("r"))
        assert sorry["response_type"] == "ephemeral"  # to the person who asked…
        assert APOLOGY in sorry["text"]
        assert "secret" not in json.dumps(sorry)
        [note] = bot.slack.deleted  # …and the channel's working note is gone
        assert "Working on it" in note.text
        assert bot.slack.bot_messages("C1") == []

        await bot.http.command("digest", user="U1", channel="C2", response_url=bot.slack.response_url("d"))
        [error] = await bot.slack.wait_until(lambda: bot.slack.responses_to("d"))
        assert "could not be fetched (HTTP 404)" in error["text"]
        assert bot.slack.bot_messages("C2") == []
        assert service.remembered == []  # errors are not remembered as posts


async def test_an_error_replaces_the_working_note_when_slack_will_not_delete_it() -> None:
    service = FakeChatService(fail_on={"brief": FetchError("That page could not be fetched (HTTP 404).")})
    async with slack_bot("http", service) as bot:
        bot.slack.rate_limit("chat.delete", times=10)  # never gets through
        await bot.http.command(URL, user="U1", channel="C1", response_url=bot.slack.response_url("r"))
        [note] = await bot.slack.wait_until(
            lambda: [m for m in bot.slack.bot_messages("C1") if m.updates], timeout=15
        )
        assert "could not be fetched (HTTP 404)" in note.text  # not left saying "working on it"


async def test_channel_the_bot_cannot_post_to_is_answered_through_the_response_url() -> None:
    async with slack_bot("http") as bot:
        bot.slack.gone["G1"] = "channel_not_found"  # a private channel the bot is not in
        await bot.http.command(URL, user="U1", channel="G1", response_url=bot.slack.response_url("g"))
        responses = await bot.slack.wait_until(
            lambda: len(bot.slack.responses_to("g")) == 3 and bot.slack.responses_to("g")
        )
        working, cleanup, result = responses
        assert working["response_type"] == "ephemeral"
        assert "Working on it" in working["text"]
        assert cleanup["delete_original"] is True
        assert result["response_type"] == "in_channel"
        assert "Lakeport" in result["text"]


async def test_healthz_and_url_verification() -> None:
    async with slack_bot("http") as bot:
        health = f"http://127.0.0.1:{bot.adapter.http_port}/healthz"
        async with aiohttp.ClientSession() as session, session.get(health) as response:
            assert response.status == 200
        body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "t"})
        status, text = await bot.http.post(body, "application/json")
        assert status == 200
        assert "c-123" in text


async def test_service_error_reply_is_rendered_for_an_unknown_command() -> None:
    async with slack_bot("http") as bot:
        await bot.http.command(
            "frobnicate <!channel>", user="U1", channel="C1", response_url=bot.slack.response_url("u")
        )
        [response] = await bot.slack.wait_until(lambda: bot.slack.responses_to("u"))
        assert response["response_type"] == "ephemeral"
        assert "frobnicate" in response["text"]
        assert response["text"].startswith("⚠️")
        assert not BROADCAST.search(json.dumps(response))  # the echoed <!channel> is escaped


async def test_a_burst_of_commands_is_acked_at_once_and_worked_through_a_few_at_a_time() -> None:
    service = FakeChatService(gate=asyncio.Event())
    async with slack_bot("http", service, max_busy=2) as bot:
        statuses = await asyncio.gather(
            *(
                bot.http.command(
                    f"{URL}?n={i}", user="U1", channel="C1", response_url=bot.slack.response_url(f"b{i}")
                )
                for i in range(6)
            )
        )
        assert [s for s, _ in statuses] == [200] * 6
        await bot.slack.wait_until(lambda: len(service.handled) == 2)
        service.gate.set()  # type: ignore[union-attr]
        await bot.slack.wait_until(lambda: len(service.remembered) == 6)
        assert len(bot.slack.bot_messages("C1")) == 6
        assert service.most_at_once == 2  # the rest waited their turn, already acked


# --------------------------------------------------------------------------- hostile clients


@pytest.mark.parametrize("timestamp", ["abc", "", "１２３", "9" * 5000, "-60", "1e9"])
async def test_an_unsigned_request_with_a_bad_timestamp_is_refused_with_401(
    timestamp: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with slack_bot("http") as bot:
        status, _ = await bot.http.post(
            "text=help", "application/x-www-form-urlencoded", extra={"X-Slack-Request-Timestamp": timestamp}
        )
        assert status == 401
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_an_unsigned_body_is_never_parsed() -> None:
    async with slack_bot("http") as bot:
        deep = '{"type": ' + "[" * 100_000
        status, _ = await bot.http.post(deep, "application/json", signature="v0=" + "0" * 64)
        assert status == 401
        headers = {"Content-Type": "application/json", **bot.http.headers("x"), "X-Slack-Signature": "v0=0"}
        async with bot.http.session.post(bot.http.url, data=b'{"\xff\xfe": 1}', headers=headers) as response:
            assert response.status == 401  # not even UTF-8: refused, never a 500


async def open_half_sent(port: int, payload: bytes) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    if payload:
        writer.write(payload)
        await writer.drain()
    return reader, writer


async def closed(reader: asyncio.StreamReader, within: float) -> bool:
    """Whether the server closes this connection within ``within`` seconds."""
    try:
        async with asyncio.timeout(within):
            while await reader.read(4096):
                pass
    except TimeoutError:
        return False
    except ConnectionError:
        pass
    return True


HALF_HEAD = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nX-Slack-Signature: v0="
HALF_BODY = (
    b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    b'Content-Length: 1000\r\n\r\n{"type": '
)


async def test_slow_clients_are_closed_within_the_bounds_while_slack_is_answered() -> None:
    limits = HttpLimits()  # the defaults: 10 s for a request head, 10 s for its body
    async with slack_bot("http") as bot:
        port = bot.adapter.http_port
        assert port is not None
        slow = [await open_half_sent(port, p) for p in [HALF_HEAD] * 20 + [HALF_BODY] * 5 + [b""] * 5]
        status, body = await bot.http.command(
            "help", user="U1", channel="C1", response_url=bot.slack.response_url("r1")
        )
        assert (status, body) == (200, "")
        bound = limits.header_timeout + limits.body_timeout + 10  # generous
        results = await asyncio.gather(*(closed(reader, within=bound) for reader, _ in slow))
        assert all(results), f"{results.count(False)} of {len(results)} still open"
        for _, writer in slow:
            writer.close()
        await bot.slack.wait_until(lambda: bot.slack.responses_to("r1"))


async def test_a_flood_of_unauthenticated_connections_is_capped_and_does_not_block_slack() -> None:
    # Long timeouts: here only the cap on unauthenticated connections may close them.
    async with slack_bot(
        "http", http_limits=HttpLimits(header_timeout=60.0, body_timeout=60.0, max_strangers=20)
    ) as bot:
        port = bot.adapter.http_port
        assert port is not None
        flood = [await open_half_sent(port, HALF_HEAD) for _ in range(120)]
        results = await asyncio.gather(*(closed(reader, within=10) for reader, _ in flood[:100]))
        assert all(results)  # the oldest beyond the cap were closed at once…
        status, body = await bot.http.command(
            "help", user="U1", channel="C1", response_url=bot.slack.response_url("r1")
        )
        assert (status, body) == (200, "")  # …so Slack still gets through
        await bot.slack.wait_until(lambda: bot.slack.responses_to("r1"))
        # The signed request's connection is trusted: more strangers do not close it.
        more = [await open_half_sent(port, HALF_HEAD) for _ in range(40)]
        status, _ = await bot.http.command(
            "help", user="U1", channel="C1", response_url=bot.slack.response_url("r2")
        )
        assert status == 200
        for _, writer in flood + more:
            writer.close()
