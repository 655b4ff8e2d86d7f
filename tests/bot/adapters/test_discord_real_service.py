"""Discord with the real chat core: the real discord.py client against the fake Discord, driving
the real Service, Store, Ingestor (pages fetched from a loopback web) and Scheduler."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from bot.replies import ChannelRef
from tests.bot.adapters.discord_support import CHANNEL, GUILD, NEWS, OTHER_CHANNEL, Bot, running
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
from tests.fakes.discord import EVERYDAY, MANAGE_GUILD, Posted
from tests.fakes.web import Story, story

pytestmark = pytest.mark.timeout(180)

ADMIN = EVERYDAY | MANAGE_GUILD
MESSAGES = r"^/channels/\d+/messages$"


def shown(message: Posted) -> str:
    return message.content + json.dumps(message.embeds)


async def slash(bot: Bot, sub: str, *, timeout: float = 60, **options: Any) -> Posted:
    """Use ``/brief sub``; the one message that answers it."""
    interaction = await bot.fake.slash(sub, guild_id=GUILD, channel_id=CHANNEL, **options)
    found: list[Posted] = await bot.fake.wait_for(
        lambda: [m for m in bot.fake.messages if m.interaction_id == interaction],
        timeout=timeout,
        what=f"/brief {sub} answered",
    )
    callback = next(c for c in bot.fake.callbacks if c.interaction_id == interaction)
    assert (callback.type, callback.status) == (5, 200)  # deferred at once…
    assert callback.delay < 3  # …within Discord's three seconds
    assert len(found) == 1, [m.content for m in found]
    return found[0]


async def ask_in_reply(bot: Bot, question: str, to: int, channel_id: int = CHANNEL) -> Posted:
    asked = await bot.fake.say(
        f"<@{bot.fake.bot_id}> {question}",
        channel_id=channel_id,
        guild_id=GUILD,
        mentions_bot=True,
        reply_to=to,
    )
    found: list[Posted] = await bot.fake.wait_for(
        lambda: [
            m
            for m in bot.fake.channel_messages(channel_id)
            if m.message_reference and int(m.message_reference["message_id"]) == asked
        ],
        timeout=30,
        what="the answer",
    )
    return found[0]


async def test_brief_url_is_deferred_answered_with_an_embed_and_a_reply_asks_about_it(
    tmp_path: Path, local_backend: Any
) -> None:
    first, other = two_different_stories()
    async with real_stack(tmp_path, local_backend) as stack, running(stack.service) as bot:
        await stack.ingestor.ingest_url(stack.publish(other))
        url = stack.publish(first)

        answer = await slash(bot, "url", url=url)
        [embed] = answer.embeds
        assert embed["title"] == first.title
        assert embed["url"] == url
        assert [f["name"] for f in embed["fields"]][:2] == ["Who", "Where"]
        assert answer.allowed_mentions == {"parse": []}
        await remembered_post(stack, NEWS.key, str(answer.id))  # so that a reply asks about it

        reply = await ask_in_reply(bot, "What does the plan aim to do?", answer.id)
        assert goal(first) in shown(reply)
        assert goal(other) not in shown(reply)
        assert url in shown(reply)  # cited


async def test_a_non_admin_cannot_subscribe_an_admin_can(tmp_path: Path, local_backend: Any) -> None:
    async with real_stack(tmp_path, local_backend) as stack, running(stack.service) as bot:
        feed_url = stack.feed("/rss", [story(3)])
        refusal = await slash(bot, "subscribe", url=feed_url, keywords="plan, board", permissions=EVERYDAY)
        assert "Only admins can change subscriptions" in refusal.content
        assert refusal.flags & 64  # only the person who asked sees it
        assert await stack.store.channels.subscriptions(NEWS.key) == []
        assert stack.web.hits("/rss") == 0

        done = await slash(bot, "subscribe", url=feed_url, keywords="plan, board", permissions=ADMIN)
        assert "Subscribed this channel" in done.content
        assert not done.flags & 64  # the channel sees what changed
        [sub] = await stack.store.channels.subscriptions(NEWS.key)
        assert sub.keywords == ("plan", "board")


async def test_every_subcommand_is_understood_by_the_real_service(tmp_path: Path, local_backend: Any) -> None:
    """What the Discord options become is what the one command parser accepts."""
    async with real_stack(tmp_path, local_backend) as stack, running(stack.service) as bot:
        feed_url = stack.feed("/rss", [story(3)])
        quoted = await slash(
            bot, "subscribe", url=feed_url, keywords='"ports" --regex x, strike', permissions=ADMIN
        )
        assert "Subscribed this channel" in quoted.content
        [sub] = await stack.store.channels.subscriptions(NEWS.key)
        assert sub.pattern is None  # text typed into the keywords box stays keywords
        assert sub.keywords == ('"ports" --regex x', "strike")

        schedule = await slash(
            bot, "schedule", time="07:30", timezone="America/New_York", days="mon, wed", permissions=ADMIN
        )
        assert "Daily digest set: 07:30 America/New\\_York, Mon, Wed" in schedule.content  # markdown-escaped
        mode = await slash(bot, "mode", mode="both", permissions=ADMIN)
        assert "Mode set to both" in mode.content
        off = await slash(bot, "schedule", time="off", timezone="UTC", permissions=ADMIN)
        assert "turned off" in off.content

        # The subscription ids offered while typing are what unsubscribe takes.
        typed = await bot.fake.slash(
            "unsubscribe", guild_id=GUILD, channel_id=CHANNEL, focused="subscription", subscription=""
        )
        [choices] = await bot.fake.wait_for(
            lambda: [c for c in bot.fake.callbacks if c.interaction_id == typed], what="suggestions"
        )
        assert choices.data is not None
        [choice] = choices.data["choices"]
        assert choice["value"] == str(sub.id)
        gone = await slash(bot, "unsubscribe", subscription=choice["value"], permissions=ADMIN)
        assert "Unsubscribed this channel" in gone.content
        # Picked by its label instead of its id (typed without choosing the suggestion): same.
        await slash(bot, "subscribe", url=feed_url, permissions=ADMIN)
        [again] = await stack.store.channels.subscriptions(NEWS.key)
        gone = await slash(
            bot, "unsubscribe", subscription=f"{again.id} — {again.feed_title}", permissions=ADMIN
        )
        assert "Unsubscribed this channel" in gone.content

        # The help shows the commands as they are used here, not as typed in Slack.
        help_ = await slash(bot, "help")
        unescaped = str.maketrans("", "", "\\")  # Discord shows \< as <
        fields = {f["name"].translate(unescaped): f["value"] for e in help_.embeds for f in e["fields"]}
        assert "/brief url url:<url>" in fields
        assert "Example: /brief url url:https://" in fields["/brief url url:<url>"]
        assert "/brief schedule time:<HH:MM> [timezone:<timezone>] [days:<days>] (admins)" in fields
        assert "/brief subscribe url:<feed-url> [keywords:a,b] (admins)" in fields
        assert not any("--" in name for name in fields)


async def test_a_scheduled_digest_survives_a_reconnect_in_the_middle_without_repeating(
    tmp_path: Path, local_backend: Any
) -> None:
    at, tomorrow = schedule_due_tomorrow()
    s = story(5)
    async with (
        real_stack(tmp_path, local_backend, scheduler_clock=lambda: tomorrow) as stack,
        running(stack.service) as bot,
    ):
        fake = bot.fake
        await subscribe_and_schedule(stack, bot, s, at)
        period = digest_period(tomorrow)
        fake.delay("POST", MESSAGES, 0.5)  # the digest takes a moment to reach Discord…
        stack.scheduler.add_poster(bot.adapter.poster)
        before = len(fake.channel_messages(CHANNEL))
        await stack.scheduler.start()

        async def posting() -> bool:
            delivery = await stack.store.channels.delivery(NEWS.key, "digest", period)
            return delivery is not None and delivery.state == "pending"

        for _ in range(500):
            if await posting():
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the digest never started")
        await fake.force_disconnect()  # …and the gateway drops meanwhile
        await fake.say(
            f"<@{fake.bot_id}> anything new?", channel_id=CHANNEL, guild_id=GUILD, mentions_bot=True
        )
        await fake.wait_for(lambda: fake.resumes == 1, timeout=15, what="RESUME")
        await fake.wait_for(lambda: len(fake.channel_messages(CHANNEL)) == before + 2, timeout=15)
        # Nothing is repeated: the ledger has the digest posted (another run finds it so), and
        # a question asked now is answered after anything a replayed event would have caused.
        await posted_digest(stack, NEWS.key, period)
        assert (await stack.scheduler.run_digest(NEWS.key)).outcome == "already"
        await fake.say(f"<@{fake.bot_id}> and now?", channel_id=CHANNEL, guild_id=GUILD, mentions_bot=True)
        await fake.wait_for(lambda: len(fake.channel_messages(CHANNEL)) == before + 3, timeout=30)
        posted = fake.channel_messages(CHANNEL)[before:]
        digests = [p for p in posted if p.content.startswith("**Daily digest — ")]
        assert len(digests) == 1
        assert s.title in shown(digests[0])
        assert len(posted) == 3  # the digest once, each answer once
        assert (fake.identifies, fake.resumes) == (1, 1)

        # A one-story digest leads to its article: a reply to it asks about that story.
        reply = await ask_in_reply(bot, "What does the plan aim to do?", digests[0].id)
        assert goal(s) in shown(reply)


async def test_a_channel_the_bot_cannot_see_any_more_stops_its_deliveries(
    tmp_path: Path, local_backend: Any, caplog: pytest.LogCaptureFixture
) -> None:
    at, tomorrow = schedule_due_tomorrow()
    async with (
        real_stack(tmp_path, local_backend, scheduler_clock=lambda: tomorrow) as stack,
        running(stack.service) as bot,
    ):
        await subscribe_and_schedule(stack, bot, story(6), at)
        bot.fake.hidden_channels.add(CHANNEL)  # the bot lost access to it
        stack.scheduler.add_poster(bot.adapter.poster)
        with caplog.at_level(logging.WARNING):
            assert (await stack.scheduler.run_digest(NEWS.key)).outcome == "gone"
            assert (await stack.scheduler.run_digest(NEWS.key)).outcome == "not-due"
        assert f"channel gone, deliveries stopped channel={NEWS.key}" in caplog.text
        channel = await stack.store.channels.get(NEWS.key)
        assert channel is not None
        assert channel.disabled
        other = ChannelRef("discord", str(OTHER_CHANNEL), str(GUILD))
        assert await stack.store.channels.get(other.key) is None  # nothing else touched


async def subscribe_and_schedule(stack: Stack, bot: Bot, s: Story, at: str) -> None:
    """An admin subscribes the channel to a feed of ``s`` and sets the digest time; the feed is polled."""
    feed_url = stack.feed("/rss", [s])
    assert (
        "Subscribed this channel" in (await slash(bot, "subscribe", url=feed_url, permissions=ADMIN)).content
    )
    done = await slash(bot, "schedule", time=at, timezone="UTC", permissions=ADMIN)
    assert "Daily digest set" in done.content
    await stack.scheduler.poll_once()
    assert await stack.store.articles.count("briefed") == 1


async def test_a_mention_or_command_with_a_lone_surrogate_is_answered(
    tmp_path: Path, local_backend: Any
) -> None:
    # "\ud800" is legal in Discord's JSON; what it decodes to cannot be encoded anywhere.
    async with real_stack(tmp_path, local_backend) as stack, running(stack.service) as bot:
        s = story(3)
        await stack.ingestor.ingest_url(stack.publish(s))
        answer = await slash(bot, "ask", question="what does the plan aim to do? \udfff")
        assert "went wrong" not in shown(answer)
        assert goal(s) in shown(answer)
        asked = await bot.fake.say(
            f"<@{bot.fake.bot_id}> what does the plan aim to do? \ud800",
            channel_id=CHANNEL,
            guild_id=GUILD,
            mentions_bot=True,
        )
        [reply] = await bot.fake.wait_for(
            lambda: [
                m
                for m in bot.fake.channel_messages(CHANNEL)
                if m.message_reference and int(m.message_reference["message_id"]) == asked
            ],
            timeout=30,
            what="the answer",
        )
        assert "went wrong" not in shown(reply)
        assert goal(s) in shown(reply)
