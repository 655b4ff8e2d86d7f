"""Slack and Discord follow one reply policy: the same command, answered by the real service,
is seen by the same people on both (the whole channel, or only the person who asked), in the
same words. Both real adapters, each against its fake platform on loopback."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.replies import APOLOGY
from tests.bot.adapters import discord_support
from tests.bot.adapters.real_stack import Stack, real_stack
from tests.bot.adapters.slack_harness import Harness, slack_bot
from tests.fakes.discord import EVERYDAY, MANAGE_GUILD
from tests.fakes.web import story

pytestmark = pytest.mark.timeout(180)


@dataclass
class Seen:
    """What the person who used a command sees as its answer, and whether the channel sees it."""

    text: str
    public: bool


class Platform:
    """One real adapter on its fake platform, used the way a person there uses ``/brief``."""

    name: str

    async def use(self, typed: str, slash: str, admin: bool = True, **options: str) -> Seen:
        raise NotImplementedError

    def in_channel(self) -> list[str]:
        """Everything the bot has left in the channel (what everybody sees)."""
        raise NotImplementedError


class OnSlack(Platform):
    name = "slack"

    def __init__(self, bot: Harness) -> None:
        self.bot = bot
        self.keys = iter(range(1000))

    async def use(self, typed: str, slash: str, admin: bool = True, **options: str) -> Seen:
        key = f"k{next(self.keys)}"
        before = {m.ts: m.updates for m in self.bot.slack.bot_messages("C1")}
        user = "UADMIN" if admin else "U1"
        await self.bot.http.command(
            typed, user=user, channel="C1", response_url=self.bot.slack.response_url(key)
        )

        def answered() -> Seen | None:
            for response in self.bot.slack.responses_to(key):
                if "Working on it" not in response.get("text", "") and not response.get("delete_original"):
                    return Seen(response["text"] + json.dumps(response.get("blocks", [])), False)
            for m in self.bot.slack.bot_messages("C1"):
                if before.get(m.ts, -1) != m.updates and "Working on it" not in m.text:
                    return Seen(m.text + json.dumps(m.blocks), True)
            return None

        seen: Seen = await self.bot.slack.wait_until(answered, timeout=60)
        return seen

    def in_channel(self) -> list[str]:
        return [m.text for m in self.bot.slack.bot_messages("C1")]


class OnDiscord(Platform):
    name = "discord"

    def __init__(self, bot: discord_support.Bot) -> None:
        self.bot = bot

    async def use(self, typed: str, slash: str, admin: bool = True, **options: str) -> Seen:
        permissions = EVERYDAY | MANAGE_GUILD if admin else EVERYDAY
        fake = self.bot.fake
        interaction = await fake.slash(
            slash,
            guild_id=discord_support.GUILD,
            channel_id=discord_support.CHANNEL,
            permissions=permissions,
            **options,
        )
        [answer] = await fake.wait_for(
            lambda: [m for m in fake.messages if m.interaction_id == interaction], timeout=60, what=slash
        )
        return Seen(answer.content + json.dumps(answer.embeds), not answer.flags & 64)

    def in_channel(self) -> list[str]:
        return [
            m.content for m in self.bot.fake.channel_messages(discord_support.CHANNEL) if not m.flags & 64
        ]


@asynccontextmanager
async def on_slack(stack: Stack) -> AsyncIterator[Platform]:
    async with slack_bot("http", stack.service) as bot:
        yield OnSlack(bot)


@asynccontextmanager
async def on_discord(stack: Stack) -> AsyncIterator[Platform]:
    async with discord_support.running(stack.service) as bot:
        yield OnDiscord(bot)


PLATFORMS: dict[str, Callable[[Stack], AbstractAsyncContextManager[Platform]]] = {
    "slack": on_slack,
    "discord": on_discord,
}


@pytest.fixture(params=list(PLATFORMS))
async def platform(request: pytest.FixtureRequest, tmp_path: Path, local_backend: Any) -> AsyncIterator[Any]:
    async with real_stack(tmp_path, local_backend) as stack, PLATFORMS[request.param](stack) as chat:
        yield stack, chat


async def test_a_failed_brief_is_shown_only_to_whoever_asked(platform: tuple[Stack, Platform]) -> None:
    stack, chat = platform
    missing = stack.web.url("/news/gone")  # 404
    seen = await chat.use(missing, "url", url=missing)
    assert seen.public is False
    assert "404" in seen.text
    assert chat.in_channel() == []  # no trace in the channel, not even a "working on it" note


async def test_a_brief_is_shown_to_the_channel(platform: tuple[Stack, Platform]) -> None:
    stack, chat = platform
    s = story(2)
    url = stack.publish(s)
    seen = await chat.use(url, "url", url=url)
    assert seen.public is True
    assert s.title in seen.text


async def test_an_unforeseen_failure_is_the_same_apology_to_whoever_asked(
    platform: tuple[Stack, Platform],
) -> None:
    stack, chat = platform
    await stack.store.db.execute("DROP TABLE subscriptions")  # the database broke under the bot
    seen = await chat.use("feeds", "feeds")
    assert seen.public is False
    assert APOLOGY in seen.text.replace("\\", "")  # (Discord escapes markdown)
    assert "subscriptions" not in seen.text
    assert "briefbot.db" not in seen.text  # no path of the bot's machine in a chat


async def test_lists_and_refusals_are_private_changes_are_public(platform: tuple[Stack, Platform]) -> None:
    _, chat = platform
    feeds = await chat.use("feeds", "feeds")
    assert feeds.public is False
    refused = await chat.use("mode each", "mode", admin=False, mode="each")
    assert refused.public is False
    assert "Only admins can change the mode" in refused.text
    done = await chat.use("mode each", "mode", mode="each")
    assert done.public is True
    assert "Mode set to each" in done.text
    bad = await chat.use("schedule 25:00", "schedule", time="25:00")
    assert bad.public is False
    assert "is not a time" in bad.text
    assert len(chat.in_channel()) == 1  # only the change
