"""Replies as Discord messages: embeds and content within Discord's limits, safe from article text.

Pure functions: a ``Reply`` in, a list of ``DiscordMessage`` out — one per Discord message, in
the order they are to be sent. Text that comes from articles or people is escaped so that it can
neither format a message nor mention anyone (adapters also send with ``allowed_mentions`` none:
two independent guards). Lengths are counted in UTF-16 code units, which is never less than the
character count Discord checks, so a rendering that passes here passes there.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, assert_never

from bot.render.escape import (
    ELLIPSIS,
    break_broadcasts,
    link_target,
    neutralise_mentions,
    pack_lines,
    strip_controls,
    tidy,
    utf16_len,
    utf16_prefix,
)
from bot.render.escape import safe_url as checked_url
from bot.render.text import TOP_PHRASES, TOP_WHERE, TOP_WHO, command_line
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

# Discord's documented limits (https://discord.com/developers/docs/resources/message).
CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELDS_PER_EMBED = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000  # per message, summed over all its embeds
EMBEDS_PER_MESSAGE = 10
URL_LIMIT = 2048

# Our own, tighter budgets. Title + description + footer at Discord's maxima would already
# exceed the 6,000 total, so the footer (outlet and date) gets a small one.
FOOTER_BUDGET = 256
ITEM_BUDGET = 300  # one bullet (an objective, a quote) before it is clipped
DIGEST_TLDR_BUDGET = 700  # digests show compact briefs
DIGEST_TOP = 3  # names, places and phrases per digest story
ANSWER_BUDGET = 3 * CONTENT_LIMIT  # an answer never floods a channel with more than three messages

COLOR = 0x2B6CB0
ZWSP = "\u200b"  # invisible; breaks a mention (the text still reads the same)


@dataclass(frozen=True, slots=True)
class EmbedField:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True, slots=True)
class Embed:
    """An embed in Discord's JSON shape; every text is already escaped and within limits."""

    title: str = ""
    url: str | None = None
    description: str = ""
    fields: tuple[EmbedField, ...] = ()
    footer: str = ""
    timestamp: str | None = None  # ISO 8601
    color: int | None = COLOR

    def size(self) -> int:
        """The characters Discord counts towards the 6,000 per message."""
        return (
            discord_len(self.title)
            + discord_len(self.description)
            + sum(discord_len(f.name) + discord_len(f.value) for f in self.fields)
            + discord_len(self.footer)
        )

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": "rich"}
        if self.title:
            data["title"] = self.title
        if self.url:
            data["url"] = self.url
        if self.description:
            data["description"] = self.description
        if self.fields:
            data["fields"] = [{"name": f.name, "value": f.value, "inline": f.inline} for f in self.fields]
        if self.footer:
            data["footer"] = {"text": self.footer}
        if self.timestamp:
            data["timestamp"] = self.timestamp
        if self.color is not None:
            data["color"] = self.color
        return data


@dataclass(frozen=True, slots=True)
class DiscordMessage:
    """One message to send. Send it with ``allowed_mentions`` none."""

    content: str = ""
    embeds: tuple[Embed, ...] = ()


# --- text safety -----------------------------------------------------------------------------

# Characters Discord markdown gives meaning to anywhere in a line. A backslash before any ASCII
# punctuation is consumed by Discord's parser, so escaping a little too much is invisible.
_INLINE = str.maketrans({c: "\\" + c for c in "\\*_~`|[]<>"})
# ...and only at the start of a line: headings, subtext ("-#"), lists, numbered lists.
_LINE_START = re.compile(r"^([ \t]*)([#+\-])", re.MULTILINE)
_NUMBERED = re.compile(r"^([ \t]*\d+)\.(?=[ \t])", re.MULTILINE)

discord_len = utf16_len  # never less than the character count Discord checks


def escape(text: str) -> str:
    """Text shown as it is: no markdown, no mentions (``@everyone``, ``<@123>``, ``<#1>``, …)."""
    text = strip_controls(text).translate(_INLINE)
    text = _LINE_START.sub(r"\1\\\2", text)
    text = _NUMBERED.sub(r"\1\\.", text)
    # "<" is escaped above, which already disarms <@id>, <@&id>, <#id> and <t:…>; @everyone
    # and @here need no brackets, so they get a zero-width space.
    return break_broadcasts(text, ZWSP)


def plain(text: str) -> str:
    """For footers, which Discord shows without markdown (a backslash would show): one line,
    mentions broken by a zero-width space instead."""
    return neutralise_mentions(tidy(text), ZWSP)


