"""Plain-text rendering: every reply kind, and hostile article text kept harmless."""

from __future__ import annotations

import re

from bot.render.escape import WORD_JOINER, safe_url, split_message
from bot.render.text import render, render_chunks
from bot.replies import (
    AnswerReply,
    BriefReply,
    Confirmation,
    DigestItem,
    DigestReply,
    ErrorReply,
    HelpEntry,
    HelpReply,
    ListItem,
    ListReply,
    Source,
)
from summarizer.answer import Answer, Citation
from summarizer.brief import Actor, Brief, Place
from tests.fakes.chat_service import every_reply_of

HOSTILE = (
    "@everyone @here @channel <!channel> <!here> <@U024BE7LH> <@!80351110224678912> <@&123> <#C123> "
    "＠everyone \x1b[2J\x1b[31mred\x07 \u202egnp.exe\u202c *bold* __under__ ```code``` "
    "[x](javascript:alert(1))"
)
LIVE_MENTION = re.compile(r"@(?:everyone|here|channel)\b|<[!@#]", re.IGNORECASE)


def hostile_brief(title: str = HOSTILE) -> Brief:
    return Brief(
        id="evil",
        title=title,
        tldr=HOSTILE,
        who=(Actor(HOSTILE, role=HOSTILE), Actor("Dana Ruiz", role="mayor")),
        where=(Place(HOSTILE, detail=HOSTILE),),
        objectives=(HOSTILE,),
        open_issues=("who pays for the repair",),
        url="https://news.example/a",
    )


def assert_harmless(text: str) -> None:
    assert not LIVE_MENTION.search(text), text
    assert "\x1b" not in text
    assert "\x07" not in text
    assert "\u202e" not in text


def test_a_brief_shows_who_where_objectives_and_issues() -> None:
    b = Brief(
        id="a1",
        title="Flood gates open",
        tldr="The river authority opened the gates.",
        who=(Actor("Dana Ruiz", role="authority chair"),),
        where=(Place("Millbrook", detail="the weir"),),
        objectives=("protect the town",),
        open_issues=("who pays",),
        url="https://news.example/a1",
    )
    text = render(BriefReply(b, "a1", Source("Flood gates open", "https://news.example/a1", "Valley Post")))
    for expected in (
        "Flood gates open",
        "Valley Post",
        "https://news.example/a1",
        "The river authority opened the gates.",
        "Dana Ruiz (authority chair)",
        "Millbrook (the weir)",
        "protect the town",
        "who pays",
    ):
        assert expected in text


def test_hostile_text_cannot_mention_anyone_or_drive_the_terminal() -> None:
    reply = BriefReply(hostile_brief(), "evil", Source(HOSTILE, "https://news.example/a", HOSTILE))
    text = render(reply)
    assert_harmless(text)
    assert WORD_JOINER in text  # the mentions are still readable, only broken
    assert "*bold*" in text  # plain text: markup is shown as typed, never interpreted
    digest = DigestReply(
        HOSTILE,
        (DigestItem(hostile_brief(), "evil", (Source(HOSTILE, "https://x.example/@everyone", HOSTILE),)),),
    )
    assert_harmless(render(digest))
    answer = AnswerReply(HOSTILE, Answer(HOSTILE, (Citation("evil", HOSTILE, None, HOSTILE, HOSTILE),)))
    assert_harmless(render(answer))
    for reply_ in (
        ListReply(HOSTILE, (ListItem(HOSTILE, HOSTILE, HOSTILE),)),
        Confirmation(HOSTILE),
        ErrorReply(HOSTILE, HOSTILE),
        HelpReply((HelpEntry(HOSTILE, HOSTILE, HOSTILE),), HOSTILE),
    ):
        assert_harmless(render(reply_))


def test_a_100_kb_title_is_shortened_at_a_word() -> None:
    title = "Council " + "approves budget " * 7000
    assert len(title) > 100_000
    text = render(BriefReply(hostile_brief(title), "evil", Source(title, None)))
    first = text.splitlines()[0]
    assert len(first) <= 200
    assert first.endswith("…")
    assert not first[:-1].endswith(" ")
    assert len(text) < 8000
    digest = DigestReply(
        title, tuple(DigestItem(hostile_brief(title), f"e{i}", (Source(title, None),)) for i in range(50))
    )
    assert max(len(line) for line in render(digest).splitlines()) < 400


