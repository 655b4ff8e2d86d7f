"""The real Discord adapter running against the fake Discord, for the Discord adapter tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from bot.adapters.discord_app import DiscordAdapter
from bot.commands import ChatService
from bot.replies import ChannelRef
from bot.settings import DiscordSettings
from tests.fakes.chat_service import FakeChatService
from tests.fakes.discord import TOKEN, FakeDiscord, Guild

GUILD = 900_000_000_000_000_001
CHANNEL = 900_000_000_000_000_010
OTHER_CHANNEL = 900_000_000_000_000_011
THREAD = 900_000_000_000_000_020  # a thread in CHANNEL
DM_CHANNEL = 900_000_000_000_000_030

NEWS = ChannelRef("discord", str(CHANNEL), str(GUILD))


@dataclass
class Bot:
    fake: FakeDiscord
    service: Any  # a FakeChatService in these tests; the real Service works too
    adapter: DiscordAdapter


@asynccontextmanager
async def running(
    service: ChatService | None = None,
    *,
    guild_ids: tuple[int, ...] = (GUILD,),
    **fake_options: Any,
) -> AsyncIterator[Bot]:
    service = service or FakeChatService()
    guild = Guild(GUILD, channels=(CHANNEL, OTHER_CHANNEL), threads={THREAD: CHANNEL})
    async with FakeDiscord(guilds=[guild], **fake_options) as fake:
        settings = DiscordSettings(guild_ids=guild_ids, api_url=fake.api_url, gateway_url=fake.gateway_url)
        adapter = DiscordAdapter(service, TOKEN, settings, guild_ready_timeout=0.05)
        await adapter.start()
        try:
            await asyncio.wait_for(adapter.wait_until_ready(), 10)
            yield Bot(fake, service, adapter)
        finally:
            await adapter.stop()