def line(text: str) -> str:
    """Escaped, on one line (titles, names, list items)."""
    return escape(tidy(text))


def clip(raw: str, limit: int, render: Callable[[str], str] = escape) -> str:
    """``render(raw)`` cut to at most ``limit`` UTF-16 units, ending in "…" when cut.

    The raw text is cut, not the rendered one, so an escape sequence is never split.
    """
    # Rendering lengthens text, or shortens it only by dropping invisible characters and
    # repeated spaces: look at a bounded head, so 100 KB of article costs no more than 4 KB.
    head = raw[: limit * 4 + 64]
    full = render(head)
    if len(head) == len(raw) and discord_len(full) <= limit:
        return full
    budget = limit - discord_len(ELLIPSIS)
    raw = head
    # The longest prefix whose rendering fits: rendered length grows almost linearly with the
    # prefix, so interpolate, with a bisection every other step to bound the worst case.
    lo, lo_len, hi, hi_len = 0, 0, len(raw) + 1, discord_len(full) + 1
    step = 0
    while hi - lo > 1:
        if step % 2 == 0 and hi_len > lo_len:
            mid = lo + (budget - lo_len) * (hi - lo) // (hi_len - lo_len)
            mid = min(max(mid, lo + 1), hi - 1)
        else:
            mid = (lo + hi) // 2
        step += 1
        size = discord_len(render(raw[:mid].rstrip()))
        if size <= budget:
            lo, lo_len = mid, size
        else:
            hi, hi_len = mid, size
    cut = raw[:lo]
    space = cut.rfind(" ")
    if space > lo - 30 and space > 0:  # end on a word when one ends nearby
        cut = cut[:space]
    return render(cut.rstrip()) + ELLIPSIS


def safe_url(url: str | None) -> str | None:
    """An http(s) URL Discord accepts as a link, or None."""
    return checked_url(url, URL_LIMIT)


def link(label: str, url: str | None, limit: int) -> str:
    """A masked link ``[label](url)``, or the escaped label alone when the URL is not safe."""
    target = safe_url(url)
    if target is None:
        return clip(label, limit, line)
    # Parentheses and angle brackets would end the link early or open a tag.
    target = link_target(target)
    room = limit - discord_len(target) - 4
    if room < 8:
        return clip(label, limit, line)
    return f"[{clip(label, room, line)}]({target})"


def split_text(text: str, limit: int = CONTENT_LIMIT) -> list[str]:
    """Already-escaped text in pieces of at most ``limit``, cut at line or word ends."""
    pieces: list[str] = []
    text = text.strip()
    while discord_len(text) > limit:
        window = utf16_prefix(text, limit)  # astral characters count twice
        cut = max(window.rfind("\n"), 0)
        if cut < len(window) // 2:
            cut = window.rfind(" ")
        if cut < len(window) // 2:
            cut = len(window)
            while cut > 1 and _escapes_next(window, cut):
                cut -= 1
        pieces.append(text[:cut].rstrip())
        text = text[cut:].strip()
    if text:
        pieces.append(text)
    return pieces


def _escapes_next(text: str, cut: int) -> bool:
    """Whether the character before ``cut`` is a backslash escaping the one after it."""
    run = len(text[:cut]) - len(text[:cut].rstrip("\\"))
    return run % 2 == 1


# --- fields and bullets ---------------------------------------------------------------------


def bullets(items: Sequence[str], limit: int = FIELD_VALUE_LIMIT) -> str:
    """Escaped items as "• item" lines; whatever does not fit is counted, not cut mid-list."""
    lines: list[str] = []
    for index, item in enumerate(items):
        bullet = "• " + clip(item, ITEM_BUDGET, line)
        rest = len(items) - index - 1
        tail = [f"…and {rest} more"] if rest else []
        if discord_len("\n".join([*lines, bullet, *tail])) > limit:
            lines.append(f"…and {len(items) - index} more")
            break
        lines.append(bullet)
    return "\n".join(lines)


def _field(name: str, items: Sequence[str], inline: bool = False) -> EmbedField | None:
    items = [i for i in items if i.strip()]
    if not items:
        return None
    return EmbedField(name=clip(name, FIELD_NAME_LIMIT), value=bullets(items), inline=inline)


def _who(brief: Brief, top: int) -> list[str]:
    return [f"{a.name} — {a.role}" if a.role else a.name for a in brief.who[:top]]


def _where(brief: Brief, top: int) -> list[str]:
    return [f"{p.name} ({p.detail})" if p.detail else p.name for p in brief.where[:top]]


