"""Discord rendering: every reply fits Discord's limits and article text cannot format or ping."""

from __future__ import annotations

import json
import re

import pytest

from bot.render.discord import (
    DiscordMessage,
    Embed,
    EmbedField,
    clip,
    discord_len,
    escape,
    pack,
    render,
    safe_url,
    split_text,
)
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
    Reply,
    Source,
)
from summarizer.answer import Answer, Citation
from summarizer.brief import Actor, Brief, Place
from tests.fakes.chat_service import brief_reply, digest_reply, every_reply_of
from tests.fakes.discord import FakeDiscord

MENTIONS = "@everyone @here <@123456789012345678> <@!1234> <@&987654321098765432> <#555> </brief url:1> <t:0>"
MARKDOWN = "**bold** __under__ *it* _it_ ~~strike~~ ||spoiler|| `code` ```block``` [x](https://e.example) \\"
LINES = "# heading\n## h2\n-# subtext\n> quote\n>>> quotes\n- item\n* item\n1. first"
BIDI = "\u202eevil\u202c \x00\x07 ok"
EMOJI = "🦀" * 3000  # each counts as two UTF-16 units
HOSTILE = " ".join([MENTIONS, MARKDOWN, LINES, BIDI])
BIG = HOSTILE * 400  # ~100 KB


def hostile_brief(text: str = BIG) -> Brief:
    return Brief(
        id="h",
        title=text,
        tldr=text,
        who=tuple(Actor(text[:5000], text[:5000]) for _ in range(40)),
        where=tuple(Place(text[:5000], text[:5000]) for _ in range(40)),
        objectives=(text,) * 40,
        open_issues=(text,) * 40,
        url="https://news.example/" + "x" * 50,
    )


def hostile_replies() -> list[Reply]:
    brief = hostile_brief()
    source = Source(BIG, "javascript:alert(1)", BIG, BIG)
    return [
        BriefReply(brief, "h", source),
        BriefReply(hostile_brief(EMOJI), "e", Source(EMOJI, None, EMOJI)),
        DigestReply(BIG, tuple(DigestItem(brief, f"h{n}", (source,) * 60) for n in range(40))),
        DigestReply(BIG, ()),
        AnswerReply(
            BIG,
            Answer(BIG, tuple(Citation(f"c{n}", BIG, "https://e.example/(x)", BIG, BIG) for n in range(80))),
        ),
        AnswerReply("q", Answer(None)),
        ListReply(BIG, tuple(ListItem(BIG[:3000], BIG, BIG) for _ in range(200)), empty_text=BIG),
        ListReply(BIG, (), empty_text=BIG),
        Confirmation(BIG),
        ErrorReply(BIG, BIG),
        HelpReply(tuple(HelpEntry(BIG, BIG, BIG, admin=True) for _ in range(60)), intro=BIG),
    ]


def payload(message: DiscordMessage) -> dict[str, object]:
    return {"content": message.content, "embeds": [e.to_dict() for e in message.embeds]}


UNESCAPED_MENTION = re.compile(r"(?<!\\)<[@#/t:]|@everyone|@here")


@pytest.mark.parametrize("reply", hostile_replies(), ids=lambda r: type(r).__name__)
def test_hostile_replies_render_within_discord_limits_and_ping_nobody(reply: Reply) -> None:
    messages = render(reply)
    assert messages
    for message in messages:
        assert FakeDiscord.message_problems(payload(message)) == {}
        texts = [message.content] + [
            t
            for e in message.embeds
            for t in (
                e.title,
                e.description,
                e.footer,
                *[f.name for f in e.fields],
                *[f.value for f in e.fields],
            )
        ]
        for text in texts:
            assert not UNESCAPED_MENTION.search(text), text[:200]
            assert "\u202e" not in text
            assert "\x00" not in text
        for embed in message.embeds:
            assert embed.url is None or embed.url.startswith("https://")


def test_every_digest_story_is_shown_once_in_order() -> None:
    reply = hostile_replies()[2]
    assert isinstance(reply, DigestReply)
    footers = [e.footer for m in render(reply) for e in m.embeds]
    assert footers == [f"{n}/40" for n in range(1, 41)]


def test_escaped_text_shows_what_was_written() -> None:
    assert escape("**bold** _x_ `c`") == "\\*\\*bold\\*\\* \\_x\\_ \\`c\\`"
    assert escape("<@123> <#5>") == "\\<@123\\> \\<#5\\>"
    assert escape("@everyone and @Here") == "@\u200beveryone and @\u200bHere"
    assert escape("# Title\n- item\n1. one\n> quote") == "\\# Title\n\\- item\n1\\. one\n\\> quote"
    assert escape("U.S.-China talks (2026) cost $3.5bn.") == "U.S.-China talks (2026) cost $3.5bn."
    assert escape("a\u202eb\x00c") == "abc"


def test_clipping_counts_utf16_and_never_splits_an_escape() -> None:
    emoji = clip("🦀" * 200, 101)
    assert discord_len(emoji) <= 101
    assert emoji.endswith("…")
    for limit in range(2, 60):
        clipped = clip("*" * 100, limit)
        assert discord_len(clipped) <= limit
        assert not re.search(r"(?<!\\)(\\\\)*\\…$", clipped)  # no backslash escaping the "…"
    assert clip("short", 10) == "short"
    assert clip("many words in a row to be cut at a space", 20) == "many words in a row…"


