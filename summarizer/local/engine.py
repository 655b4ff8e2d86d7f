"""From a parsed article to a ``Brief``: the steps, in order, each in its own module."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from summarizer.brief import Actor, Article, Brief, Place
from summarizer.local.casing import truecase
from summarizer.local.entities import Entity, find_entities
from summarizer.local.phrases import find_phrases
from summarizer.local.roles import find_roles, role_kind

MAX_WHO = 300
MAX_WHERE = 200


@dataclass(frozen=True, slots=True)
class Prepared:
    """The text the model parses: the title, a blank line, the body; capitals re-cased."""

    original: str
    parsed: str
    body_start: int


def prepare(article: Article) -> Prepared:
    return Prepared(original=article.text, parsed=truecase(article.text), body_start=0)


def build_brief(doc: Any, article: Article, backend: str, prepared: Prepared | None = None) -> Brief:
    prepared = prepared or prepare(article)
    body_sents = [s for s in doc.sents if s.start_char >= prepared.body_start and s.text.strip()]
    lead_end = body_sents[0].end_char if body_sents else prepared.body_start
    entities = find_entities(doc, prepared.original, article.title, lead_end)
    roles = find_roles(doc, prepared.original, entities)
    who = tuple(_actor(e, roles.get(n)) for n, e in enumerate(entities) if e.kind != "place")[:MAX_WHO]
    where = tuple(_place(e) for e in entities if e.kind == "place")[:MAX_WHERE]
    sents = [prepared.original[s.start_char : s.end_char].strip() for s in body_sents]
    objectives, issues = find_phrases(doc, prepared.original, entities, prepared.body_start)
    return Brief(
        id=article.id,
        title=article.title,
        url=article.url,
        published=article.published,
        tldr=" ".join(sents[:1]),
        who=who,
        where=where,
        objectives=objectives,
        open_issues=issues,
        backend=backend,
    )


def _actor(e: Entity, role: str | None) -> Actor:
    kind = (role_kind(role) if role else None) or e.kind
    return Actor(
        name=e.name,
        role=role,
        kind="person" if kind == "person" else "organization",
        mentions=e.count,
        aliases=e.aliases,
    )


def _place(e: Entity) -> Place:
    return Place(name=e.name, detail=None, mentions=e.count, aliases=e.aliases)
