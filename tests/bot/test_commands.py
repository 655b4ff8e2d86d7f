"""The command model: typed lines and Discord's options become the same typed values, with the
same mistakes explained in the same words, and the help comes from the same definitions."""

from __future__ import annotations

import pytest

from bot import commands
from bot.commands import parse

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


@pytest.mark.parametrize(
    ("line", "command"),
    [
        ("", commands.Help()),
        ("/brief help", commands.Help()),
        ("?", commands.Help()),
        ("https://news.example/a", commands.BriefArticle(url="https://news.example/a")),
        ("<https://news.example/a|story>", commands.BriefArticle(url="https://news.example/a")),
        ("news.example/a", commands.BriefArticle(url="https://news.example/a")),
        ("ask   who   won? ", commands.Ask("who won?")),
        ("digest", commands.Digest()),
        ("list", commands.Feeds()),
        ("sub sample", commands.Subscribe(None)),
        (
            "subscribe https://x.example/rss --keywords flood,levee --regex '\\bwall\\b'",
            commands.Subscribe("https://x.example/rss", ("flood", "levee"), "\\bwall\\b"),
        ),
        (
            'subscribe https://x.example/rss --keyword "port strike" ferry',
            commands.Subscribe("https://x.example/rss", ("port strike", "ferry")),
        ),
        (
            "subscribe https://x.example/rss --keywords port strike, ferry",
            commands.Subscribe("https://x.example/rss", ("port strike", "ferry")),
        ),
        ("unsubscribe #3", commands.Unsubscribe(subscription_id=3)),
        ("unsubscribe 3 — Valley Post", commands.Unsubscribe(subscription_id=3)),
        ("unsub https://x.example/rss", commands.Unsubscribe(address="https://x.example/rss")),
        ("unsubscribe", commands.Unsubscribe()),
        ("schedule", commands.Schedule()),
        ("schedule 8:30 asia/tokyo mon-fri", commands.Schedule("08:30", "Asia/Tokyo", WEEKDAYS)),
        ("schedule 8:30 mon-fri asia/tokyo", commands.Schedule("08:30", "Asia/Tokyo", WEEKDAYS)),
        ("schedule 07:00:30", commands.Schedule("07:00:30")),
        ("schedule off Europe/Berlin", commands.Schedule(off=True)),
        ("mode", commands.SetMode()),
        ("MODE Both", commands.SetMode("both")),
    ],
)
def test_typed_lines_become_typed_commands(line: str, command: commands.Command) -> None:
    assert parse(line) == command


@pytest.mark.parametrize(
    ("line", "verb", "text"),
    [
        ("frobnicate the news", "brief", "I don't know the command 'frobnicate'"),
        ("ftp://files.example/x", "brief", "is not a web address I can fetch"),
        ("ask", "ask", "What would you like to know?"),
        ("ask " + "why " * 400, "ask", "too long"),
        ("subscribe https://x.example/rss --colour red", "subscribe", "Unknown option --colour"),
        ("subscribe not a url", "subscribe", "Give one feed address"),
        ("subscribe https://x.example/rss --regex (unclosed", "subscribe", "regular expression"),
        ("subscribe https://x.example/rss --regex", "subscribe", "The regular expression is empty"),
        ("schedule 25:00", "schedule", "'25:00' is not a time"),
        ("schedule 08:00 Mars/Olympus", "schedule", "I don't know the timezone 'Mars/Olympus'"),
        ("schedule 08:00 Europe/Berlin funday", "schedule", "'funday' is not a day"),
        ("mode sometimes", "mode", "'sometimes' is not a mode"),
    ],
)
def test_mistakes_say_what_is_wrong_for_the_verb_meant(line: str, verb: str, text: str) -> None:
    command = parse(line)
    assert isinstance(command, commands.Invalid), command
    assert command.verb == verb
    assert text in command.text


@pytest.mark.parametrize("typed", ["²", "①", "٣", "³⁴", "#²"])
def test_subscription_ids_are_ascii_digits(typed: str) -> None:
    """``²``.isdigit() is true, and int("²") fails: such an id is a usage error, not a crash."""
    command = parse(f"unsubscribe {typed}")
    assert isinstance(command, commands.Invalid), command
    assert "is not a subscription id" in command.text
    assert command.hint is not None
    assert "/brief unsubscribe <id>" in command.hint
    assert commands.unsubscribe(typed) == command  # Discord's option box: the same answer


@pytest.mark.parametrize("typed", ["²:30", "0８:30", "8:3٠"])
def test_digest_times_are_ascii_digits(typed: str) -> None:
    command = parse(f"schedule {typed}")
    assert isinstance(command, commands.Invalid)
    assert "is not a time" in command.text


def test_discord_options_make_the_same_commands_as_typed_lines() -> None:
    assert commands.brief("https://news.example/a") == parse("https://news.example/a")
    assert commands.ask("who won?") == parse("ask who won?")
    assert commands.schedule("08:30", "Europe/Berlin", "mon-fri") == parse(
        "schedule 08:30 Europe/Berlin mon-fri"
    )
    assert commands.schedule("off", "UTC") == parse("schedule off")
    assert commands.mode("each") == parse("mode each")
    assert commands.unsubscribe("4 — Valley Post") == parse("unsubscribe 4 — Valley Post")
    # Text typed into an option box stays text: quotes and "--" are no options there.
    assert commands.subscribe(
        "https://x.example/rss", '"ports" --regex x, strike'.split()
    ) == commands.Subscribe("https://x.example/rss", ('"ports" --regex x', "strike"))
    assert commands.unsubscribe('a" --keywords "b') == commands.Unsubscribe(address='a" --keywords "b')


def test_quoted_text_is_a_value_even_when_it_looks_like_an_option() -> None:
    split = commands.split_options
    assert split('https://x.example/rss --keywords "a --regex b" c') == (
        "https://x.example/rss",
        {"keywords": '"a --regex b" c'},
    )
    assert split("don't --keywords x") == ("don't", {"keywords": "x"})  # an apostrophe is no quote


def test_slow_commands_and_changes() -> None:
    slow = ["https://news.example/a", "ask who?", "digest", "subscribe https://x.example/rss"]
    assert all(commands.is_slow(parse(t)) for t in slow)
    assert not any(
        commands.is_slow(parse(t)) for t in ["help", "feeds", "schedule 08:00", "mode each", "ask"]
    )
    changes = [
        "subscribe https://x.example/rss",
        "unsubscribe 1",
        "schedule 08:00",
        "schedule off",
        "mode each",
    ]
    assert all(commands.is_change(parse(t)) for t in changes)
    assert commands.is_change(parse("mode sometimes"))  # a mistaken change is still a change
    assert not any(commands.is_change(parse(t)) for t in ["schedule", "mode", "feeds", "digest"])


def test_a_mention_is_its_question_and_an_empty_one_asks_for_help() -> None:
    assert commands.mention(" who won? ") == commands.Ask("who won?")
    assert commands.mention("  ") == commands.Help()


def test_help_lists_every_verb_from_its_definition() -> None:
    reply = commands.help_reply()
    verbs = {e.usage.split()[1].strip("<>") for e in reply.entries}
    assert verbs >= set(commands.VERBS) - {"brief"}
    assert {e.usage.split()[1] for e in reply.entries if e.admin} == {
        "subscribe",
        "unsubscribe",
        "schedule",
        "mode",
    }
    for entry in reply.entries:
        if entry.example:  # every example is a command that parses
            assert not isinstance(parse(entry.example), commands.Invalid), entry.example
