"""Briefbot's Slack adapter in Socket Mode: the real SDK websocket client against a fake
``apps.connections.open`` and websocket server on loopback."""

from __future__ import annotations

import asyncio

import pytest

from bot.adapters.slack_app import SlackAdapter, make_web_client
from bot.credentials import SlackTokens
from bot.settings import SlackSettings
from summarizer.errors import ConfigError
from tests.bot.adapters.slack_harness import slack_bot
from tests.fakes.chat_service import FakeChatService
from tests.fakes.slack import APP_TOKEN, BOT_TOKEN, BOT_USER_ID, FakeSlack

URL = "https://news.example.org/2026/ferry-trial"


def mention(text: str, ts: str, thread_ts: str | None = None) -> dict[str, str]:
    event = {"type": "app_mention", "user": "U1", "text": text, "ts": ts, "channel": "C1", "event_ts": ts}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


async def test_command_over_the_socket_is_acked_and_answered() -> None:
    service = FakeChatService(gate=asyncio.Event())
    async with slack_bot("socket", service) as bot:
        assert bot.slack.socket_connections == 1
        envelope = await bot.slack.send_command(URL, user="U1", channel="C1", response_key="r")
        # The ack goes back over the socket while the service is still working.
        await asyncio.wait_for(envelope.acked.wait(), timeout=3)
        [note] = await bot.slack.wait_until(lambda: bot.slack.bot_messages("C1"))
        assert "Working on it" in note.text

        service.gate.set()  # type: ignore[union-attr]
        await bot.slack.wait_until(lambda: note.updates == 1)
        assert note.blocks[0]["text"]["text"].startswith("Lakeport approves")
        await bot.slack.wait_until(lambda: service.remembered)


async def test_dropped_connection_reconnects_and_the_next_event_is_delivered() -> None:
    async with slack_bot("socket") as bot:
        await bot.slack.wait_until(lambda: bot.slack.socket_open)
        bot.slack.drop_socket()
        # The client notices (ping interval 0.2 s here), asks apps.connections.open for a
        # fresh URL and connects again.
        await bot.slack.wait_until(lambda: bot.slack.socket_connections == 2, timeout=10)
        assert len(bot.slack.calls_to("apps.connections.open")) == 2

        ts = bot.slack.add_message("C1", "q", user="U1")
        envelope = await bot.slack.send_event(
            mention(f"<@{BOT_USER_ID}> still there?", ts), event_id="EvAfterDrop"
        )
        await asyncio.wait_for(envelope.acked.wait(), timeout=5)
        [answer] = await bot.slack.wait_until(lambda: bot.slack.bot_messages("C1"))
        assert answer.thread_ts == ts
        assert [q for _, q in bot.service.asked] == ["still there?"]


async def test_redelivered_envelope_is_answered_once() -> None:
    async with slack_bot("socket") as bot:
        ts = bot.slack.add_message("C1", "q", user="U1")
        event = mention(f"<@{BOT_USER_ID}> what changed?", ts)
        first = await bot.slack.send_event(event, event_id="Ev7")
        again = await bot.slack.send_event(event, event_id="Ev7", retry_attempt=1)
        await asyncio.wait_for(first.acked.wait(), timeout=3)
        await asyncio.wait_for(again.acked.wait(), timeout=3)  # acked, so Slack stops retrying

        later = bot.slack.add_message("C1", "q2", user="U1")
        await bot.slack.send_event(mention(f"<@{BOT_USER_ID}> anything else?", later), event_id="Ev8")
        # The later event is the barrier: a redelivery taken for new would be asked before it.
        await bot.slack.wait_until(lambda: len(bot.slack.bot_messages("C1")) == 2)
        assert [q for _, q in bot.service.asked] == ["what changed?", "anything else?"]


async def test_mention_in_a_brief_thread_over_the_socket_passes_the_thread() -> None:
    async with slack_bot("socket") as bot:
        await bot.slack.send_command(URL, user="U1", channel="C1", response_key="r")
        await bot.slack.wait_until(lambda: bot.service.remembered)
        [brief] = bot.slack.bot_messages("C1")
        ts = bot.slack.add_message("C1", "q", user="U1", thread_ts=brief.ts)
        await bot.slack.send_event(
            mention(f"<@{BOT_USER_ID}> who pays?", ts, thread_ts=brief.ts), event_id="Ev1"
        )
        await bot.slack.wait_until(lambda: bot.service.asked)
        assert bot.service.asked[0][0].thread_id == brief.ts


@pytest.mark.parametrize(
    ("bot_token", "app_token", "named"),
    [
        ("xoxb-wrong", APP_TOKEN, "SLACK_BOT_TOKEN"),
        (BOT_TOKEN, "xapp-wrong", "SLACK_APP_TOKEN"),
    ],
)
async def test_refused_tokens_stop_start_up_with_a_clear_message(
    bot_token: str, app_token: str, named: str
) -> None:
    async with FakeSlack() as slack:
        settings = SlackSettings(mode="socket", api_url=slack.api_url)
        adapter = SlackAdapter(
            settings=settings,
            tokens=SlackTokens(bot_token, app_token),
            service=FakeChatService(),
            client=make_web_client(slack.api_url, bot_token),
        )
        with pytest.raises(ConfigError, match=named) as caught:
            await asyncio.wait_for(adapter.start(), timeout=10)
        assert "wrong" not in str(caught.value)  # never echo a secret
        assert "invalid_auth" in str(caught.value)
        await adapter.stop()
