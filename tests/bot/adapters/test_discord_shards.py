"""Replicas split the Discord gateway: ``[discord] shard_count`` and ``shard_ids``.

The real discord.py clients against one fake Discord that routes as Discord does: a guild's
events to shard ``(guild_id >> 22) % shard_count``, DMs to shard 0.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import pytest

from bot.adapters.discord_app import DiscordAdapter
from bot.commands import Ask, Feeds
from bot.settings import DiscordSettings
from summarizer.errors import ConfigError
from tests.fakes.chat_service import FakeChatService
from tests.fakes.discord import TOKEN, FakeDiscord, Guild, shard_of

# Snowflakes whose shard (of 2) is 0 and 1: the bits above 22 carry the creation time.
GUILD_0 = 920_000_000_000_000_000 // (1 << 23) * (1 << 23)
GUILD_1 = GUILD_0 + (1 << 22)
CHANNEL_0, CHANNEL_1, DM = 920_000_000_000_000_100, 920_000_000_000_000_200, 920_000_000_000_000_300


@asynccontextmanager
async def replicas(
    *shard_ids: tuple[int, ...], shard_count: int | None = 2, guild_ids: tuple[int, ...] = (GUILD_0, GUILD_1)
) -> AsyncIterator[tuple[FakeDiscord, list[FakeChatService], list[DiscordAdapter]]]:
    """One replica (its own service) per entry of ``shard_ids``, all on one fake Discord."""
    guilds = [Guild(GUILD_0, channels=(CHANNEL_0,)), Guild(GUILD_1, channels=(CHANNEL_1,))]
    async with FakeDiscord(guilds=guilds) as fake, AsyncExitStack() as stack:
        services, adapters = [], []
        for ids in shard_ids:
            settings = DiscordSettings(
                guild_ids=guild_ids,
                api_url=fake.api_url,
                gateway_url=fake.gateway_url,
                shard_count=shard_count,
                shard_ids=ids,
            )
            service = FakeChatService()
            adapter = DiscordAdapter(service, TOKEN, settings, guild_ready_timeout=0.05)
            await adapter.start()
            stack.push_async_callback(adapter.stop)
            await asyncio.wait_for(adapter.wait_connected(), 30)
            services.append(service)
            adapters.append(adapter)
        yield fake, services, adapters


async def answered(fake: FakeDiscord, interaction: int) -> None:
    await fake.wait_for(
        lambda: any(m.interaction_id == interaction for m in fake.messages), what="the answer"
    )


def test_the_test_guilds_are_on_different_shards() -> None:
    assert (shard_of(GUILD_0, 2), shard_of(GUILD_1, 2)) == (0, 1)


async def test_two_replicas_each_get_only_their_shards_guilds_and_register_commands_once() -> None:
    async with replicas((0,), (1,)) as (fake, (first, second), (zero, one)):
        assert sorted(s.shard for s in fake.sessions.values()) == [(0, 2), (1, 2)]
        assert [g.id for g in zero.client.guilds] == [GUILD_0]
        assert [g.id for g in one.client.guilds] == [GUILD_1]
        # The replica holding shard 0 registered /brief in both servers; the other none.
        assert [scope for scope, _ in fake.command_syncs] == [GUILD_0, GUILD_1]

        # A command in each server is answered once, by the replica holding its shard.
        in_0 = await fake.slash("ask", guild_id=GUILD_0, channel_id=CHANNEL_0, question="who?")
        in_1 = await fake.slash("feeds", guild_id=GUILD_1, channel_id=CHANNEL_1)
        await answered(fake, in_0)
        await answered(fake, in_1)
        assert [type(c) for c in first.commands] == [Ask]
        assert [type(c) for c in second.commands] == [Feeds]
        assert len([c for c in fake.callbacks if c.interaction_id == in_1]) == 1

        # Mentions go the same way; direct messages to shard 0 only.
        await fake.say(
            f"<@{fake.bot_id}> what changed?", channel_id=CHANNEL_1, guild_id=GUILD_1, mentions_bot=True
        )
        await fake.wait_for(lambda: len(second.handled) == 2, what="the mention on shard 1")
        await fake.say("what is new?", channel_id=DM, guild_id=None)
        await fake.wait_for(lambda: len(first.handled) == 2, what="the DM on shard 0")
        await asyncio.sleep(0.2)  # nothing else arrives late
        assert [c.req.channel.workspace_id for c in first.handled] == [str(GUILD_0), ""]
        assert [c.req.channel.workspace_id for c in second.handled] == [str(GUILD_1), str(GUILD_1)]


async def test_a_replica_without_shard_0_registers_no_commands() -> None:
    async with replicas((1,)) as (fake, [service], [adapter]):
        assert fake.command_syncs == []
        assert [g.id for g in adapter.client.guilds] == [GUILD_1]
        await fake.say(f"<@{fake.bot_id}> hello", channel_id=CHANNEL_1, guild_id=GUILD_1, mentions_bot=True)
        await fake.wait_for(lambda: service.handled, what="the mention")


async def test_shard_count_alone_connects_every_shard_in_one_process() -> None:
    async with replicas((), guild_ids=()) as (fake, [service], [adapter]):
        assert sorted(s.shard for s in fake.sessions.values()) == [(0, 2), (1, 2)]
        assert sorted(g.id for g in adapter.client.guilds) == [GUILD_0, GUILD_1]
        assert [scope for scope, _ in fake.command_syncs] == [None]  # globally, once
        for guild, channel in ((GUILD_0, CHANNEL_0), (GUILD_1, CHANNEL_1)):
            await answered(fake, await fake.slash("feeds", guild_id=guild, channel_id=channel))
        assert len(service.handled) == 2


@pytest.mark.parametrize("shard_count", [1, None])
async def test_one_shard_of_one_and_no_sharding_both_get_everything(shard_count: int | None) -> None:
    guilds = [Guild(GUILD_0, channels=(CHANNEL_0,)), Guild(GUILD_1, channels=(CHANNEL_1,))]
    async with FakeDiscord(guilds=guilds) as fake:
        settings = DiscordSettings(
            guild_ids=(GUILD_0,), api_url=fake.api_url, gateway_url=fake.gateway_url, shard_count=shard_count
        )
        service = FakeChatService()
        adapter = DiscordAdapter(service, TOKEN, settings, guild_ready_timeout=0.05)
        await adapter.start()
        try:
            await asyncio.wait_for(adapter.wait_connected(), 30)
            assert sorted(g.id for g in adapter.client.guilds) == [GUILD_0, GUILD_1]
            assert [scope for scope, _ in fake.command_syncs] == [GUILD_0]
        finally:
            await adapter.stop()


async def test_unsharded_replicas_each_do_all_the_work() -> None:
    """Why an unsharded Discord belongs in one replica (``briefbot doctor`` says so): every
    replica gets every event. Discord keeps the answers single (one message per nonce, one
    acknowledgement per interaction), but each replica does the work, and all but one fail."""
    async with replicas((), (), shard_count=None) as (fake, services, _):
        assert len(fake.command_syncs) == 4  # both registered the commands in both servers
        await fake.say(f"<@{fake.bot_id}> hello", channel_id=CHANNEL_1, guild_id=GUILD_1, mentions_bot=True)
        await fake.wait_for(lambda: all(s.handled for s in services), what="both replicas at work")
        asked = await fake.slash("feeds", guild_id=GUILD_0, channel_id=CHANNEL_0)
        await answered(fake, asked)
        await fake.wait_for(lambda: len([c for c in fake.callbacks if c.interaction_id == asked]) == 2)
        assert sorted(c.status for c in fake.callbacks if c.interaction_id == asked) == [200, 400]
        await asyncio.sleep(0.2)
        posts = [
            r for r in fake.requests if (r.method, r.path) == ("POST", f"/channels/{CHANNEL_1}/messages")
        ]
        assert len(posts) == 2  # both replicas answered the mention…
        assert len(fake.channel_messages(CHANNEL_1)) == 1  # …with the same nonce: Discord kept one


async def test_a_sharded_replica_that_cannot_reach_the_gateway_stops_naming_it(unused_tcp_port: int) -> None:
    nowhere = f"ws://127.0.0.1:{unused_tcp_port}/gateway"
    async with FakeDiscord() as fake:
        settings = DiscordSettings(api_url=fake.api_url, gateway_url=nowhere, shard_count=2, shard_ids=(1,))
        adapter = DiscordAdapter(FakeChatService(), TOKEN, settings)
        await adapter.start()
        try:
            with pytest.raises(ConfigError, match=f"cannot connect to the Discord gateway at {nowhere}"):
                await asyncio.wait_for(adapter.wait_connected(), 20)
        finally:
            await adapter.stop()
