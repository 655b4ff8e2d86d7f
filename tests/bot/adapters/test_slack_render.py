"""The Slack renderer on its own: every reply within Block Kit limits, untrusted text inert."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from bot.render.slack import (
    MAX_MESSAGES,
    WORD_JOINER,
    escape,
    fit,
    from_slack,
    render,
    render_working,
    safe_url,
    slack_len,
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
    is_public,
)
from summarizer.answer import Answer, Citation
from summarizer.brief import Actor, Brief, Place
from tests.fakes.chat_service import HELP, every_reply_of, ferry_brief, reservoir_brief
from tests.fakes.slack import validate_message

PINGS = re.compile(r"<[!@#]|@(here|channel|everyone)\b", re.IGNORECASE)
NASTY = "<!channel> <!here> @everyone @here @Channel <@U0BOSS> <#C0PRIV|priv> a&b <https://x.example|y> 🚢 "


def texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() if k not in {"url", "action_id", "type"} for s in texts(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in texts(v)]
    return []


def assert_valid(reply: Reply) -> list[dict[str, Any]]:
    """Render, and check each message the way the fake Slack (and Slack) would."""
    messages = render(reply)
    assert 1 <= len(messages) <= MAX_MESSAGES
    payloads = []
    for message in messages:
        payload = {"text": message.text, "blocks": list(message.blocks)}
        assert validate_message(payload) == [], validate_message(payload)[:3]
        for text in texts(payload):
            assert not PINGS.search(text), text[:120]
        payloads.append(payload)
    return payloads


def hostile_brief(size: int = 100_000) -> Brief:
    return Brief(
        id="x",
        title=(NASTY * (size // len(NASTY) + 1))[:size],
        tldr=NASTY * 300,
        who=tuple(Actor(NASTY * 5, role=NASTY * 5) for _ in range(50)),
        where=tuple(Place(NASTY * 5, detail=NASTY) for _ in range(50)),
        objectives=tuple(NASTY * 40 for _ in range(100)),
        open_issues=tuple(NASTY * 40 for _ in range(100)),
        url="https://news.example.org/" + "a" * 5000,
    )


# --------------------------------------------------------------------------- escaping


def test_escape_makes_markup_and_broadcasts_inert() -> None:
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    assert escape("hi @here and @EVERYONE, mail me@channel.org") == (
        f"hi @{WORD_JOINER}here and @{WORD_JOINER}EVERYONE, mail me@{WORD_JOINER}channel.org"
    )
    assert escape("tab\there\x00\x07 bell") == "tab here bell"


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("<@UBOT> who is <@U1|ann>?", "who is @ann?"),
        (
            "see <#C1|news> &amp; <https://a.example/x?y=1&amp;z=2|a.example/x>",
            "see #news & https://a.example/x?y=1&z=2",
        ),
        ("https://plain.example/a", "https://plain.example/a"),
        ("&lt;b&gt; tag", "<b> tag"),
        ("<!here> look", "@here look"),
        ("<mailto:a@b.example|a@b.example>", "a@b.example"),
    ],
)
def test_from_slack_turns_markup_into_what_was_meant(typed: str, meant: str) -> None:
    assert from_slack(typed, bot_user_id="UBOT") == meant


def test_fit_never_cuts_an_escape_or_an_emoji_in_half() -> None:
    for limit in range(2, 40):
        for raw in ("&&&&&&&&&&&&&&&&&&&&", "a<b>c" * 10, "🚢x" * 30):
            cut = fit(escape(raw), limit)
            assert slack_len(cut) <= limit
            assert not re.search(r"&(a|am|amp|l|lt|g|gt)?…$", cut), cut
            cut.encode("utf-8")  # no lone surrogates


def test_safe_url_refuses_other_schemes_and_defuses_markup_characters() -> None:
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("ftp://files.example/x") is None
    assert safe_url("https://a.example/" + "x" * 4000) is None
    url = safe_url("https://a.example/p>q|r s<t")
    assert url == "https://a.example/p%3Eq%7Cr%20s%3Ct"


# --------------------------------------------------------------------------- replies


def test_brief_has_header_who_where_lists_and_a_source_button() -> None:
    [payload] = assert_valid(ferry_brief())
    blocks = payload["blocks"]
    assert blocks[0]["text"]["text"] == "Lakeport approves a year-long trial of electric night ferries"
    contexts = [b["elements"][0]["text"] for b in blocks if b["type"] == "context"]
    assert contexts[0] == "*Who:* Dana Whitlock (transit board chair); Lakeport Transit Board"
    assert contexts[1] == "*Where:* Lakeport (the old harbour); Pine Island"
    [button] = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert button["text"]["text"] == "Read at Lakeport Ledger"
    assert button["url"] == "https://news.example.org/2026/ferry-trial"
    assert payload["text"].startswith("Lakeport approves")


def test_hostile_brief_of_100_kb_fits_and_pings_no_one() -> None:
    reply = BriefReply(
        hostile_brief(), "x", Source(NASTY * 50, "https://evil.example/" + NASTY, outlet=NASTY * 9)
    )
    [payload] = assert_valid(reply)
    header = payload["blocks"][0]["text"]["text"]
    assert slack_len(header) <= 150
    assert header.endswith("…")
    assert slack_len(payload["text"]) <= 3000
    assert len(json.dumps(payload)) < 60_000


def test_emoji_titles_count_as_slack_counts_them() -> None:
    brief = Brief(id="e", title="🚢" * 200, tldr="t")
    [payload] = assert_valid(BriefReply(brief, "e", Source("t", None)))
    assert slack_len(payload["blocks"][0]["text"]["text"]) <= 150


def test_digest_splits_at_story_boundaries_and_labels_its_parts() -> None:
    digest = DigestReply("Weekly digest", tuple(reservoir_brief(i) for i in range(20)))
    payloads = assert_valid(digest)
    assert len(payloads) > 1
    for n, payload in enumerate(payloads, start=1):
        assert payload["text"].startswith(f"Weekly digest (part {n} of {len(payloads)})")
        assert len(payload["blocks"]) <= 50
    titles = [t for p in payloads for b in p["blocks"] if b["type"] == "section" for t in [b["text"]["text"]]]
    for i in range(20):
        assert sum(f"(story {i})>*" in t for t in titles) == 1  # the linked title, once


def test_digest_of_hostile_stories_stays_valid() -> None:
    items = tuple(
        DigestItem(
            hostile_brief(5000),
            f"a{i}",
            tuple(Source(NASTY, f"https://s{j}.example/{i}", NASTY) for j in range(30)),
        )
        for i in range(15)
    )
    payloads = assert_valid(DigestReply(NASTY * 40, items))
    buttons = [e for p in payloads for b in p["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons
    assert all(slack_len(b["text"]["text"]) <= 75 for b in buttons)


def test_empty_digest_says_so() -> None:
    [payload] = assert_valid(DigestReply("Daily digest", ()))
    assert "Nothing new" in payload["text"]


def test_answer_with_citations_and_without_an_answer() -> None:
    answer = Answer(
        "The trial runs for <twelve> months.",
        (Citation("a1", "Ferry trial", "https://news.example.org/f", "a twelve-month trial"),),
    )
    [payload] = assert_valid(AnswerReply("how long?", answer))
    body = json.dumps(payload["blocks"], ensure_ascii=False)
    assert "&lt;twelve&gt;" in body
    assert "<https://news.example.org/f|Ferry trial>" in body
    [none] = assert_valid(AnswerReply("who won?", Answer(None)))
    assert "could not find an answer" in none["text"]


def test_long_answer_is_split_over_sections() -> None:
    answer = Answer(("A sentence about harbours. " * 40 + "\n") * 20)
    payloads = assert_valid(AnswerReply("q", answer))
    assert sum(len(p["blocks"]) for p in payloads) > 3


def test_huge_list_is_cut_to_a_bounded_number_of_messages() -> None:
    items = tuple(ListItem(f"id{i}", NASTY * 3, NASTY) for i in range(3000))
    payloads = assert_valid(ListReply("Feeds", items))
    assert len(payloads) == MAX_MESSAGES
    assert "did not fit" in json.dumps(payloads[-1]["blocks"])


def test_help_error_confirmation_and_working_note() -> None:
    [help_payload] = assert_valid(HELP)
    assert (
        "`/brief subscribe &lt;feed-url&gt;` — follow a feed in this channel _(admins only)_"
        in json.dumps(help_payload["blocks"], ensure_ascii=False)
    )
    [error] = assert_valid(ErrorReply("No such feed: <!here>", hint="Try /brief feeds"))
    assert error["text"] == "⚠️ No such feed: &lt;!here&gt;"
    [done] = assert_valid(Confirmation("Subscribed #news"))
    assert done["text"] == "✅ Subscribed #news"
    assert_valid(HelpReply(entries=tuple(HelpEntry(NASTY * 9, NASTY * 30, NASTY) for _ in range(200))))
    working = render_working(NASTY * 100, user_name=NASTY)
    payload = {"text": working.text, "blocks": list(working.blocks)}
    assert validate_message(payload) == []
    assert not any(PINGS.search(t) for t in texts(payload))


def test_public_replies_are_content_and_changes_private_ones_are_help_and_errors() -> None:
    assert is_public(ferry_brief())
    assert is_public(Confirmation("ok"))
    assert not is_public(ErrorReply("no"))
    assert not is_public(HELP)


def test_lone_surrogates_in_any_field_render_as_replacement_characters() -> None:
    # A lone surrogate ("\ud800" in JSON) cannot be encoded; Slack must get U+FFFD instead.
    for reply in every_reply_of("Ferry \ud800 trial \udfff"):
        for payload in assert_valid(reply):
            sent = json.dumps(payload, ensure_ascii=False).encode().decode()
            assert "Ferry \ufffd trial \ufffd" in sent
    working = render_working("brief \ud800", "Ann \udc00")
    json.dumps({"text": working.text, "blocks": working.blocks}, ensure_ascii=False).encode()
