"""Replies → Slack Block Kit messages (blocks + plain fallback text), within Slack's limits.

Everything here is a pure function. Two rules shape it:

* **Untrusted text stays data.** Article titles, names and phrases come from the web; user
  input echoes back. All of it is escaped the Slack way (``&``, ``<``, ``>``), so it can never
  form ``<!channel>``, ``<!here>``, ``<@U…>`` or ``<#C…>``; bare ``@here``/``@channel``/
  ``@everyone`` get an invisible word joiner after the ``@``; every mrkdwn object is sent
  ``verbatim`` so Slack does not auto-link names either. Only the links we build ourselves
  (``<https://…|label>``) are markup.
* **Limits are met, never hoped for.** Section text ≤ 3,000, header ≤ 150, button text ≤ 75,
  ≤ 10 context elements, ≤ 50 blocks per message; a reply that needs more is split into several
  messages (at story boundaries for digests). Lengths are counted in UTF-16 code units, which is
  never less than what Slack counts.

The inverse direction — Slack markup in what people type → plain text for the service — lives
here too (``from_slack``), so that escaping and unescaping are written side by side.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot.render.escape import (
    ELLIPSIS,
    http_url,
    link_target,
    neutralise_mentions,
    pack_lines,
    tidy,
    utf16_len,
    utf16_prefix,
)
from bot.render.escape import WORD_JOINER as WORD_JOINER  # breaks "@here"; tests look for it
from bot.render.text import DIGEST_WHERE, DIGEST_WHO, TOP_PHRASES, TOP_WHERE, TOP_WHO, command_line
from bot.replies import (
    AnswerReply,
    BriefReply,
    Confirmation,
    DigestItem,
    DigestReply,
    ErrorReply,
    HelpReply,
    ListReply,
    Reply,
    Source,
)
from summarizer.brief import Brief
from summarizer.clean import clean_text

Block = dict[str, Any]

# Slack's documented limits.
MAX_BLOCKS = 50
MAX_TEXT = 3000  # section text, context text elements
MAX_HEADER = 150
MAX_BUTTON_TEXT = 75
MAX_URL = 3000
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTION_ELEMENTS = 25
# Ours: notification/fallback text (Slack accepts 40,000 but shows a line or two), and messages
# per reply: a reply that needs more is cut with a note rather than flooding a channel, and a
# response_url takes only five messages (working note + its removal + three).
MAX_FALLBACK = 3000
MAX_MESSAGES = 3

# What one brief shows is every renderer's (bot.render.text); a digest story's lists as well:
DIGEST_PHRASES = 3
MAX_SOURCES = 5
# Per-item caps keep one absurd field (a 100 KB title) from crowding out the rest.
MAX_TITLE = 250
MAX_NAME = 120
MAX_PHRASE = 300
MAX_TLDR = 1200
MAX_QUOTE = 300


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """One chat.postMessage worth: ``text`` is the escaped notification/fallback text."""

    text: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True, slots=True)
class _Group:
    """Blocks that belong together (one story) and their fallback line."""

    blocks: tuple[Block, ...]
    text: str


# --------------------------------------------------------------------------- text safety


slack_len = utf16_len  # never below Slack's own count


def clean(text: str) -> str:
    """Drop control characters (Slack rejects some) and collapse runs of spaces; keep newlines."""
    return tidy(text, keep_newlines=True)


def escape(text: str) -> str:
    """Untrusted text → safe mrkdwn: Slack's three escapes, then broadcast words neutralised."""
    escaped = clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return neutralise_mentions(escaped)


def plain(text: str) -> str:
    """Untrusted text → plain_text. Slack's escaping rules name every text object, plain_text
    included, and decode the three escapes there too; so plain_text is escaped the same way."""
    return escape(text)


def fit(text: str, limit: int) -> str:
    """Cut ``text`` (already escaped) to ``limit`` UTF-16 units, ending with "…" when cut.

    Never cuts inside an escape such as ``&amp;`` (which would show as garbage) or between the
    two halves of a surrogate pair.
    """
    if slack_len(text) <= limit:
        return text
    cut = utf16_prefix(text, limit - 1)  # room for the ellipsis
    amp = cut.rfind("&", max(0, len(cut) - 5))
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut.rstrip() + ELLIPSIS