def _footer_and_time(outlet: str | None, published: str | None) -> tuple[str, str | None]:
    """Footer text and an ISO timestamp when ``published`` is one (Discord shows it localised)."""
    stamp: str | None = None
    parts = [outlet] if outlet and outlet.strip() else []
    if published and published.strip():
        try:
            stamp = datetime.fromisoformat(published.strip()).isoformat()
        except ValueError:
            parts.append(published)
    return clip(" · ".join(parts), FOOTER_BUDGET, plain), stamp


def _title(*candidates: str | None) -> str:
    for candidate in candidates:
        if candidate and (title := clip(candidate, TITLE_LIMIT, line)):
            return title
    return "Untitled article"


# --- fitting and packing ----------------------------------------------------------------------


def fit(embed: Embed) -> list[Embed]:
    """An embed over the per-message total becomes itself plus continuation embeds (fields)."""
    if embed.size() <= EMBED_TOTAL_LIMIT and len(embed.fields) <= FIELDS_PER_EMBED:
        return [embed]
    more = f"{embed.title} (continued)"
    more = more if discord_len(more) <= TITLE_LIMIT else "(continued)"
    out: list[Embed] = []
    current = replace(embed, fields=())
    for field in embed.fields:
        candidate = replace(current, fields=(*current.fields, field))
        if candidate.size() <= EMBED_TOTAL_LIMIT and len(candidate.fields) <= FIELDS_PER_EMBED:
            current = candidate
            continue
        out.append(current)
        current = Embed(title=more, url=embed.url, fields=(field,), color=embed.color)
    out.append(current)
    return out


def pack(embeds: Iterable[Embed], content: str = "") -> list[DiscordMessage]:
    """Embeds into as few messages as the limits allow (10 per message, 6,000 characters)."""
    messages: list[DiscordMessage] = []
    current: list[Embed] = []
    total = 0
    for piece in (p for e in embeds for p in fit(e)):
        if current and (len(current) == EMBEDS_PER_MESSAGE or total + piece.size() > EMBED_TOTAL_LIMIT):
            messages.append(DiscordMessage(content=content if not messages else "", embeds=tuple(current)))
            current, total = [], 0
        current.append(piece)
        total += piece.size()
    if current or content:
        messages.append(DiscordMessage(content=content if not messages else "", embeds=tuple(current)))
    return messages


def _with_content(text: str, embeds: Sequence[Embed] = ()) -> list[DiscordMessage]:
    """Escaped text over as many messages as it needs, the embeds after the last piece."""
    pieces = split_text(text) or [""]
    head = [DiscordMessage(content=p) for p in pieces[:-1]]
    return head + pack(embeds, content=pieces[-1])


# --- replies --------------------------------------------------------------------------------


def brief_embed(brief: Brief, source: Source | None = None) -> Embed:
    outlet = source.outlet if source else None
    published = (source.published if source else None) or brief.published
    footer, stamp = _footer_and_time(outlet, published)
    fields = [
        _field("Who", _who(brief, TOP_WHO), inline=True),
        _field("Where", _where(brief, TOP_WHERE), inline=True),
        _field("Objectives", brief.objectives[:TOP_PHRASES]),
        _field("Open issues", brief.open_issues[:TOP_PHRASES]),
    ]
    return Embed(
        title=_title(brief.title, source.title if source else None, brief.id),
        url=safe_url((source.url if source else None) or brief.url),
        description=clip(brief.tldr, DESCRIPTION_LIMIT),
        fields=tuple(f for f in fields if f),
        footer=footer,
        timestamp=stamp,
    )


def digest_item_embed(item: DigestItem, position: int, count: int) -> Embed:
    brief = item.brief
    lead = item.sources[0] if item.sources else None
    fields = [
        _field("Who", _who(brief, DIGEST_TOP), inline=True),
        _field("Where", _where(brief, DIGEST_TOP), inline=True),
        _field("Objectives", brief.objectives[:DIGEST_TOP]),
        _field("Open issues", brief.open_issues[:DIGEST_TOP]),
    ]
    value = ""
    for index, source in enumerate(item.sources):  # as many links as fit, then "+N"
        one = link(source.outlet or source.title or "source", source.url, ITEM_BUDGET)
        rest = f" · +{len(item.sources) - index}"
        joined = f"{value} · {one}" if value else one
        if discord_len(joined) + discord_len(rest) > FIELD_VALUE_LIMIT:
            value += rest
            break
        value = joined
    if value:
        fields.append(EmbedField(name="Sources", value=value))
    return Embed(
        title=_title(brief.title, lead.title if lead else None, brief.id),
        url=safe_url((lead.url if lead else None) or brief.url),
        description=clip(brief.tldr, DIGEST_TLDR_BUDGET),
        fields=tuple(f for f in fields if f),
        footer=f"{position}/{count}",
    )


