"""Making untrusted text (articles, feed titles, user input) safe to show anywhere.

Article text is data. Whatever it contains, a rendering of it must not:

- notify people: ``@everyone``, ``@here``, ``@channel``, Slack's ``<!channel>``/``<!here>``/
  ``<@U123>``/``<#C123>``, Discord's ``<@123>``/``<@&123>``/``<#123>``. A word joiner (U+2060,
  invisible) after the ``@`` or ``<`` breaks every one of these forms, on every platform, while
  the text still reads the same;
- drive a terminal: control characters (ANSI escape sequences start with ESC) and bidirectional
  overrides that make text display differently from what it is are removed;
- swamp a message: single-line fields are collapsed and shortened at a word boundary.

Platform renderers apply their own markup escaping on top (Slack mrkdwn ``&<>``, Discord
markdown); these rules are the part every renderer shares.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

WORD_JOINER = "\u2060"
ELLIPSIS = "…"

# C0 controls except \t and \n, DEL, C1 controls, and the bidi embedding/override/isolate marks.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_BROADCAST = re.compile(r"@(?=(?:everyone|here|channel|group|all)\b)", re.IGNORECASE)
# <!here>, <!channel>, <!subteam^…>, <@U123>, <@!123>, <@&123>, <#C123>: platform mention syntax.
_MENTION_SYNTAX = re.compile(r"<(?=[!@#])")
_FULLWIDTH_AT = re.compile("[\uff20\ufe6b]")  # ＠, ﹫: some clients fold them to "@"
_SPACE = re.compile(r"\s+")


def strip_controls(text: str) -> str:
    """Remove control characters and bidi overrides; \\r\\n and \\r become \\n."""
    return _CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def neutralise_mentions(text: str) -> str:
    """Break every mention form so that no platform can treat it as one."""
    text = _FULLWIDTH_AT.sub("@", text)
    text = _BROADCAST.sub("@" + WORD_JOINER, text)
    return _MENTION_SYNTAX.sub("<" + WORD_JOINER, text)


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, at a word boundary when one is near."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS[:limit]
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + ELLIPSIS


def one_line(text: str | None, limit: int) -> str:
    """Safe single-line text: controls removed, whitespace collapsed, mentions broken, shortened."""
    if not text:
        return ""
    # Shorten a rough slice first: a 100 KB title costs no more than a short one.
    rough = text[: limit * 4 + 64]
    return shorten(neutralise_mentions(_SPACE.sub(" ", strip_controls(rough)).strip()), limit)


def multi_line(text: str | None, limit: int) -> str:
    """Safe text that keeps its line breaks (at most one blank line in a row)."""
    if not text:
        return ""
    rough = strip_controls(text[: limit * 4 + 64])
    lines = [_SPACE.sub(" ", line).strip() for line in rough.split("\n")]
    joined = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return shorten(neutralise_mentions(joined), limit)


def safe_url(url: str | None) -> str | None:
    """An http(s) URL fit to show, or None (javascript:, data:, embedded spaces, huge)."""
    if not url:
        return None
    url = url.strip()
    if len(url) > 2000 or not re.match(r"^https?://[^\s<>\"'`]+$", url, re.IGNORECASE):
        return None
    if neutralise_mentions(url) != url or strip_controls(url) != url:
        return None  # "https://x.example/@everyone" would ping on Discord
    return url


def split_message(text: str, limit: int) -> list[str]:
    """Split text into chunks of at most ``limit`` characters: between paragraphs when possible,
    else between lines, else between words, and only as a last resort inside a word."""
    if limit < 1:
        raise ValueError("limit must be positive")
    if len(text) <= limit:
        return [text] if text else []
    chunks: list[str] = []
    current = ""
    for new_paragraph, block in _pieces(text, limit):
        joiner = "\n\n" if new_paragraph else "\n"
        candidate = f"{current}{joiner}{block}" if current else block
        if len(candidate) <= limit:
            current = candidate
        else:
            if current:
                chunks.append(current)
            current = block
    if current:
        chunks.append(current)
    return chunks


def _pieces(text: str, limit: int) -> Iterable[tuple[bool, str]]:
    """Lines no longer than ``limit``, each with whether it opens a new paragraph."""
    for p, paragraph in enumerate(text.split("\n\n")):
        for i, line in enumerate(paragraph.split("\n")):
            for j, part in enumerate(_split_line(line, limit)):
                yield bool(p and not i and not j), part


def _split_line(line: str, limit: int) -> list[str]:
    if len(line) <= limit:
        return [line]
    parts: list[str] = []
    current = ""
    for word in line.split(" "):
        while len(word) > limit:
            if current:
                parts.append(current)
                current = ""
            parts.append(word[:limit])
            word = word[limit:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= limit:
            current = candidate
        else:
            parts.append(current)
            current = word
    if current:
        parts.append(current)
    return parts
