"""The real SlackAdapter (real AsyncApp, real AsyncWebClient) wired to a fake Slack on loopback,
driving any ``ChatService``: the recording stand-in by default, or the real ``Service``."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal

import aiohttp

from bot.adapters.slack_app import SlackAdapter, make_web_client
from bot.commands import ChatService
from bot.credentials import SlackTokens
from bot.settings import SlackSettings
from tests.fakes.chat_service import FakeChatService
from tests.fakes.slack import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, EventsClient, FakeSlack


@dataclass
class Harness:
    slack: FakeSlack
    service: Any  # a FakeChatService unless the test passed the real Service
    adapter: SlackAdapter
    events: EventsClient | None

    @property
    def http(self) -> EventsClient:
        assert self.events is not None, "HTTP mode only"
        return self.events


@asynccontextmanager
async def slack_bot(
    mode: Literal["socket", "http"] = "http",
    service: ChatService | None = None,
    *,
    clock: Callable[[], float] = time.monotonic,
    slack: FakeSlack | None = None,
    **adapter_options: Any,
) -> AsyncIterator[Harness]:
    """``slack``: a fake Slack already running (several bots, replicas of one app, share it)."""
    own = slack is None
    if slack is None:
        slack = await FakeSlack().start()
        slack.add_user("U1", "Ann")
        slack.add_user("UADMIN", "Ada", admin=True)
    service = service or FakeChatService()
    settings = SlackSettings(mode=mode, host="127.0.0.1", port=0, api_url=slack.api_url)
    tokens = SlackTokens(
        BOT_TOKEN, APP_TOKEN if mode == "socket" else "", SIGNING_SECRET if mode == "http" else ""
    )
    session = aiohttp.ClientSession()
    client = make_web_client(settings.api_url, tokens.bot_token, session)
    adapter_options.setdefault("ping_interval", 0.2)
    adapter = SlackAdapter(
        settings=settings, tokens=tokens, service=service, client=client, clock=clock, **adapter_options
    )
    events: EventsClient | None = None
    try:
        await adapter.start()
        if mode == "http":
            events = EventsClient(f"http://127.0.0.1:{adapter.http_port}/slack/events")
        yield Harness(slack, service, adapter, events)
    finally:
        if events is not None:
            await events.close()
        await adapter.stop(drain=2)
        await session.close()
        if own:
            await slack.stop()