def test_long_text_is_split_at_line_ends_within_the_limit() -> None:
    text = "\n".join(f"line {n} " + "word " * 30 for n in range(200))
    pieces = split_text(text, 2000)
    assert all(discord_len(p) <= 2000 for p in pieces)
    assert " ".join(" ".join(pieces).split()) == " ".join(text.split())
    assert all(p.split("\n")[-1].startswith("line") or "\n" not in p for p in pieces)


def test_split_never_leaves_a_dangling_escape() -> None:
    text = escape("*" * 5000)
    pieces = split_text(text, 2000)
    assert all(discord_len(p) <= 2000 for p in pieces)
    assert "".join(pieces) == text
    for piece in pieces:
        assert (len(piece) - len(piece.rstrip("\\"))) % 2 == 0


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,x",
        "https://e.example/a b",
        "ftp://e.example/",
        "https://",
        "//e.example",
        "",
    ],
)
def test_unsafe_urls_are_not_linked(url: str) -> None:
    assert safe_url(url) is None


def test_embeds_are_packed_ten_to_a_message_and_6000_characters() -> None:
    small = [Embed(title=f"{n}") for n in range(23)]
    assert [len(m.embeds) for m in pack(small)] == [10, 10, 3]
    large = [Embed(description="x" * 2500) for _ in range(5)]
    assert [len(m.embeds) for m in pack(large)] == [2, 2, 1]


def test_a_field_heavy_embed_continues_in_another() -> None:
    fields = tuple(EmbedField(f"f{n}", "v" * 1000) for n in range(30))
    messages = pack([Embed(title="Big", description="d" * 4000, fields=fields)])
    assert all(FakeDiscord.message_problems(payload(m)) == {} for m in messages)
    names = [f.name for m in messages for e in m.embeds for f in e.fields]
    assert names == [f"f{n}" for n in range(30)]
    assert messages[1].embeds[0].title == "Big (continued)"


def test_a_brief_shows_the_top_items_and_counts_the_rest() -> None:
    brief = Brief(
        id="b",
        title="T",
        tldr="",
        objectives=tuple(f"objective {n}" for n in range(9)),
    )
    [message] = render(BriefReply(brief, "b", Source("T", None)))
    [embed] = message.embeds
    [field] = embed.fields
    assert field.value.splitlines() == [f"• objective {n}" for n in range(5)]


def test_a_too_long_list_of_items_says_how_many_are_left_out() -> None:
    brief = Brief(id="b", title="T", tldr="", who=tuple(Actor(f"{n} " + "n" * 290) for n in range(6)))
    [message] = render(BriefReply(brief, "b", Source("T", None)))
    value = message.embeds[0].fields[0].value
    assert discord_len(value) <= 1024
    assert value.splitlines()[-1] == "…and 3 more"


def test_sources_are_links_with_outlet_names() -> None:
    [message] = render(digest_reply(stories=1))
    [embed] = message.embeds
    sources = {f.name: f.value for f in embed.fields}["Sources"]
    assert sources == "[Example News](https://news.example/story-1)"
    assert message.content == "**Daily digest — Mon 2 Mar 2026** — 1 story"


def test_answer_without_support_says_so_and_lists_citations_when_it_has_them() -> None:
    [message] = render(AnswerReply("q", Answer(None)))
    assert message.content == "I couldn't find an answer in what I've read."
    cited = Answer(
        "Yes.", (Citation("a", "Port (re)opens", "https://e.example/p(1)", "it reopened", "Example"),)
    )
    [message] = render(AnswerReply("q", cited))
    assert message.content == "Yes."
    assert message.embeds[0].description == (
        "**[1]** [Port (re)opens](https://e.example/p%281%29) — Example\n> it reopened"
    )


def test_each_reply_kind_has_a_rendering() -> None:
    assert render(brief_reply())[0].embeds[0].title.startswith("Port of Valmora")
    assert render(Confirmation("Subscribed."))[0].content == "✅ Subscribed."
    assert render(ErrorReply("No such timezone.", "Try Europe/Berlin."))[0].content == (
        "⚠️ No such timezone.\nTry Europe/Berlin."
    )
    assert render(ListReply("Subscriptions", ()))[0].embeds[0].description == "Nothing here yet."
    [help_message] = render(
        HelpReply((HelpEntry("subscribe <url>", "Follow a feed", "subscribe https://x", True),))
    )
    [field] = help_message.embeds[0].fields
    assert field.name == "/brief subscribe \\<url\\> (admins)"
    assert field.value == "Follow a feed\nExample: subscribe https://x"
    assert render(DigestReply("Digest", ()))[0].content == "**Digest**\nNothing new since the last digest."


def test_lone_surrogates_in_any_field_render_as_replacement_characters() -> None:
    # A lone surrogate ("\ud800" in JSON) cannot be encoded; Discord must get U+FFFD instead.
    for reply in every_reply_of("Ferry \ud800 trial \udfff"):
        for message in render(reply):
            assert FakeDiscord.message_problems(payload(message)) == {}
            sent = json.dumps(payload(message), ensure_ascii=False).encode().decode()
            assert "Ferry \ufffd trial \ufffd" in sent
