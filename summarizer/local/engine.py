"""From a parsed spaCy ``Doc`` to a ``Brief`` (first version: entities by frequency)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from summarizer.brief import Actor, Article, Brief, Place

_WHO = {"PERSON": "person", "ORG": "organization"}
_WHERE = {"GPE", "LOC", "FAC"}
_OBJECTIVE_CUES = ("aim", "seek", "plan", "hope", "want", "goal", "objective", "intend")
_ISSUE_CUES = ("dispute", "concern", "fear", "unresolved", "pending", "odds", "unclear", "risk")
MAX_ENTITIES = 8
MAX_PHRASES = 6


def build_brief(doc: Any, article: Article, backend: str) -> Brief:
    who_counts: Counter[tuple[str, str]] = Counter()
    where_counts: Counter[str] = Counter()
    for ent in doc.ents:
        name = ent.text.strip().removeprefix("the ").removeprefix("The ")
        if ent.label_ in _WHO:
            who_counts[(name, _WHO[ent.label_])] += 1
        elif ent.label_ in _WHERE:
            where_counts[name] += 1
    who = tuple(
        Actor(name=n, kind="person" if k == "person" else "organization", mentions=c)
        for (n, k), c in who_counts.most_common(MAX_ENTITIES)
    )
    where = tuple(Place(name=n, mentions=c) for n, c in where_counts.most_common(MAX_ENTITIES))
    sents = [s.text.strip() for s in doc.sents if s.text.strip()]
    objectives = tuple(s for s in sents if any(c in s.lower() for c in _OBJECTIVE_CUES))[:MAX_PHRASES]
    issues = tuple(s for s in sents if any(c in s.lower() for c in _ISSUE_CUES))[:MAX_PHRASES]
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
