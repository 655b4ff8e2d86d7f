"""From a parsed article to a ``Brief``: the steps, in order, each in its own module.

casing     lines in capitals re-cased for the model (offsets unchanged)
mentions   the model's entities cut into clean names, plus names it missed
evidence   what the context says each name is (person, organisation, place)
entities   names merged into real-world entities, counted
roles      the role the article gives each person or organisation
salience   who and where ranked, and non-names dropped, by learned models
phrases    objectives and open issues: clauses (``clauses``) chosen by learned models, cut
           to short phrases by a learned compressor (``compress``)
tldr       the lead, cleaned

The learned models (``learned``) are fitted by ``make train`` (``training``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from summarizer.brief import Actor, Article, Brief, Place
from summarizer.local.casing import truecase
from summarizer.local.entities import Entity, find_entities, venue_details
from summarizer.local.learned import load_models
from summarizer.local.phrases import MODEL_FILE, find_phrases
from summarizer.local.roles import find_roles, role_kind
from summarizer.local.salience import entity_chances, order
from summarizer.local.tldr import make_tldr

if TYPE_CHECKING:  # spaCy is imported by the pipeline when a model loads, not by this module
    from spacy.tokens import Doc

# Ranked lists, bounded so that even a results table gives a brief of modest size; chat
# renderings show only the top few.
MAX_WHO = 150
MAX_WHERE = 150
TLDR_SENTENCES = 4
MAX_CHARS = 100_000

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Prepared:
    """The headline, a blank line and the text, and the re-cased copy of it (same length) that
    the model parses; ``body_start`` is where the text begins."""

    original: str
    parsed: str
    body_start: int = 0


def prepare(article: Article) -> Prepared:
    """What the model parses: the headline and at most ``MAX_CHARS`` of the text, re-cased."""
    text = article.text
    if len(text) > MAX_CHARS:
        # A book-length paste would take minutes and exceed the model's limit; news fits well
        # within this, so brief the beginning, cut at a line break.
        cut = text.rfind("\n", 0, MAX_CHARS)
        text = text[: cut if cut > MAX_CHARS // 2 else MAX_CHARS]
        log.info("brief truncated id=%s chars=%d kept=%d", article.id, len(article.text), len(text))
    title = " ".join(article.title.split())
    head = f"{title}\n\n" if title else ""
    original = head + text
    return Prepared(original=original, parsed=truecase(original), body_start=len(head))


def build_brief(doc: Doc, article: Article, backend: str, prepared: Prepared | None = None) -> Brief:
    """The brief of ``article``, from ``doc``, the parse of ``prepared.parsed``."""
    prepared = prepared or prepare(article)
    original, body_start = prepared.original, prepared.body_start
    sentences = [s for s in doc.sents if s.start_char >= body_start and not s.text.isspace()]
    lead_end = sentences[0].end_char if sentences else body_start
    entities = find_entities(doc, original, body_start, lead_end)
    roles = find_roles(doc, original, entities)
    details = venue_details(entities)
    models = load_models(MODEL_FILE)
    chances = entity_chances(doc, original, body_start, lead_end, entities, roles, models)
    who = tuple(
        _actor(entities[n], roles.get(n))
        for n in order(entities, chances, "who", models.setting("real_floor"))
    )
    where = tuple(
        _place(entities[n], details.get(n))
        for n in order(entities, chances, "where", models.setting("real_floor"))
    )
    objectives, issues = find_phrases(doc, original, entities, body_start)
    lead = [original[s.start_char : s.end_char] for s in sentences[:TLDR_SENTENCES]]
    return Brief(
        id=article.id,
        title=article.title,
        url=article.url,
        published=article.published,
        tldr=make_tldr(lead),
        who=who[:MAX_WHO],
        where=where[:MAX_WHERE],
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


def _place(e: Entity, detail: str | None) -> Place:
    return Place(name=e.name, detail=detail, mentions=e.count, aliases=e.aliases)
