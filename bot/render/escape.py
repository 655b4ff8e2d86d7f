"""Making untrusted text (articles, feed titles, user input) safe to show anywhere.

Article text is data. Whatever it contains, a rendering of it must not:

- notify people: ``@everyone``, ``@here``, ``@channel``, Slack's ``<!channel>``/``<!here>``/
  ``<@U123>``/``<#C123>``, Discord's ``<@123>``/``<@&123>``/``<#123>``/``</command:1>``. An
  invisible character (a word joiner, U+2060; Discord renders use a zero-width space) after the
  ``@`` or ``<`` breaks every one of these forms, on every platform, while the text still reads
  the same;
- drive a terminal: control characters (ANSI escape sequences start with ESC) and bidirectional
  overrides that make text display differently from what it is are removed. Every text that
  reaches a terminal or a log (command-line output, error lines, the terminal chat, log
  records) passes ``terminal``; JSON output ``json_line``;
- link anywhere but the web: only http(s) URLs with a host, and nothing in them that could end
  link markup early or hide what they are;
- swamp a message: single-line fields are collapsed and shortened at a word boundary.

Platform renderers apply their own markup escaping on top (Slack mrkdwn ``&<>``, Discord
markdown) and count lengths their platform's way; these rules are the part every renderer shares.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from urllib.parse import quote, urlsplit

from summarizer.clean import clean_text

WORD_JOINER = "\u2060"
ELLIPSIS = "…"
URL_MAX = 2000

# C0 controls except \t and \n, DEL, C1 controls, and the bidi marks, embeddings, overrides and
# isolates.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# "@everyone"/"@here" broken wherever they start ("@everyoneelse" too, as the Discord renderer
# always did); the other words only when whole.
_BROADCAST = re.compile(r"@(?=everyone|here|(?:channel|group|all)\b)", re.IGNORECASE)
# <!here>, <!channel>, <!subteam^…>, <@U123>, <@!123>, <@&123>, <#C123>, </command:1>,
# <:emoji:1>, <a:emoji:1>, <t:0>: platform mention and tag syntax.
_MENTION_SYNTAX = re.compile(r"<(?=[!@#/:]|a:|t:)")
# What json.dumps(ensure_ascii=False) leaves raw but a terminal may act on; lone surrogates too
# (their escape is valid JSON, their raw form cannot be written).
_JSON_INERT = re.compile("[\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_FULLWIDTH_AT = re.compile("[\uff20\ufe6b]")  # ＠, ﹫: some clients fold them to "@"
_SPACE = re.compile(r"\s+")
_SPACE_BUT_NEWLINE = re.compile(r"[^\S\n]+")
# Characters that would end a link early in some markup (<url|label>, [label](url), "…").
_URL_BREAKERS = re.compile(r"[\s<>\"'`]")
# What stays as it is when a URL is put inside link markup; everything else is %-encoded:
# "|" and ">" end Slack's <url|label>, ")" ends Discord's [label](url), spaces end both.
_URL_SAFE = ":/?#@!$&'*+,;=%~-._[]"


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units (an emoji counts 2), the unit Slack and Discord limits are in:
    never below either platform's own count. (A lone surrogate, not yet cleaned, counts 1.)"""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def utf16_prefix(text: str, units: int) -> str:
    """The longest prefix of ``text`` at most ``units`` UTF-16 code units long (never half an
    emoji)."""
    head = text[: max(units, 0)]  # no more characters than units
    if utf16_len(head) <= units:
        return head
    used = 0
    for index, char in enumerate(head):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > units:
            return head[:index]
    return head


def strip_controls(text: str) -> str:
    """Remove control characters and bidi overrides, replace lone surrogates (which no encoder
    takes) by U+FFFD; \\r\\n and \\r become \\n."""
    return _CONTROLS.sub("", clean_text(text).replace("\r\n", "\n").replace("\r", "\n"))


def terminal(text: str, *, one_line: bool = False) -> str:
    """The one sanitiser for text bound for a terminal or a log: no control character but newline
    and tab (so no ANSI escape sequence, bell or C1 control), no bidi override, no lone surrogate.
    ``one_line``: line breaks are shown as ``\\n``, so the text cannot begin a line of its own
    (an id cannot forge a log line)."""
    text = strip_controls(text)
    return text.replace("\n", "\\n") if one_line else text


def json_line(value: object) -> str:
    """``value`` as one line of JSON for a terminal: json.dumps already escapes C0 controls; C1
    controls, bidi overrides and line separators are escaped too (the same data, inert)."""
    text = json.dumps(value, ensure_ascii=False)
    return _JSON_INERT.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def tidy(text: str, *, keep_newlines: bool = False) -> str:
    """Controls removed, each run of whitespace one space (newlines kept when asked), trimmed."""
    spaces = _SPACE_BUT_NEWLINE if keep_newlines else _SPACE
    return spaces.sub(" ", strip_controls(text)).strip()


def break_broadcasts(text: str, breaker: str = WORD_JOINER) -> str:
    """``@everyone``/``@here``/``@channel``-like words (full-width ``＠`` too) broken by ``breaker``.

    For text whose ``<`` is already escaped by its platform's markup."""
    return _BROADCAST.sub("@" + breaker, _FULLWIDTH_AT.sub("@", text))


def neutralise_mentions(text: str, breaker: str = WORD_JOINER) -> str:
    """Break every mention form so that no platform can treat it as one."""
    return _MENTION_SYNTAX.sub("<" + breaker, break_broadcasts(text, breaker))


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
    return shorten(neutralise_mentions(tidy(text[: limit * 4 + 64])), limit)


def multi_line(text: str | None, limit: int) -> str:
    """Safe text that keeps its line breaks (at most one blank line in a row)."""
    if not text:
        return ""
    rough = strip_controls(text[: limit * 4 + 64])
    joined = re.sub(r"\n{3,}", "\n\n", "\n".join(tidy(line) for line in rough.split("\n"))).strip()
    return shorten(neutralise_mentions(joined), limit)


def http_url(url: str | None, limit: int = URL_MAX) -> str | None:
    """``url`` trimmed when it is an http(s) URL with a host, at most ``limit`` UTF-16 units, with
    nothing invisible and no mention in it; else None (javascript:, data:, "//host", huge)."""
    if not url:
        return None
    url = url.strip()
    if utf16_len(url) > limit or strip_controls(url) != url:
        return None
    if neutralise_mentions(url) != url:
        return None  # "https://x.example/@everyone" would ping on Discord
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return None
    return url


def safe_url(url: str | None, limit: int = URL_MAX) -> str | None:
    """An http(s) URL fit to show and link as it is, or None: ``http_url``, and no space, quote,
    angle bracket or other character that is not printable."""
    url = http_url(url, limit)
    if url is None or _URL_BREAKERS.search(url) or not url.isprintable():
        return None
    return url


def link_target(url: str) -> str:
    """A checked URL %-encoded so that it cannot end any platform's link markup early."""
    return quote(url, safe=_URL_SAFE)


def pack_lines(lines: Iterable[str], limit: int, measure: Callable[[str], int] = len) -> list[str]:
    """Lines joined with newlines into as few texts of at most ``limit`` (by ``measure``) as fit.

    Each line must already be within ``limit``; a longer one becomes a text of its own."""
    texts: list[str] = []
    current = ""
    for line in lines:
        candidate = f"{current}\n{line}" if current else line
        if current and measure(candidate) > limit:
            texts.append(current)
            candidate = line
        current = candidate
    if current:
        texts.append(current)
    return texts


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