def render_brief(reply: BriefReply) -> list[DiscordMessage]:
    return pack([brief_embed(reply.brief, reply.source)])


def render_digest(reply: DigestReply) -> list[DiscordMessage]:
    count = len(reply.items)
    heading = "**" + (clip(reply.title, CONTENT_LIMIT - 40, line) or "Digest") + "**"
    if not count:
        return [DiscordMessage(content=heading + "\nNothing new since the last digest.")]
    heading += f" — {count} stor{'y' if count == 1 else 'ies'}"
    return pack((digest_item_embed(item, i, count) for i, item in enumerate(reply.items, 1)), heading)


def render_answer(reply: AnswerReply) -> list[DiscordMessage]:
    answer = reply.answer
    text = "I couldn't find an answer in what I've read."
    if answer.answer and answer.answer.strip():
        text = clip(answer.answer, ANSWER_BUDGET)
    lines: list[str] = []
    for n, citation in enumerate(answer.citations, 1):
        head = f"**[{n}]** " + link(citation.title or citation.url or "source", citation.url, 600)
        if citation.source:
            head += " — " + clip(citation.source, 100, line)
        lines.append(head)
        if citation.quote.strip():
            lines.append("> " + clip(citation.quote, ITEM_BUDGET, line))
    embeds = [
        Embed(title="Sources", description=chunk)
        for chunk in pack_lines(lines, DESCRIPTION_LIMIT, discord_len)
    ]
    return _with_content(text, embeds)


def render_list(reply: ListReply) -> list[DiscordMessage]:
    title = clip(reply.title, TITLE_LIMIT, line) or "List"
    if not reply.items:
        return pack([Embed(title=title, description=clip(reply.empty_text, DESCRIPTION_LIMIT))])
    lines = []
    for item in reply.items:
        entry = f"**{clip(item.id, 100, line)}** — {clip(item.text, 600, line)}"
        if item.detail.strip():
            entry += "\n" + clip(item.detail, 600, line)
        lines.append(entry)
    chunks = pack_lines(lines, DESCRIPTION_LIMIT, discord_len)
    return pack(Embed(title=title if i == 0 else "", description=c) for i, c in enumerate(chunks))


def render_help(reply: HelpReply) -> list[DiscordMessage]:
    fields = []
    for entry in reply.entries:
        # Discord's own form of the command (its options by name) where the entry has one.
        usage = entry.slash_usage or command_line(entry.usage)
        suffix = " (admins)" if entry.admin else ""
        name = clip(usage, FIELD_NAME_LIMIT - len(suffix), line) + suffix
        value = clip(entry.description, FIELD_VALUE_LIMIT)
        if example_text := (entry.slash_example or entry.example).strip():
            example = "\nExample: " + clip(example_text, 300, line)
            value = clip(entry.description, FIELD_VALUE_LIMIT - discord_len(example)) + example
        fields.append(EmbedField(name=name, value=value or "—"))
    intro = clip(reply.intro, DESCRIPTION_LIMIT)
    embeds = [
        Embed(
            title="Briefbot commands" if i == 0 else "Briefbot commands (continued)",
            description=intro if i == 0 else "",
            fields=tuple(fields[i : i + FIELDS_PER_EMBED]),
        )
        for i in range(0, max(len(fields), 1), FIELDS_PER_EMBED)
    ]
    return pack(embeds)


def render(reply: Reply) -> list[DiscordMessage]:
    """Any reply as the Discord messages that carry it (at least one)."""
    match reply:
        case BriefReply():
            return render_brief(reply)
        case DigestReply():
            return render_digest(reply)
        case AnswerReply():
            return render_answer(reply)
        case ListReply():
            return render_list(reply)
        case HelpReply():
            return render_help(reply)
        case Confirmation():
            return _with_content("✅ " + clip(reply.text, CONTENT_LIMIT - 2))
        case ErrorReply():
            text = "⚠️ " + clip(reply.text, 1500)
            if reply.hint and reply.hint.strip():
                text += "\n" + clip(reply.hint, CONTENT_LIMIT - discord_len(text) - 1)
            return _with_content(text)
        case _:
            assert_never(reply)
