"""The safety rules every renderer shares: what one platform's renderer used to guard against,
all of them now do (plain text, Slack and Discord call the same code)."""

from __future__ import annotations

import re

import pytest

from bot.render import discord, slack, text
from bot.render.escape import link_target, neutralise_mentions, safe_url, utf16_prefix
from bot.replies import BriefReply, Source
from summarizer.brief import Actor, Brief

# One of each: broadcast words Slack alone knew (@channel, @all), Discord's "@everyone" inside a
# longer word, the full-width at sign, Discord's command and emoji tags, and the invisible marks
# (LRM, a C1 control, a bidi isolate) that only the plain-text rules removed.
TRICKS = "@channel @all @everyoneelse ＠here </brief url:1> <:wave:12> a\u200eb\x85c\u2066d"
LIVE = re.compile(r"(?<![\\<])@(?:everyone|here|channel|all)|(?<!\\)<[@#/:!]|＠", re.IGNORECASE)
INVISIBLE = ("\u200e", "\x85", "\u2066")


def rendered_texts(brief: Brief) -> dict[str, str]:
    reply = BriefReply(brief, brief.id, Source(brief.title, None, TRICKS))
    slack_messages = slack.render(reply)
    discord_messages = discord.render(reply)
    return {
        "text": text.render(reply),
        "slack": "\n".join(repr(m.blocks) + m.text for m in slack_messages),
        "discord": "\n".join(repr(e.to_dict()) for m in discord_messages for e in m.embeds),
    }


@pytest.mark.parametrize("platform", ["text", "slack", "discord"])
def test_every_renderer_breaks_every_mention_and_drops_every_invisible_mark(platform: str) -> None:
    brief = Brief(id="t", title=TRICKS, tldr=TRICKS, who=(Actor(TRICKS, role=TRICKS),))
    shown = rendered_texts(brief)[platform]
    assert not LIVE.search(shown), LIVE.search(shown)
    for mark in INVISIBLE:
        assert mark not in shown
        assert repr(mark)[1:-1] not in shown  # as repr() shows it inside the Slack/Discord payloads


def test_mentions_are_broken_with_the_breaker_asked_for() -> None:
    assert neutralise_mentions("@here <@1>", "\u200b") == "@\u200bhere <\u200b@1>"
    assert neutralise_mentions("mail@allison.example", "|") == "mail@allison.example"


@pytest.mark.parametrize(
    "url",
    [
        "https://x.example/@everyone",  # pings where a URL is shown as text
        "https://x.example/a\u202eb",  # displays as something it is not
        "https:///no-host",
    ],
)
def test_urls_refused_by_one_renderer_are_refused_by_all(url: str) -> None:
    assert safe_url(url) is None
    assert discord.safe_url(url) is None
    assert slack.safe_url(url) is None


def test_link_targets_are_encoded_for_both_link_markups() -> None:
    # ")" ends a Discord [label](url); "|" and ">" end a Slack <url|label>.
    assert link_target("https://x.example/a(b)|c>d") == "https://x.example/a%28b%29%7Cc%3Ed"
    assert slack.safe_url("https://x.example/p(1)") == "https://x.example/p%281%29"


def test_utf16_prefix_never_splits_an_emoji() -> None:
    assert utf16_prefix("ab🚢cd", 3) == "ab"
    assert utf16_prefix("ab🚢cd", 4) == "ab🚢"
    assert utf16_prefix("abc", 10) == "abc"