def _split_long(line: str, limit: int) -> list[str]:
    """Split one escaped line at spaces into pieces of at most ``limit`` units."""
    pieces: list[str] = []
    rest = line
    while slack_len(rest) > limit:
        head = fit(rest, limit + 1)[:-1]  # the longest safe prefix within limit
        space = head.rfind(" ")
        if space > limit // 2:
            head = head[:space]
        pieces.append(head.rstrip())
        rest = rest[len(head) :].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def pack(lines: Iterable[str], limit: int = MAX_TEXT) -> list[str]:
    """Join escaped lines with newlines into as few texts of at most ``limit`` units as fit."""
    pieces = (p for line in lines for p in (_split_long(line, limit) if slack_len(line) > limit else [line]))
    return pack_lines(pieces, limit, slack_len)


def safe_url(url: str | None) -> str | None:
    """An http(s) URL fit to sit inside ``<…|…>`` markup or a button, else None."""
    checked = http_url(url, MAX_URL)
    if checked is None:
        return None
    # Characters that would end the link markup early, or make Slack reject the URL.
    encoded = link_target(checked)
    return encoded if len(encoded) <= MAX_URL else None


def link(url: str | None, label: str) -> str:
    """``<url|label>`` when the URL is safe, else just the escaped label."""
    text = fit(escape(label), MAX_TITLE) or "link"
    target = safe_url(url)
    if target is None:
        return text
    return f"<{target}|{text.replace('|', '¦')}>"


# --------------------------------------------------------------------------- inbound text

_MARKUP = re.compile(r"<([^<>]*)>")


