"""Slack with the real chat core: the real SlackAdapter over HTTP mode (signed requests) driving
the real Service, Store, Ingestor (pages fetched from a loopback web) and Scheduler."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import pytest

from bot.replies import ChannelRef
from tests.bot.adapters.real_stack import (
    Stack,
    digest_period,
    goal,
    posted_digest,
    real_stack,
    remembered_post,
    schedule_due_tomorrow,
    two_different_stories,
)
from tests.bot.adapters.slack_harness import Harness, slack_bot
from tests.conftest import StoreTarget
from tests.fakes.slack import BOT_USER_ID, TEAM_ID, Message
from tests.fakes.web import story

pytestmark = pytest.mark.timeout(180)

CHANNEL = ChannelRef("slack", "C1", TEAM_ID)
_ts = iter(range(1, 10_000))


def next_ts() -> str:
    return f"1790900000.{next(_ts):06d}"


def top_level_mention(question: str, ts: str) -> dict[str, Any]:
    """An app_mention event for ``question`` asked at ``ts`` outside any thread."""
    return {
        "type": "app_mention",
        "user": "U1",
        "text": f"<@{BOT_USER_ID}> {question}",
        "ts": ts,
        "channel": "C1",
        "event_ts": ts,
    }


def header(message: Message) -> str:
    return next((b["text"]["text"] for b in message.blocks if b["type"] == "header"), "")


def shown(message: Message) -> str:
    return message.text + json.dumps(message.blocks)


async def command(bot: Harness, text: str, *, user: str, key: str) -> None:
    started = time.monotonic()
    status, body = await bot.http.command(
        text, user=user, channel="C1", response_url=bot.slack.response_url(key)
    )
    assert (status, body) == (200, "")  # acknowledged with an empty 200…
    assert time.monotonic() - started < 3  # …within Slack's three seconds


async def channel_message(bot: Harness, predicate: Any, timeout: float = 60) -> Message:
    found: list[Message] = await bot.slack.wait_until(
        lambda: [m for m in bot.slack.bot_messages("C1") if predicate(m)], timeout=timeout
    )
    assert len(found) == 1, [m.text for m in found]
    return found[0]


async def ask_in_thread(bot: Harness, question: str, thread_ts: str) -> Message:
    event = {
        "type": "app_mention",
        "user": "U1",
        "text": f"<@{BOT_USER_ID}> {question}",
        "ts": next_ts(),
        "thread_ts": thread_ts,
        "channel": "C1",
        "event_ts": next_ts(),
    }
    status, _ = await bot.http.event(event, event_id=f"Ev{next_ts()}")
    assert status == 200
    return await channel_message(bot, lambda m: m.thread_ts == thread_ts, timeout=30)


async def test_brief_url_is_acked_worked_on_replaced_and_followed_up_in_its_thread(
    tmp_path: Path, local_backend: Any
) -> None:
    first, other = two_different_stories()
    async with real_stack(tmp_path, local_backend) as stack, slack_bot("http", stack.service) as bot:
        # Another article is stored too: the follow-up must be answered from the thread's one.
        await stack.ingestor.ingest_url(stack.publish(other))
        url = stack.publish(first)

        await command(bot, url, user="U1", key="r1")
        note = await channel_message(bot, lambda m: True)
        assert "Working on it" in bot.slack.calls_to("chat.postMessage")[0].params["text"]
        await bot.slack.wait_until(lambda: note.updates == 1, timeout=60)
        assert header(note) == first.title  # the note became the brief (Block Kit)…
        kinds = [b["type"] for b in note.blocks]
        assert "context" in kinds  # who / where
        assert "actions" in kinds  # the source button
        assert [m.ts for m in bot.slack.bot_messages("C1")] == [note.ts]  # …replaced, not added

        article = await remembered_post(stack, CHANNEL.key, note.ts)
        stored = await stack.store.articles.get(article)
        assert stored is not None
        assert stored.url == url

        answer = await ask_in_thread(bot, "What does the plan aim to do?", note.ts)
        assert goal(first) in shown(answer)
        assert goal(other) not in shown(answer)
        assert url in json.dumps(answer.blocks)  # cited


async def test_a_non_admin_cannot_subscribe_an_admin_can(tmp_path: Path, local_backend: Any) -> None:
    async with real_stack(tmp_path, local_backend) as stack, slack_bot("http", stack.service) as bot:
        feed_url = stack.feed("/rss", [story(3)])

        await command(bot, f"subscribe {feed_url}", user="U1", key="s1")
        [refusal] = await bot.slack.wait_until(
            lambda: [r for r in bot.slack.shown_through("s1") if "Working on it" not in r["text"]]
        )
        assert len(bot.slack.shown_through("s1")) == 1  # the asker's own working note became it
        assert refusal["response_type"] == "ephemeral"  # only the person who asked sees it
        assert "Only admins can change subscriptions" in refusal["text"]
        assert bot.slack.bot_messages("C1") == []  # the channel's working note was taken back
        assert await stack.store.channels.subscriptions(CHANNEL.key) == []
        assert stack.web.hits("/rss") == 0  # not even looked at

        await command(bot, f"subscribe {feed_url}", user="UADMIN", key="s2")
        confirmation = await channel_message(bot, lambda m: "Subscribed this channel" in m.text)
        assert "subscription 1" in confirmation.text
        [sub] = await stack.store.channels.subscriptions(CHANNEL.key)
        assert sub.created_by == "slack:UADMIN"

        # The ids /brief feeds shows are what /brief unsubscribe takes.
        await command(bot, "feeds", user="U1", key="f1")
        [listing] = await bot.slack.wait_until(lambda: bot.slack.responses_to("f1"))
        assert f"`{sub.id}`" in json.dumps(listing["blocks"])
        await command(bot, f"unsubscribe {sub.id}", user="UADMIN", key="u1")
        await channel_message(bot, lambda m: "Unsubscribed this channel" in m.text)
        assert await stack.store.channels.subscriptions(CHANNEL.key) == []


async def test_a_user_listed_in_chat_admins_may_subscribe(tmp_path: Path, local_backend: Any) -> None:
    # Written in lower case by the operator; Slack's ids are upper case.
    async with (
        real_stack(tmp_path, local_backend, chat={"admins": ("slack:u1",)}) as stack,
        slack_bot("http", stack.service) as bot,
    ):
        feed_url = stack.feed("/rss", [story(3)])
        await command(bot, f"subscribe {feed_url}", user="U1", key="s1")
        await channel_message(bot, lambda m: "Subscribed this channel" in m.text)
        assert len(await stack.store.channels.subscriptions(CHANNEL.key)) == 1


async def test_a_scheduled_digest_is_posted_through_slack_once_and_its_thread_answers(
    tmp_path: Path, local_backend: Any
) -> None:
    at, tomorrow = schedule_due_tomorrow()
    s = story(5)
    async with (
        real_stack(tmp_path, local_backend, scheduler_clock=lambda: tomorrow) as stack,
        slack_bot("http", stack.service) as bot,
    ):
        await subscribe_and_schedule(stack, bot, s, at)
        stack.scheduler.add_poster(bot.adapter.poster)
        await stack.scheduler.start()  # catches up the digest due a minute ago
        digest = await channel_message(bot, lambda m: header(m).startswith("Daily digest — "))
        assert s.title in shown(digest)

        await posted_digest(stack, CHANNEL.key, digest_period(tomorrow))
        assert (await stack.scheduler.run_digest(CHANNEL.key)).outcome == "already"
        await stack.scheduler.catch_up()
        assert len([m for m in bot.slack.bot_messages("C1") if header(m).startswith("Daily digest")]) == 1

        # One story: the digest's message leads to its article, so its thread can ask about it.
        await remembered_post(stack, CHANNEL.key, digest.ts)
        answer = await ask_in_thread(bot, "What does the plan aim to do?", digest.ts)
        assert goal(s) in shown(answer)


async def test_a_channel_slack_no_longer_lets_us_post_to_stops_its_deliveries_until_an_admin_acts(
    tmp_path: Path, local_backend: Any, caplog: pytest.LogCaptureFixture
) -> None:
    at, tomorrow = schedule_due_tomorrow()
    async with (
        real_stack(tmp_path, local_backend, scheduler_clock=lambda: tomorrow) as stack,
        slack_bot("http", stack.service) as bot,
    ):
        await subscribe_and_schedule(stack, bot, story(6), at)
        bot.slack.gone["C1"] = "channel_not_found"  # the channel was deleted
        stack.scheduler.add_poster(bot.adapter.poster)
        with caplog.at_level(logging.WARNING, logger="bot.scheduler"):
            assert (await stack.scheduler.run_digest(CHANNEL.key)).outcome == "gone"
            assert (await stack.scheduler.run_digest(CHANNEL.key)).outcome == "not-due"  # not retried
        assert f"channel gone, deliveries stopped channel={CHANNEL.key}" in caplog.text
        channel = await stack.store.channels.get(CHANNEL.key)
        assert channel is not None
        assert channel.disabled
        assert stack.scheduler.next_digest(CHANNEL.key) is None

        # The channel is back (the bot re-invited); an admin's change there resumes deliveries,
        # and the digest that could not be posted arrives (once).
        del bot.slack.gone["C1"]
        await command(bot, "feeds", user="U1", key="f")
        [listing] = await bot.slack.wait_until(lambda: bot.slack.responses_to("f"))
        assert "posting stopped" in listing["text"] or "posting stopped" in json.dumps(listing["blocks"])
        await command(bot, f"schedule {at} UTC", user="UADMIN", key="again")
        await bot.slack.wait_until(
            lambda: len([m for m in bot.slack.bot_messages("C1") if "digest set" in m.text]) == 2
        )
        channel = await stack.store.channels.get(CHANNEL.key)
        assert channel is not None
        assert not channel.disabled
        assert (await stack.scheduler.run_digest(CHANNEL.key)).outcome == "posted"
        assert (await stack.scheduler.run_digest(CHANNEL.key)).outcome == "already"


async def subscribe_and_schedule(stack: Stack, bot: Harness, s: Any, at: str) -> None:
    """An admin subscribes C1 to a feed of ``s`` and sets the digest time; the feed is polled."""
    feed_url = stack.feed("/rss", [s])
    await command(bot, f"subscribe {feed_url}", user="UADMIN", key="sub")
    await channel_message(bot, lambda m: "Subscribed this channel" in m.text)
    await command(bot, f"schedule {at} UTC", user="UADMIN", key="sched")
    await channel_message(bot, lambda m: "Daily digest set" in m.text)
    await stack.scheduler.poll_once()
    assert await stack.store.articles.count("briefed") == 1


async def test_a_mention_with_a_lone_surrogate_is_answered(tmp_path: Path, local_backend: Any) -> None:
    # "\ud800" is legal in Slack's JSON; what it decodes to cannot be encoded anywhere.
    async with real_stack(tmp_path, local_backend) as stack, slack_bot("http", stack.service) as bot:
        s = story(3)
        await stack.ingestor.ingest_url(stack.publish(s))
        ts = next_ts()
        event = top_level_mention("what does the plan aim to do? \ud800", ts)
        status, _ = await bot.http.event(event, event_id="EvSurrogate")
        assert status == 200
        answer = await channel_message(bot, lambda m: m.thread_ts == ts, timeout=30)
        assert "went wrong" not in answer.text
        assert goal(s) in shown(answer)


async def test_a_retry_that_arrives_after_a_restart_is_not_answered_twice(
    tmp_path: Path, local_backend: Any
) -> None:
    """Slack retries an event it saw no answer to in time, also when the bot has restarted
    meanwhile: which events were handled is kept in the store, not in memory."""
    ts = next_ts()
    event = top_level_mention("who approved the plan?", ts)
    async with real_stack(tmp_path, local_backend) as stack, slack_bot("http", stack.service) as bot:
        assert (await bot.http.event(event, event_id="EvRestart"))[0] == 200
        await channel_message(bot, lambda m: m.thread_ts == ts, timeout=30)

    # Restarted on the same database; the retry comes, then a new question.
    async with real_stack(tmp_path, local_backend) as stack, slack_bot("http", stack.service) as bot:
        assert (await bot.http.event(event, event_id="EvRestart", retry_num=1))[0] == 200
        later = next_ts()
        await ask_in_thread(bot, "and who objected?", later)
    # Leaving the block waited for the adapter's work in flight: the retry's too.
    assert [m.thread_ts for m in bot.slack.bot_messages("C1")] == [later]


async def test_an_event_retried_to_another_replica_is_answered_once(
    tmp_path: Path, local_backend: Any, store_target: StoreTarget
) -> None:
    """Two replicas on one database behind a load balancer: Slack's retry of an event reaches
    the other replica, which sees in the store that it was handled, and does not answer again."""
    ts = next_ts()
    event = top_level_mention("who approved the plan?", ts)
    async with (
        real_stack(tmp_path / "one", local_backend, target=store_target) as one,
        real_stack(tmp_path / "two", local_backend, target=store_target) as two,
        slack_bot("http", one.service) as first,
        slack_bot("http", two.service, slack=first.slack) as second,
    ):
        assert (await first.http.event(event, event_id="EvReplica"))[0] == 200
        assert (await second.http.event(event, event_id="EvReplica", retry_num=1))[0] == 200
        # The same message again under another event id (a DM that also mentions the bot).
        assert (await second.http.event(event, event_id="EvReplica2"))[0] == 200
        later = next_ts()
        await ask_in_thread(second, "and who objected?", later)  # the other replica answers
        await channel_message(first, lambda m: m.thread_ts == ts, timeout=30)
    answered = sorted(m.thread_ts or "" for m in first.slack.bot_messages("C1"))
    assert answered == sorted([ts, later])
