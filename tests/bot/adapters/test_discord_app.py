"""The Discord adapter end to end: the real discord.py client against a fake Discord on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot import commands
from bot.adapters.discord_app import DiscordAdapter
from bot.commands import Ask, BriefArticle, Digest, Feeds, Help, Schedule, SetMode, Subscribe, Unsubscribe
from bot.replies import APOLOGY, AnswerReply, ChannelRef, Confirmation
from bot.settings import DiscordSettings
from summarizer.answer import Answer
from summarizer.errors import ConfigError, FetchError
from tests.bot.adapters.discord_support import (
    CHANNEL,
    DM_CHANNEL,
    GUILD,
    NEWS,
    THREAD,
    Bot,
    running,
)
from tests.fakes.chat_service import FEEDS, HARBOUR_BRIEF, FakeChatService, answer_reply, brief_reply
from tests.fakes.discord import (
    EVERYDAY,
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MESSAGES,
    INTENT_GUILDS,
    MANAGE_GUILD,
    FakeDiscord,
    Posted,
)


@pytest.fixture
async def bot() -> AsyncIterator[Bot]:
    async with running() as b:
        yield b


def replies_to(bot: Bot, interaction_id: int) -> list[Posted]:
    return [m for m in bot.fake.messages if m.interaction_id == interaction_id]


async def run_slash(bot: Bot, sub: str, **options: object) -> list[Posted]:
    """Use a slash command and wait until its answer is visible in the channel."""
    interaction = await bot.fake.slash(sub, guild_id=GUILD, channel_id=CHANNEL, **options)  # type: ignore[arg-type]
    await bot.fake.wait_for(lambda: replies_to(bot, interaction), what=f"/brief {sub} answer")
    return replies_to(bot, interaction)


# --- connection and command registration --------------------------------------------------------


async def test_connects_with_only_unprivileged_intents(bot: Bot) -> None:
    assert bot.fake.session is not None
    assert bot.fake.session.intents == INTENT_GUILDS | INTENT_GUILD_MESSAGES | INTENT_DIRECT_MESSAGES
    assert bot.fake.identifies == 1


async def test_brief_command_synced_to_the_configured_guild(bot: Bot) -> None:
    [(guild_id, commands)] = bot.fake.command_syncs
    assert guild_id == GUILD
    [brief] = commands
    assert brief["name"] == "brief"
    subs = {o["name"]: o for o in brief["options"]}
    assert set(subs) == {
        "url",
        "ask",
        "digest",
        "subscribe",
        "unsubscribe",
        "feeds",
        "schedule",
        "mode",
        "help",
    }
    options = {name: {o["name"]: o for o in sub.get("options", [])} for name, sub in subs.items()}
    assert options["url"]["url"]["required"] is True
    assert options["subscribe"]["keywords"].get("required", False) is False
    assert options["unsubscribe"]["subscription"]["autocomplete"] is True
    assert options["schedule"]["timezone"]["autocomplete"] is True
    assert [c["value"] for c in options["mode"]["mode"]["choices"]] == ["digest", "each", "both"]


async def test_commands_synced_globally_when_no_guild_is_configured() -> None:
    async with running(guild_ids=()) as bot:
        [(scope, commands)] = bot.fake.command_syncs
        assert scope is None
        assert commands[0]["name"] == "brief"


async def test_a_rejected_token_stops_start_up_with_a_clear_error() -> None:
    async with FakeDiscord() as fake:
        settings = DiscordSettings(api_url=fake.api_url, gateway_url=fake.gateway_url)
        adapter = DiscordAdapter(FakeChatService(), "not-the-token", settings)
        with pytest.raises(ConfigError, match="DISCORD_TOKEN"):
            await adapter.start()


async def test_stopping_gives_discord_py_its_own_urls_back() -> None:
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    before = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    async with running() as bot:
        assert bot.fake.api_url == Route.BASE
        assert str(DiscordWebSocket.DEFAULT_GATEWAY) == bot.fake.gateway_url
    assert before == (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    assert bot.adapter.client.is_closed()


# --- slash commands -------------------------------------------------------------------------------


async def test_brief_url_is_deferred_before_the_work_and_answered_after() -> None:
    gate = asyncio.Event()
    async with running(FakeChatService(gate=gate, replies={"brief": brief_reply()})) as bot:
        interaction = await bot.fake.slash("url", guild_id=GUILD, channel_id=CHANNEL, url=HARBOUR_BRIEF.url)
        await bot.fake.wait_for(lambda: bot.fake.callbacks, what="the deferral")
        [callback] = bot.fake.callbacks
        assert (callback.interaction_id, callback.type, callback.status) == (interaction, 5, 200)
        assert bot.service.commands == [BriefArticle(url=HARBOUR_BRIEF.url)]
        assert bot.service.finished == 0  # still working, yet Discord already shows "thinking…"
        assert replies_to(bot, interaction) == []

        gate.set()
        await bot.fake.wait_for(lambda: replies_to(bot, interaction))
        [answer] = replies_to(bot, interaction)
        interaction_record = bot.fake.interactions[interaction]
        assert answer.id == interaction_record.original_id  # it replaced the "thinking…" message
        [embed] = answer.embeds
        assert embed["title"] == HARBOUR_BRIEF.title
        assert embed["url"] == HARBOUR_BRIEF.url
        assert [f["name"] for f in embed["fields"]] == ["Who", "Where", "Objectives", "Open issues"]
        assert answer.allowed_mentions == {"parse": []}
        # Recorded once Discord has answered the post, a moment after it shows.
        [remembered] = await bot.fake.wait_for(lambda: bot.service.remembered)
        assert remembered.channel == NEWS
        assert remembered.message_ids == [str(answer.id)]


async def test_non_admin_subscribe_is_refused(bot: Bot) -> None:
    [answer] = await run_slash(
        bot, "subscribe", url="https://news.example/world.rss", keywords="port strike", permissions=EVERYDAY
    )
    call = bot.service.handled[-1]
    assert call.command == Subscribe("https://news.example/world.rss", keywords=("port", "strike"))
    assert call.req.user.is_admin is False
    assert "Only server admins" in answer.content
    assert bot.fake.callbacks[-1].data == {"flags": 64}  # deferred as ephemeral: theirs alone
    assert bot.service.remembered == []  # an error is nothing to follow up on


async def test_admin_subscribe_is_passed_as_admin(bot: Bot) -> None:
    [answer] = await run_slash(
        bot, "subscribe", url="https://news.example/world.rss", permissions=EVERYDAY | MANAGE_GUILD
    )
    assert bot.service.handled[-1].req.user.is_admin is True
    assert bot.service.commands == [Subscribe("https://news.example/world.rss")]
    assert answer.content == "✅ Done: subscribe"
    assert not (bot.fake.callbacks[-1].data or {}).get("flags")  # the channel sees the change


@pytest.mark.parametrize(
    ("sub", "options", "command"),
    [
        ("ask", {"question": "Who ended the strike?"}, Ask("Who ended the strike?")),
        ("digest", {}, Digest()),
        ("feeds", {}, Feeds()),
        ("unsubscribe", {"subscription": "sub-2"}, Unsubscribe(address="sub-2")),
        ("unsubscribe", {"subscription": "7 — Valley Post"}, Unsubscribe(subscription_id=7)),
        (
            "schedule",
            {"time": "08:30", "timezone": "Europe/Berlin", "days": "mon-fri"},
            Schedule("08:30", "Europe/Berlin", ("mon", "tue", "wed", "thu", "fri")),
        ),
        ("schedule", {"time": "off"}, Schedule(off=True)),
        ("mode", {"mode": "each"}, SetMode("each")),
        ("help", {}, Help()),
    ],
)
async def test_each_subcommand_becomes_one_typed_command(
    bot: Bot, sub: str, options: dict[str, str], command: commands.Command
) -> None:
    await run_slash(bot, sub, permissions=EVERYDAY | MANAGE_GUILD, **options)
    assert bot.service.commands == [command]
    assert bot.fake.rejected == []


async def test_a_bad_option_gets_the_same_words_as_a_typed_line(bot: Bot) -> None:
    [answer] = await run_slash(bot, "schedule", time="25:00", permissions=EVERYDAY | MANAGE_GUILD)
    [invalid] = bot.service.commands
    assert invalid == commands.parse("schedule 25:00")
    assert "'25:00' is not a time" in answer.content
    assert answer.flags & 64  # a mistake is shown to whoever made it


def test_the_synced_options_are_the_definitions_options() -> None:
    """Discord's slash commands take the options ``bot.commands`` defines (names, required),
    so help, typed lines and option boxes cannot drift apart."""
    from bot.adapters.discord_app import BriefCommands

    group = BriefCommands(adapter=None)  # type: ignore[arg-type]
    for sub in group.commands:
        verb = next(v for v in commands.VERBS.values() if v.slash == sub.name)
        assert sub.description == verb.summary
        wanted = [(o.name, o.required, o.description) for o in verb.options if o.slash]
        assert [(p.name, p.required, p.description) for p in sub.parameters] == wanted, sub.name


async def test_help_is_only_shown_to_whoever_asked(bot: Bot) -> None:
    [answer] = await run_slash(bot, "help")
    assert bot.fake.callbacks[-1].data == {"flags": 64}  # deferred as ephemeral
    assert answer.embeds
    assert answer.embeds[0]["title"] == "Briefbot commands"


@pytest.mark.parametrize(
    ("typed", "slash"),
    [
        ("/brief <url>", "/brief url url:<url>"),
        ("/brief <text>", "/brief url url:<text>"),
        ("/brief ask <question>", "/brief ask question:<question>"),
        ("/brief digest", "/brief digest"),
        (
            "/brief subscribe <feed-url> [--keywords a,b] [--regex …]",
            "/brief subscribe url:<feed-url> [keywords:a,b]",
        ),
        ("/brief unsubscribe <id>", "/brief unsubscribe subscription:<id>"),
        (
            "/brief schedule <HH:MM> [timezone] [days]",
            "/brief schedule time:<HH:MM> [timezone:<timezone>] [days:<days>]",
        ),
        ("/brief schedule off", "/brief schedule time:off"),
        ("/brief mode <digest|each|both>", "/brief mode mode:<digest|each|both>"),
    ],
)
def test_help_shows_each_command_as_typed_and_as_a_slash_command(typed: str, slash: str) -> None:
    forms = {e.usage: e.slash_usage for e in commands.help_reply().entries}
    assert forms[typed] == slash


def test_help_examples_in_both_forms() -> None:
    examples = {e.example: e.slash_example for e in commands.help_reply().entries if e.example}
    assert examples["/brief https://news.example/story"] == "/brief url url:https://news.example/story"
    assert examples["/brief ask who reopened the bridge?"] == "/brief ask question:who reopened the bridge?"
    assert (
        examples["/brief subscribe https://news.example/rss --keywords climate,energy"]
        == "/brief subscribe url:https://news.example/rss keywords:climate,energy"
    )


async def test_slash_command_in_a_thread_belongs_to_its_channel(bot: Bot) -> None:
    interaction = await bot.fake.slash("ask", guild_id=GUILD, channel_id=THREAD, question="Why?")
    await bot.fake.wait_for(lambda: replies_to(bot, interaction))
    req = bot.service.handled[-1].req
    assert req.channel == NEWS
    assert req.thread_id == str(THREAD)


async def test_slash_command_in_a_dm() -> None:
    async with running(guild_ids=()) as bot:  # only global commands reach DMs
        interaction = await bot.fake.slash("ask", guild_id=None, channel_id=DM_CHANNEL, question="New?")
        await bot.fake.wait_for(lambda: replies_to(bot, interaction))
        req = bot.service.handled[-1].req
        assert req.channel == ChannelRef("discord", str(DM_CHANNEL), "")
        assert req.user.is_admin is False


async def test_subscription_ids_are_offered_while_typing(bot: Bot) -> None:
    await bot.fake.slash(
        "unsubscribe", guild_id=GUILD, channel_id=CHANNEL, focused="subscription", subscription="city"
    )
    await bot.fake.wait_for(lambda: bot.fake.callbacks)
    [callback] = bot.fake.callbacks
    assert callback.type == 8
    assert callback.data == {"choices": [{"name": "sub-2 — https://news.example/city.rss", "value": "sub-2"}]}
    assert bot.service.commands[-1] == Feeds()


async def test_timezones_are_offered_while_typing(bot: Bot) -> None:
    await bot.fake.slash(
        "schedule", guild_id=GUILD, channel_id=CHANNEL, focused="timezone", time="08:00", timezone="berl"
    )
    await bot.fake.wait_for(lambda: bot.fake.callbacks)
    choices = [c["value"] for c in bot.fake.callbacks[0].data["choices"]]  # type: ignore[index]
    assert choices[0] == "Europe/Berlin"
    assert len(choices) <= 25


async def test_a_service_that_breaks_its_promise_still_gets_the_interaction_answered() -> None:
    # The service never raises; were it to, the deferred "thinking…" still turns into the apology.
    async with running(FakeChatService(crash_with=RuntimeError("database is locked"))) as bot:
        [answer] = await run_slash(bot, "digest")
        assert answer.content == APOLOGY
        assert "database" not in answer.content


async def test_a_polite_error_is_shown_as_it_is_to_whoever_asked() -> None:
    async with running(FakeChatService(fail_with=FetchError("That page took too long to load."))) as bot:
        [answer] = await run_slash(bot, "url", url="https://slow.example/")
        assert answer.content == "⚠️ That page took too long to load."
        # Deferred for everyone (a brief is for the channel), withdrawn when it failed.
        assert bot.fake.callbacks[-1].data in (None, {})
        assert bot.fake.withdrawn == [answer.interaction_id]
        assert answer.flags & 64
        assert bot.service.remembered == []


async def test_a_follow_up_discord_refuses_is_replaced_by_an_apology(bot: Bot) -> None:
    bot.fake.fail("POST", r"^/webhooks/", 400, times=1)
    [answer] = await run_slash(bot, "digest")
    assert answer.content == APOLOGY
    assert bot.service.remembered == []


async def test_suggestions_fail_quietly_when_the_service_does() -> None:
    async with running(FakeChatService(fail_with=RuntimeError("boom"))) as bot:
        await bot.fake.slash(
            "unsubscribe", guild_id=GUILD, channel_id=CHANNEL, focused="subscription", subscription=""
        )
        await bot.fake.wait_for(lambda: bot.fake.callbacks)
        assert bot.fake.callbacks[0].data == {"choices": []}


# --- mentions, replies, threads, DMs ---------------------------------------------------------------


async def test_a_mention_is_answered_as_a_reply() -> None:
    async with running(FakeChatService(replies={"ask": answer_reply("who ended the strike?")})) as bot:
        asked = await bot.fake.say(
            f"<@{bot.fake.bot_id}> who ended the strike?",
            channel_id=CHANNEL,
            guild_id=GUILD,
            mentions_bot=True,
        )
        [answer] = await bot.fake.wait_for(lambda: bot.fake.channel_messages(CHANNEL))
        [call] = bot.service.asked
        assert call.question == "who ended the strike?"
        assert call.req.channel == NEWS
        assert call.req.thread_id is None
        assert answer.message_reference is not None
        assert int(answer.message_reference["message_id"]) == asked
        assert answer.allowed_mentions == {"parse": [], "replied_user": True}
        assert answer.content.startswith("The strike ended")
        [remembered] = await bot.fake.wait_for(lambda: bot.service.remembered)
        assert remembered.message_ids == [str(answer.id)]


async def test_a_reply_to_a_posted_brief_asks_about_that_brief(bot: Bot) -> None:
    [brief_id] = await bot.adapter.poster.post(NEWS, brief_reply())
    await bot.fake.say(
        f"<@{bot.fake.bot_id}> what happens next?",
        channel_id=CHANNEL,
        guild_id=GUILD,
        mentions_bot=True,
        reply_to=int(brief_id),
    )
    await bot.fake.wait_for(lambda: bot.service.asked and len(bot.fake.channel_messages(CHANNEL)) == 2)
    [call] = bot.service.asked
    assert call.req.thread_id == brief_id
    assert call.question == "what happens next?"


async def test_a_mention_in_a_brief_thread_asks_about_that_thread(bot: Bot) -> None:
    await bot.fake.say(
        f"<@!{bot.fake.bot_id}> and the union?", channel_id=THREAD, guild_id=GUILD, mentions_bot=True
    )
    [answer] = await bot.fake.wait_for(lambda: bot.fake.channel_messages(THREAD))
    [call] = bot.service.asked
    assert call.question == "and the union?"
    assert call.req.channel == NEWS
    assert call.req.thread_id == str(THREAD)
    assert answer.channel_id == THREAD


async def test_a_direct_message_needs_no_mention(bot: Bot) -> None:
    await bot.fake.say("is the port open again?", channel_id=DM_CHANNEL, guild_id=None)
    await bot.fake.wait_for(lambda: bot.fake.channel_messages(DM_CHANNEL))
    [call] = bot.service.asked
    assert call.question == "is the port open again?"
    assert call.req.channel == ChannelRef("discord", str(DM_CHANNEL), "")


async def test_other_messages_are_left_alone(bot: Bot) -> None:
    await bot.fake.say("talking among ourselves", channel_id=CHANNEL, guild_id=GUILD)
    await bot.fake.say("@everyone meeting at 5", channel_id=CHANNEL, guild_id=GUILD, mention_everyone=True)
    other_bot = FakeDiscord.user(123, "otherbot", bot=True)
    await bot.fake.say(
        f"<@{bot.fake.bot_id}> ping", channel_id=CHANNEL, guild_id=GUILD, mentions_bot=True, author=other_bot
    )
    # A last mention is answered: everything before it was seen and ignored.
    await bot.fake.say(f"<@{bot.fake.bot_id}> done?", channel_id=CHANNEL, guild_id=GUILD, mentions_bot=True)
    await bot.fake.wait_for(lambda: bot.fake.channel_messages(CHANNEL))
    assert [c.question for c in bot.service.asked] == ["done?"]


async def test_a_bare_mention_gets_help(bot: Bot) -> None:
    await bot.fake.say(f"<@{bot.fake.bot_id}>", channel_id=CHANNEL, guild_id=GUILD, mentions_bot=True)
    await bot.fake.wait_for(lambda: bot.fake.channel_messages(CHANNEL))
    assert bot.service.commands == [Help()]


async def test_an_answer_quoting_hostile_text_pings_nobody() -> None:
    hostile = AnswerReply(
        question="q", answer=Answer(answer="@everyone look: <@123> and <@&456> in <#789> **now**")
    )
    async with running(FakeChatService(replies={"ask": hostile})) as bot:
        await bot.fake.say(f"<@{bot.fake.bot_id}> q", channel_id=CHANNEL, guild_id=GUILD, mentions_bot=True)
        [answer] = await bot.fake.wait_for(lambda: bot.fake.channel_messages(CHANNEL))
        assert "@everyone" not in answer.content
        for raw in ("<@123>", "<@&456>", "<#789>", "**now**"):
            assert raw not in answer.content
        assert answer.allowed_mentions == {"parse": [], "replied_user": True}


async def test_confirmation_text_is_escaped(bot: Bot) -> None:
    bot.service.replies["mode"] = Confirmation("Mode set to *each* for @here")
    [answer] = await run_slash(bot, "mode", mode="each", permissions=EVERYDAY | MANAGE_GUILD)
    assert answer.content == "✅ Mode set to \\*each\\* for @\u200bhere"


async def test_feeds_list_is_shown(bot: Bot) -> None:
    [answer] = await run_slash(bot, "feeds")
    [embed] = answer.embeds
    assert embed["title"] == FEEDS.title
    assert "sub-1" in embed["description"]
    assert "sub-2" in embed["description"]
