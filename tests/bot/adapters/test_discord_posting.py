"""Posting briefs and digests to Discord, and what happens when Discord misbehaves."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import discord
import pytest

from bot.commands import Ask, Digest
from bot.replies import BriefReply, ChannelGone, ChannelRef, DigestItem, DigestReply, Source
from summarizer.brief import Actor, Brief, Place
from tests.bot.adapters.discord_support import CHANNEL, GUILD, NEWS, OTHER_CHANNEL, Bot, running
from tests.fakes.chat_service import HARBOUR_BRIEF, brief_reply, digest_reply
from tests.fakes.discord import FakeDiscord

MESSAGES = r"^/channels/\d+/messages$"
HOSTILE = "@everyone <@123> <@&456> <#789> **bold** `code` [link](https://evil.example) ||x|| "


@pytest.fixture
async def bot() -> AsyncIterator[Bot]:
    async with running() as b:
        yield b


def hostile_brief(n: int = 0, size: int = 1) -> Brief:
    """Article text at its worst: mentions, markdown, and far too much of it."""
    return Brief(
        id=f"hostile-{n}",
        title=(HOSTILE + f"story {n} ") * 40 * size,
        tldr=(HOSTILE + "the tldr goes on. ") * 200 * size,
        who=tuple(Actor(f"{HOSTILE} person {i}", HOSTILE * 10) for i in range(50)),
        where=tuple(Place(f"{HOSTILE} place {i}", HOSTILE * 10) for i in range(50)),
        objectives=tuple(HOSTILE * 20 for _ in range(30)),
        open_issues=tuple(HOSTILE * 20 for _ in range(30)),
        url="https://news.example/" + "a" * 100,
    )


async def test_a_brief_is_posted_as_one_embed(bot: Bot) -> None:
    ids = await bot.adapter.poster.post(NEWS, brief_reply())
    [posted] = bot.fake.channel_messages(CHANNEL)
    assert ids == [str(posted.id)]
    [embed] = posted.embeds
    assert embed["title"] == HARBOUR_BRIEF.title
    assert embed["url"] == HARBOUR_BRIEF.url
    assert embed["description"] == HARBOUR_BRIEF.tldr
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Who"] == "• Ines Marquart — chair of the Valmora Port Authority\n• Coastal Dockers Union"
    assert fields["Where"] == "• Valmora (Pier 9 container terminal)"
    assert fields["Objectives"] == "• review night-shift pay by June\n• clear the container backlog"
    assert fields["Open issues"] == "• whether the pay review will be binding"
    assert embed["footer"]["text"] == "Example News"
    assert embed["timestamp"].startswith("2026-03-02T08:15:00")
    assert posted.allowed_mentions == {"parse": []}
    # Which article the messages carry is recorded by the scheduler, once, not by the poster.
    assert bot.service.remembered == []


async def test_a_digest_too_big_for_one_message_is_split_within_limits(bot: Bot) -> None:
    items = tuple(
        DigestItem(
            brief=hostile_brief(n),
            article_id=f"hostile-{n}",
            sources=tuple(Source(f"t{k}", f"https://o{k}.example/{n}", f"Outlet {k}") for k in range(40)),
        )
        for n in range(30)
    )
    ids = await bot.adapter.poster.post(NEWS, DigestReply(title="Digest " + HOSTILE * 200, items=items))
    posted = bot.fake.channel_messages(CHANNEL)
    assert bot.fake.rejected == []  # the fake validates every limit and would have said 400
    assert len(posted) == len(ids) > 1
    assert [str(p.id) for p in posted] == ids
    embeds = [e for p in posted for e in p.embeds]
    assert [e["footer"]["text"] for e in embeds] == [f"{n}/30" for n in range(1, 31)]  # every story, in order
    assert posted[0].content.startswith("**Digest ")
    assert all(p.allowed_mentions == {"parse": []} for p in posted)
    for text in [p.content for p in posted] + [str(e) for e in embeds]:
        assert "@everyone" not in text
        assert "<@123>" not in text


async def test_a_brief_too_big_for_one_message_continues_in_the_next(bot: Bot) -> None:
    brief = hostile_brief(size=3)
    ids = await bot.adapter.poster.post(NEWS, BriefReply(brief, brief.id, Source("t", brief.url)))
    posted = bot.fake.channel_messages(CHANNEL)
    assert bot.fake.rejected == []
    assert len(ids) == len(posted) == 2
    names = [f["name"] for p in posted for e in p.embeds for f in e.get("fields", [])]
    assert names == ["Who", "Where", "Objectives", "Open issues"]  # nothing lost, nothing twice
    assert posted[1].embeds[0]["title"].endswith("(continued)")


async def test_the_fake_refuses_what_discord_refuses(bot: Bot) -> None:
    """The limit checks above mean something only if the fake really enforces them."""
    channel = bot.adapter.client.get_partial_messageable(CHANNEL)
    with pytest.raises(discord.HTTPException) as too_long:
        await channel.send(embed=discord.Embed(description="x" * 4097))
    assert too_long.value.status == 400
    with pytest.raises(discord.HTTPException):
        await channel.send(
            embeds=[discord.Embed(description="x" * 4000), discord.Embed(description="y" * 2001)]
        )
    with pytest.raises(discord.HTTPException):
        await channel.send(content="x" * 2001)
    assert len(bot.fake.rejected) == 3
    assert bot.fake.channel_messages(CHANNEL) == []


async def test_json_replies_have_exactly_the_content_type_discord_sends() -> None:
    import aiohttp

    async with (
        FakeDiscord() as fake,
        aiohttp.ClientSession() as session,
        session.get(fake.api_url + "/users/@me", headers={"Authorization": "Bot " + fake.token}) as r,
    ):
        assert r.headers["Content-Type"] == "application/json"


async def test_a_rate_limit_is_waited_out_and_the_post_delivered_once(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    bot.fake.rate_limit("POST", MESSAGES, times=1, retry_after=0.2)
    with caplog.at_level(logging.WARNING):
        ids = await bot.adapter.poster.post(NEWS, brief_reply())
    statuses = [r.status for r in bot.fake.requests if r.method == "POST" and r.path.endswith("/messages")]
    assert statuses == [429, 200]
    assert [str(m.id) for m in bot.fake.channel_messages(CHANNEL)] == ids
    assert "rate limited" in caplog.text


async def test_a_rate_limit_that_never_ends_is_reported_not_dropped(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    bot.fake.rate_limit("POST", MESSAGES, times=10, retry_after=0.01)
    with pytest.raises(discord.HTTPException) as failed:
        await bot.adapter.poster.post(NEWS, brief_reply())
    assert failed.value.status == 429
    assert "discord post failed" in caplog.text
    assert bot.service.remembered == []


@pytest.mark.parametrize(("gone", "status"), [("hidden_channels", 403), ("deleted_channels", 404)])
async def test_a_channel_the_bot_cannot_see_stops_deliveries(
    bot: Bot, caplog: pytest.LogCaptureFixture, gone: str, status: int
) -> None:
    getattr(bot.fake, gone).add(OTHER_CHANNEL)
    where = ChannelRef("discord", str(OTHER_CHANNEL), str(GUILD))
    with caplog.at_level(logging.WARNING), pytest.raises(ChannelGone):
        await bot.adapter.poster.post(where, digest_reply())
    assert f"deliveries stop channel={where.key} status={status}" in caplog.text
    attempts = [r for r in bot.fake.requests if r.path == f"/channels/{OTHER_CHANNEL}/messages"]
    assert len(attempts) == 1  # not retried forever
    assert bot.service.remembered == []


async def test_a_lost_reply_is_retried_without_posting_twice(bot: Bot) -> None:
    bot.fake.drop_response("POST", MESSAGES, times=1)
    ids = await bot.adapter.poster.post(NEWS, brief_reply())
    attempts = [r for r in bot.fake.requests if r.path == f"/channels/{CHANNEL}/messages"]
    assert len(attempts) == 2  # the first one was done, but its answer never arrived
    assert [str(m.id) for m in bot.fake.channel_messages(CHANNEL)] == ids


async def test_a_reconnect_during_a_digest_repeats_nothing(bot: Bot) -> None:
    fake = bot.fake
    fake.delay("POST", MESSAGES, 0.1)
    digest = digest_reply(stories=25)  # three messages
    posting = asyncio.create_task(bot.adapter.poster.post(NEWS, digest))
    await fake.wait_for(lambda: fake.channel_messages(CHANNEL))
    await fake.force_disconnect()
    # Someone asks while the bot is away; Discord replays it after RESUME.
    await fake.say(f"<@{fake.bot_id}> what's new?", channel_id=CHANNEL, guild_id=GUILD, mentions_bot=True)
    ids = await asyncio.wait_for(posting, 10)
    await fake.wait_for(lambda: fake.resumes == 1, what="RESUME")
    await fake.wait_for(lambda: len(fake.channel_messages(CHANNEL)) == len(ids) + 1, what="the answer")
    await answered_after(fake, "anything else?")  # the barrier: a repeat would have come first
    posted = fake.channel_messages(CHANNEL)
    assert (fake.identifies, fake.resumes) == (1, 1)
    assert [str(p.id) for p in posted[: len(ids)]] == ids
    assert len(ids) == 3
    assert sum(len(p.embeds) for p in posted[: len(ids)]) == 25
    assert len(posted) == len(ids) + 2  # the digest once, each answer once
    assert [c.question for c in bot.service.asked] == ["what's new?", "anything else?"]


async def answered_after(fake: FakeDiscord, question: str) -> None:
    """Ask once more and wait for the answer: events are dispatched in order, so whatever an
    earlier event was going to cause has been caused by then."""
    before = len(fake.channel_messages(CHANNEL))
    await fake.say(f"<@{fake.bot_id}> {question}", channel_id=CHANNEL, guild_id=GUILD, mentions_bot=True)
    await fake.wait_for(lambda: len(fake.channel_messages(CHANNEL)) > before, what="the barrier's answer")


async def test_an_event_delivered_twice_is_answered_once(bot: Bot) -> None:
    fake = bot.fake
    fake.replay_overlap = 1  # Discord re-sends the last event it had already delivered
    await fake.say(f"<@{fake.bot_id}> first?", channel_id=CHANNEL, guild_id=GUILD, mentions_bot=True)
    await fake.wait_for(lambda: fake.channel_messages(CHANNEL))
    await fake.force_disconnect()
    await fake.wait_for(lambda: fake.resumes == 1)
    await fake.say(f"<@{fake.bot_id}> second?", channel_id=CHANNEL, guild_id=GUILD, mentions_bot=True)
    await fake.wait_for(lambda: len(fake.channel_messages(CHANNEL)) == 2)
    await answered_after(fake, "third?")
    assert [c.question for c in bot.service.asked] == ["first?", "second?", "third?"]
    assert len(fake.channel_messages(CHANNEL)) == 3


async def test_a_post_in_reply_to_a_message_points_at_it(bot: Bot) -> None:
    [first] = await bot.adapter.poster.post(NEWS, brief_reply())
    [second] = await bot.adapter.poster.post(NEWS, digest_reply(stories=1), thread_id=first)
    posted = {str(p.id): p for p in bot.fake.channel_messages(CHANNEL)}
    reference = posted[second].message_reference
    assert reference is not None
    assert str(reference["message_id"]) == first


async def test_a_channel_id_that_is_not_discords_stops_deliveries(bot: Bot) -> None:
    with pytest.raises(ChannelGone):
        await bot.adapter.poster.post(ChannelRef("discord", "general", str(GUILD)), brief_reply())


async def test_an_interaction_delivered_twice_is_worked_on_once(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    fake = bot.fake
    fake.replay_overlap = 1
    interaction = await fake.slash("digest", guild_id=GUILD, channel_id=CHANNEL)
    await fake.wait_for(lambda: any(m.interaction_id == interaction for m in fake.messages))
    await fake.force_disconnect()
    await fake.wait_for(lambda: len(fake.callbacks) == 2, what="the replayed interaction")
    await answered_after(fake, "anything new?")  # the barrier: the replay has been dealt with
    assert [c.status for c in fake.callbacks] == [200, 400]  # Discord refuses a second acknowledgement
    assert bot.service.commands == [Digest(), Ask("anything new?")]
    assert len([m for m in fake.messages if m.interaction_id == interaction]) == 1
    assert "discord defer failed" in caplog.text


async def test_a_server_error_is_left_to_discord_py_and_the_scheduler(bot: Bot) -> None:
    """discord.py retries 500/502/504 itself (five tries); the poster does not retry server
    errors on top (that made up to 15 attempts): it raises, and the scheduler decides when to
    try again. 503 is one discord.py gives up on at once, so one request is all there is."""
    bot.fake.fail("POST", MESSAGES, 503, times=3)
    with pytest.raises(discord.DiscordServerError):
        await bot.adapter.poster.post(NEWS, brief_reply())
    attempts = [r for r in bot.fake.requests if r.path == f"/channels/{CHANNEL}/messages"]
    assert [r.status for r in attempts] == [503]
    assert bot.fake.channel_messages(CHANNEL) == []
