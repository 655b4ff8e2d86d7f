"""Plain text for the terminal (and the fallback text of chat messages).

Pure functions of replies. Every piece of text that came from elsewhere (articles, feeds,
users) goes through ``bot.render.escape``: no control characters reach the terminal, no mention
reaches a chat, no field grows without bound.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from bot.render.escape import multi_line, one_line, safe_url, split_message
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

TOP_WHO = 6
TOP_WHERE = 5
TOP_PHRASES = 5

DIGEST_WHO = 3
DIGEST_WHERE = 3
DIGEST_SOURCES = 6

TITLE_MAX = 200
TLDR_MAX = 600
ITEM_MAX = 160
NAME_MAX = 80
TEXT_MAX = 2000


def render(reply: Reply) -> str:
    """Any reply as plain text."""
    match reply:
        case BriefReply():
            return render_brief(reply.brief, reply.source)
        case DigestReply():
            return render_digest(reply)
        case AnswerReply():
            return render_answer(reply)
        case ListReply():
            return render_list(reply)
        case Confirmation():
            return multi_line(reply.text, TEXT_MAX)
        case ErrorReply():
            return render_error(reply)
        case HelpReply():
            return render_help(reply)


def render_chunks(reply: Reply, limit: int) -> list[str]:
    """The reply as plain-text messages of at most ``limit`` characters each."""
    return split_message(render(reply), limit)


def render_brief(brief: Brief, source: Source | None = None) -> str:
    lines = [one_line(brief.title or brief.id, TITLE_MAX)]
    outlet = _source_label(source) if source else ""
    url = safe_url(brief.url) or (safe_url(source.url) if source else None)
    meta = " · ".join(x for x in (outlet, one_line(brief.published, 40)) if x)
    if meta:
        lines.append(meta)
    if url:
        lines.append(url)
    if brief.tldr:
        lines += ["", one_line(brief.tldr, TLDR_MAX)]
    who = _who(brief, TOP_WHO)
    where = _where(brief, TOP_WHERE)
    if who or where:
        lines.append("")
    if who:
        lines.append("Who:   " + who)
    if where:
        lines.append("Where: " + where)
    for label, items in (("Objectives", brief.objectives), ("Open issues", brief.open_issues)):
        shown = [one_line(item, ITEM_MAX) for item in items[:TOP_PHRASES]]
        shown = [s for s in shown if s]
        if shown:
            lines += ["", f"{label}:"] + [f"  - {s}" for s in shown]
    return "\n".join(lines)


def render_digest(reply: DigestReply) -> str:
    lines = [one_line(reply.title, TITLE_MAX)]
    if not reply.items:
        lines.append("Nothing new since the last digest.")
        return "\n".join(lines)
    count = len(reply.items)
    lines.append(f"{count} {'story' if count == 1 else 'stories'}")
    for number, item in enumerate(reply.items, 1):
        lines += ["", *_digest_item(number, item)]
    return "\n".join(lines)


def _digest_item(number: int, item: DigestItem) -> list[str]:
    brief = item.brief
    indent = " " * (len(str(number)) + 2)
    lines = [f"{number}. {one_line(brief.title or brief.id, TITLE_MAX)}"]
    if brief.tldr:
        lines.append(indent + one_line(brief.tldr, 320))
    who = _who(brief, DIGEST_WHO)
    where = _where(brief, DIGEST_WHERE)
    if who:
        lines.append(indent + "Who: " + who)
    if where:
        lines.append(indent + "Where: " + where)
    sources = [_source_line(s) for s in item.sources[:DIGEST_SOURCES]]
    more = len(item.sources) - DIGEST_SOURCES
    if len(sources) == 1:
        lines.append(indent + "Source: " + sources[0])
    elif sources:
        lines.append(indent + f"Sources ({len(item.sources)}):")
        lines += [indent + "  - " + s for s in sources]
        if more > 0:
            lines.append(indent + f"  … and {more} more")
    return lines


def render_answer(reply: AnswerReply) -> str:
    answer = reply.answer
    if not answer.answer:
        return (
            "I couldn't find that in what I've read. Try other words, or brief an article about it "
            "first (/brief <url>)."
        )
    lines = [multi_line(answer.answer, TEXT_MAX)]
    if answer.citations:
        lines += ["", "Sources:"]
        for number, cite in enumerate(answer.citations, 1):
            label = one_line(cite.title or cite.id, TITLE_MAX)
            outlet = one_line(cite.source, NAME_MAX)
            line = f"  [{number}] {label}" + (f" ({outlet})" if outlet else "")
            url = safe_url(cite.url)
            if url:
                line += f" {url}"
            lines.append(line)
            if cite.quote:
                lines.append(f'      "{one_line(cite.quote, 300)}"')
    return "\n".join(lines)


def render_list(reply: ListReply) -> str:
    lines = [one_line(reply.title, TITLE_MAX)]
    if not reply.items:
        lines.append(multi_line(reply.empty_text, TEXT_MAX))
        return "\n".join(lines)
    for item in reply.items:
        ident = one_line(item.id, 40)
        line = f"  [{ident}] " if ident else "  - "
        line += one_line(item.text, 300)
        lines.append(line)
        if item.detail:
            lines.append("        " + one_line(item.detail, 400))
    return "\n".join(lines)


def render_error(reply: ErrorReply) -> str:
    text = multi_line(reply.text, TEXT_MAX)
    if reply.hint:
        text += "\n" + multi_line(reply.hint, TEXT_MAX)
    return text


def render_help(reply: HelpReply) -> str:
    lines = [multi_line(reply.intro, TEXT_MAX)] if reply.intro else []
    usages = [command_line(one_line(e.usage, 120)) for e in reply.entries]
    width = min(max((len(u) for u in usages), default=0), 44)
    for entry, usage in zip(reply.entries, usages, strict=True):
        mark = " (admins)" if entry.admin else ""
        if len(usage) > width:
            lines.append(f"  {usage}")
            lines.append(f"  {'':{width}}  {one_line(entry.description, 300)}{mark}")
        else:
            lines.append(f"  {usage:{width}}  {one_line(entry.description, 300)}{mark}")
        if entry.example:
            lines.append(f"  {'':{width}}  e.g. {command_line(one_line(entry.example, 300))}")
    return "\n".join(lines)


def command_line(text: str) -> str:
    """A help usage or example as typed: ``/brief`` first (entries may leave it out)."""
    text = text.strip()
    return text if text.startswith("/") else f"/brief {text}".strip()


def _who(brief: Brief, top: int) -> str:
    return _labelled((a.name, a.role) for a in brief.who[:top])


def _where(brief: Brief, top: int) -> str:
    return _labelled((p.name, p.detail) for p in brief.where[:top])


def _labelled(items: Iterable[tuple[str, str | None]]) -> str:
    """Each name with its role or detail, when it has one: `Name (role); Name`."""
    out = []
    for name, label in items:
        name, label = one_line(name, NAME_MAX), one_line(label, NAME_MAX)
        out.append(f"{name} ({label})" if label else name)
    return "; ".join(x for x in out if x)


def _source_label(source: Source) -> str:
    outlet = one_line(source.outlet, NAME_MAX)
    if outlet:
        return outlet
    url = safe_url(source.url)
    return urlsplit(url).hostname or "" if url else ""


def _source_line(source: Source) -> str:
    label = _source_label(source)
    title = one_line(source.title, 120)
    text = f"{label}: {title}" if label and title else label or title or "(untitled)"
    url = safe_url(source.url)
    return f"{text} {url}" if url else text