def from_slack(text: str, bot_user_id: str | None = None) -> str:
    """What someone typed in Slack → the plain text the service understands.

    ``<@BOT>`` disappears, ``<@U1|ann>`` → ``@ann``, ``<#C1|news>`` → ``#news``,
    ``<https://x|label>`` → ``https://x``, ``<!here>`` → ``@here`` (as text; we never re-send it
    as markup), and ``&amp; &lt; &gt;`` are unescaped.
    """

    def replace(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            if bot_user_id and target[1:] == bot_user_id:
                return ""
            return "@" + (label or target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            keyword = target[1:].split("^", 1)[0]
            return label or ("@" + keyword)
        if target.lower().startswith(("http://", "https://")):
            return target
        return label or target

    text = _MARKUP.sub(replace, clean_text(text))  # the event boundary: JSON may hold "\ud800"
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return " ".join(text.split())


# --------------------------------------------------------------------------- blocks


def _mrkdwn(text: str) -> Block:
    # verbatim: Slack does not auto-link bare names, channels or URLs in our text.
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _section(text: str) -> Block:
    return {"type": "section", "text": _mrkdwn(fit(text, MAX_TEXT))}


def _sections(lines: Sequence[str]) -> list[Block]:
    return [_section(text) for text in pack(lines)]


def _header(text: str) -> Block:
    return {
        "type": "header",
        "text": {"type": "plain_text", "text": fit(plain(text), MAX_HEADER) or "Briefbot"},
    }


def _context(*texts: str) -> Block:
    elements = [_mrkdwn(fit(t, MAX_TEXT)) for t in texts if t][:MAX_CONTEXT_ELEMENTS]
    return {"type": "context", "elements": elements}


def _divider() -> Block:
    return {"type": "divider"}


def _buttons(sources: Sequence[Source], prefix: str) -> Block | None:
    """Link buttons to the sources; None when no source has a usable URL."""
    elements: list[Block] = []
    seen: set[str] = set()
    for source in sources:
        url = safe_url(source.url)
        if url is None or url in seen:
            continue
        seen.add(url)
        label = f"Read at {source.outlet}" if source.outlet else f"Read at {_domain(url)}"
        elements.append(
            {
                "type": "button",
                "text": {"type": "plain_text", "text": fit(plain(label), MAX_BUTTON_TEXT)},
                "url": url,
                "action_id": f"{prefix}source_{len(elements)}",
            }
        )
        if len(elements) == min(MAX_SOURCES, MAX_ACTION_ELEMENTS):
            break
    return {"type": "actions", "elements": elements} if elements else None


def _domain(url: str) -> str:
    host = urlsplit(url).hostname or url
    return host.removeprefix("www.")


def _bullets(items: Sequence[str], top: int) -> list[str]:
    return [f"• {fit(escape(item), MAX_PHRASE)}" for item in items[:top] if clean(item)]


def _who(brief: Brief, top: int) -> str:
    return _labelled("Who", ((a.name, a.role) for a in brief.who[:top]))


def _where(brief: Brief, top: int) -> str:
    return _labelled("Where", ((p.name, p.detail) for p in brief.where[:top]))


def _labelled(heading: str, items: Iterable[tuple[str, str | None]]) -> str:
    """Each name with its role or detail, when it has one: `*Who:* Name (role); Name`."""
    out = []
    for name, label in items:
        name = fit(escape(name), MAX_NAME)
        out.append(f"{name} ({fit(escape(label), MAX_NAME)})" if label else name)
    return f"*{heading}:* " + "; ".join(out) if out else ""


def _title(brief: Brief, source: Source | None = None) -> str:
    return clean(brief.title) or (clean(source.title) if source else "") or "Untitled article"


# --------------------------------------------------------------------------- replies


def _brief_groups(reply: BriefReply) -> tuple[str, list[_Group]]:
    brief, source = reply.brief, reply.source
    title = _title(brief, source)
    blocks: list[Block] = [_header(title)]
    if clean(brief.tldr):
        blocks.append(_section(fit(escape(brief.tldr), MAX_TLDR)))
    for line in (_who(brief, TOP_WHO), _where(brief, TOP_WHERE)):
        if line:
            blocks.append(_context(line))
    for label, items in (("Objectives", brief.objectives), ("Open issues", brief.open_issues)):
        if bullets := _bullets(items, TOP_PHRASES):
            blocks += _sections([f"*{label}*", *bullets])
    sources = [source] if source.url else [Source(title=title, url=brief.url)]
    if buttons := _buttons(sources, prefix="brief_"):
        blocks.append(buttons)
    footer = " · ".join(escape(x) for x in (source.outlet, source.published or brief.published) if x)
    if footer:
        blocks.append(_context(footer))
    text = escape(title) + (f" — {escape(brief.tldr)}" if clean(brief.tldr) else "")
    return title, [_Group(tuple(blocks), text)]


def _story(item: DigestItem, index: int) -> _Group:
    brief = item.brief
    lead = item.sources[0] if item.sources else None
    title = _title(brief, lead)
    url = brief.url or (lead.url if lead else None)
    head = f"*{link(url, title)}*"
    if clean(brief.tldr):
        head += "\n" + fit(escape(brief.tldr), MAX_TLDR)
    blocks: list[Block] = [_section(head)]
    for line in (_who(brief, DIGEST_WHO), _where(brief, DIGEST_WHERE)):
        if line:
            blocks.append(_context(line))
    lists: list[str] = []
    for label, items in (("Objectives", brief.objectives), ("Open issues", brief.open_issues)):
        if bullets := _bullets(items, DIGEST_PHRASES):
            lists += [f"*{label}*", *bullets]
    blocks += _sections(lists)
    if buttons := _buttons(item.sources or (Source(title=title, url=url),), prefix=f"digest_{index}_"):
        blocks.append(buttons)
    blocks.append(_divider())
    return _Group(tuple(blocks), f"• {fit(escape(title), MAX_TITLE)}")


def _digest_groups(reply: DigestReply) -> tuple[str, list[_Group]]:
    title = clean(reply.title) or "Digest"
    count = len(reply.items)
    summary = (
        f"{count} {'story' if count == 1 else 'stories'}" if count else "Nothing new since the last digest."
    )
    groups = [_Group((_header(title), _context(escape(summary))), f"{escape(title)} — {escape(summary)}")]
    groups += [_story(item, i) for i, item in enumerate(reply.items)]
    return title, groups


def _answer_groups(reply: AnswerReply) -> tuple[str, list[_Group]]:
    answer = reply.answer
    blocks: list[Block] = []
    if clean(reply.question):
        blocks.append(_context("*Q:* " + fit(escape(reply.question), MAX_PHRASE)))
    body = escape(answer.answer) if answer.answer and clean(answer.answer) else ""
    if not body:
        body = "I could not find an answer in what I have read."
    blocks += _sections(body.split("\n"))
    sources: list[str] = []
    for n, citation in enumerate(answer.citations, start=1):
        line = f"{n}. {link(citation.url, citation.title or citation.url or 'source')}"
        if clean(citation.quote):
            line += f" — _“{fit(escape(citation.quote), MAX_QUOTE)}”_"
        sources.append(line)
    if sources:
        blocks += _sections(["*Sources*", *sources])
    return "Answer", [_Group(tuple(blocks), fit(body, MAX_FALLBACK))]


def _list_groups(reply: ListReply) -> tuple[str, list[_Group]]:
    title = clean(reply.title) or "List"
    lines = [f"*{escape(title)}*"]
    if not reply.items:
        lines.append(escape(reply.empty_text))
    for item in reply.items:
        line = f"• {fit(escape(item.text), MAX_PHRASE)}"
        if clean(item.detail):
            line += f" — {fit(escape(item.detail), MAX_PHRASE)}"
        if clean(item.id):
            line += f"  `{fit(escape(item.id).replace('`', ''), MAX_NAME)}`"
        lines.append(line)
    return title, [_Group((block,), "") for block in _sections(lines)]


def _help_groups(reply: HelpReply) -> tuple[str, list[_Group]]:
    lines: list[str] = []
    if clean(reply.intro):
        lines.append(escape(reply.intro))
    for entry in reply.entries:
        usage = command_line(clean(entry.usage))
        line = f"`{escape(usage).replace('`', '')}` — {escape(entry.description)}"
        if entry.admin:
            line += " _(admins only)_"
        if example := clean(entry.example):
            line += f"\n      e.g. `{escape(command_line(example)).replace('`', '')}`"
        lines.append(line)
    return "Briefbot help", [_Group((block,), "") for block in _sections(lines or ["No commands."])]


def render(reply: Reply) -> list[SlackMessage]:
    """A reply as one or more Slack messages, each within every Block Kit limit."""
    match reply:
        case BriefReply():
            title, groups = _brief_groups(reply)
        case DigestReply():
            title, groups = _digest_groups(reply)
        case AnswerReply():
            title, groups = _answer_groups(reply)
        case ListReply():
            title, groups = _list_groups(reply)
        case HelpReply():
            title, groups = _help_groups(reply)
        case Confirmation():
            text = "✅ " + escape(reply.text)
            title, groups = "Done", [_Group((_section(text),), text)]
        case ErrorReply():
            text = "⚠️ " + escape(reply.text)
            blocks = [_section(text)]
            if reply.hint and clean(reply.hint):
                blocks.append(_context(escape(reply.hint)))
            title, groups = "Sorry", [_Group(tuple(blocks), text)]
    return _paginate(title, groups)


def _paginate(title: str, groups: Sequence[_Group]) -> list[SlackMessage]:
    pages: list[list[_Group]] = [[]]
    for group in groups:
        for part in _split_group(group):
            used = sum(len(g.blocks) for g in pages[-1])
            if pages[-1] and used + len(part.blocks) > MAX_BLOCKS:
                pages.append([])
            pages[-1].append(part)
    pages = [page for page in pages if page]
    if len(pages) > MAX_MESSAGES:
        pages = pages[:MAX_MESSAGES]
        last = [b for g in pages[-1] for b in g.blocks][: MAX_BLOCKS - 1]
        note = _context("_…and more; the rest did not fit in Slack._")
        pages[-1] = [_Group((*last, note), pages[-1][0].text)]
    messages: list[SlackMessage] = []
    total = len(pages)
    for number, page in enumerate(pages, start=1):
        blocks = tuple(b for g in page for b in g.blocks)
        if blocks and blocks[-1]["type"] == "divider":
            blocks = blocks[:-1]  # a trailing rule only adds noise
        lines = [g.text for g in page if g.text]
        if total > 1:
            lines.insert(0, f"{escape(title)} (part {number} of {total})")
        elif not lines:
            lines = [escape(title)]
        messages.append(SlackMessage(text=fit("\n".join(lines), MAX_FALLBACK), blocks=blocks))
    return messages


def _split_group(group: _Group) -> list[_Group]:
    if len(group.blocks) <= MAX_BLOCKS:
        return [group]
    return [
        _Group(group.blocks[i : i + MAX_BLOCKS], group.text if i == 0 else "")
        for i in range(0, len(group.blocks), MAX_BLOCKS)
    ]


def render_working(command_text: str, user_name: str = "") -> SlackMessage:
    """The short note shown while a slow command runs; replaced by the result."""
    what = fit(escape(command_text), 200)
    who = f" for {fit(escape(user_name), MAX_NAME)}" if clean(user_name) else ""
    line = "⏳ Working on it…"
    detail = f"`/brief {what.replace('`', '')}`{who}" if what else ""
    blocks: list[Block] = [_section(line)]
    if detail:
        blocks.append(_context(detail))
    return SlackMessage(text=line, blocks=tuple(blocks))
