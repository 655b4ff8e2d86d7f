"""Plain text for the terminal (and the fallback text of chat messages)."""

from __future__ import annotations

from summarizer.brief import Brief

TOP_WHO = 6
TOP_WHERE = 5
TOP_PHRASES = 5


def render_brief(brief: Brief) -> str:
    lines: list[str] = []
    heading = brief.title or brief.id
    lines.append(heading)
    if brief.url:
        lines.append(brief.url)
    if brief.tldr:
        lines += ["", brief.tldr]
    if brief.who:
        people = [f"{a.name} ({a.role})" if a.role else a.name for a in brief.who[:TOP_WHO]]
        lines += ["", "Who:   " + "; ".join(people)]
    if brief.where:
        places = [f"{p.name} ({p.detail})" if p.detail else p.name for p in brief.where[:TOP_WHERE]]
        lines.append("Where: " + "; ".join(places))
    for label, items in (("Objectives", brief.objectives), ("Open issues", brief.open_issues)):
        if items:
            lines += ["", f"{label}:"] + [f"  - {item}" for item in items[:TOP_PHRASES]]
    return "\n".join(lines)