def test_unsafe_links_are_left_out() -> None:
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("https://news.example/a b") is None
    assert safe_url("https://news.example/@here") is None
    assert safe_url("https://news.example/story?id=1") == "https://news.example/story?id=1"
    b = Brief(id="x", title="T", tldr="t", url="javascript:alert(1)")
    assert "javascript" not in render(BriefReply(b, "x", Source("T", "data:text/html,hi")))


def test_a_digest_groups_sources_under_each_story() -> None:
    item = DigestItem(
        Brief(id="a", title="Bridge reopens", tldr="The bridge reopened.", who=(Actor("Ingrid Solberg"),)),
        "a",
        (
            Source("Bridge reopens", "https://courier.example/a", "The Courier"),
            Source("City celebrates bridge", "https://daily.example/b", "The Daily"),
        ),
    )
    single = DigestItem(
        Brief(id="c", title="Teachers strike", tldr="A strike."),
        "c",
        (Source("Teachers strike", None, "Wire"),),
    )
    text = render(DigestReply("Daily digest — Mon 30 Nov 2026", (item, single)))
    assert text.startswith("Daily digest — Mon 30 Nov 2026\n2 stories")
    assert "1. Bridge reopens" in text
    assert "2. Teachers strike" in text
    assert "Sources (2):" in text
    assert "The Courier: Bridge reopens https://courier.example/a" in text
    assert "The Daily: City celebrates bridge" in text
    assert "Source: Wire: Teachers strike" in text
    assert "Nothing new" in render(DigestReply("Digest", ()))


def test_answers_cite_or_say_they_do_not_know() -> None:
    cite = Citation(
        "a", "Bridge reopens", "https://courier.example/a", "The bridge reopened on Sunday.", "The Courier"
    )
    text = render(AnswerReply("when?", Answer("On Sunday.", (cite,))))
    assert text.startswith("On Sunday.")
    assert "[1] Bridge reopens (The Courier) https://courier.example/a" in text
    assert '"The bridge reopened on Sunday."' in text
    assert "couldn't find" in render(AnswerReply("when?", Answer(None)))


def test_lists_errors_and_help() -> None:
    listed = render(ListReply("Feeds", (ListItem("3", "Valley Post", "https://valley.example/rss"),)))
    assert "[3] Valley Post" in listed
    assert "https://valley.example/rss" in listed
    assert "None yet" in render(ListReply("Feeds", (), empty_text="None yet"))
    assert render(ErrorReply("Bad time.", "Use HH:MM.")) == "Bad time.\nUse HH:MM."
    help_text = render(
        HelpReply((HelpEntry("/brief mode <m>", "set the mode", "/brief mode each", admin=True),), "Hi")
    )
    assert "/brief mode <m>" in help_text
    assert "(admins)" in help_text
    assert "e.g. /brief mode each" in help_text
    # Entries may leave "/brief" out; the terminal shows it, as Slack and Discord do.
    bare = render(HelpReply((HelpEntry("ask <question>", "ask", "ask who won?"),)))
    assert "/brief ask <question>" in bare
    assert "e.g. /brief ask who won?" in bare


def test_long_replies_split_cleanly_within_the_limit() -> None:
    items = tuple(
        DigestItem(
            Brief(id=f"a{i}", title=f"Story number {i} " + "word " * 60, tldr="Something happened. " * 20),
            f"a{i}",
            (),
        )
        for i in range(40)
    )
    reply = DigestReply("Daily digest", items)
    chunks = render_chunks(reply, 2000)
    assert len(chunks) > 1
    assert all(len(c) <= 2000 for c in chunks)
    # Nothing lost, and stories are not cut in the middle of a line.
    assert "\n".join(chunks).replace("\n\n", "\n") == render(reply).replace("\n\n", "\n")
    lines = set(render(reply).split("\n"))
    assert all(line in lines for c in chunks for line in c.split("\n"))


def test_split_message_prefers_paragraphs_then_lines_then_words() -> None:
    text = "first paragraph line one\nline two\n\nsecond paragraph"
    assert split_message(text, 40) == ["first paragraph line one\nline two", "second paragraph"]
    assert split_message("a" * 25, 10) == ["a" * 10, "a" * 10, "a" * 5]
    words = split_message("alpha beta gamma delta", 11)
    assert words == ["alpha beta", "gamma delta"]
    assert split_message("", 10) == []


def test_lone_surrogates_in_any_field_render_as_replacement_characters() -> None:
    for reply in every_reply_of("Ferry \ud800 trial \udfff"):
        shown = render(reply).encode().decode()  # a terminal writes UTF-8
        assert "Ferry \ufffd trial \ufffd" in shown
