"""Which entities a reader would list under who and where, and in what order: a learned ranking.

Two logistic models (``who`` and ``where``) give each merged entity the chance that a careful
reader lists it under that heading. They were fitted on the 268 silver briefs (``make train``)
over what the article shows of the entity, never its name: how often and how early it is
named, in the headline, the lead or the dateline, how the model labelled its mentions and
whether those labels agree, the grammatical roles of its mentions (a subject acts; a noun
modifier, "the Windows XP update", is a product), its capitals and shape, whether the article
gives it a role.

Which heading an entity goes under is learned as well (``place``), from what the briefs do
rather than from the model's label: of the names listed under one heading, those listed under
where, in the silver briefs (not CoNLL-2003, whose LOC is every place name whatever it does).
A country that acts ("the country said") can be listed under who, a venue the model calls an
organisation under where.

Entities are ranked by that chance. Whether a name is kept at all is another question, asked
of another model (``real``) fitted on CoNLL-2003 dev, where every person, organisation and
place is annotated, minor or not: products, languages, programme names and stray capitals
fall below its floor, real but minor names stay at the end of the list.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from summarizer.local.entities import Entity
from summarizer.local.evidence import DATELINE
from summarizer.local.gazetteer import (
    CITY_KEYS,
    COUNTRY_KEYS,
    EVENT_HEADS,
    ORGANIZATION_HEADS,
    PLACE_HEADS,
    name_key,
)
from summarizer.local.learned import ModelFile
from summarizer.local.mentions import CANDIDATE, LABEL_KIND

if TYPE_CHECKING:  # spaCy is imported by the pipeline when a model loads, not by this module
    from spacy.tokens import Doc

Heading = Literal["who", "where"]

_COUNTRIES = frozenset(COUNTRY_KEYS.values())


def entity_features(
    entity: Entity, doc: Doc, text_length: int, body_start: int, lead_end: int, has_role: bool
) -> dict[str, float]:
    """Named features of one merged entity (see the module's docstring)."""
    f: dict[str, float] = {f"kind={entity.kind}": 1.0, f"label={entity.label}": 1.0}
    mentions = entity.mentions
    n = max(len(mentions), 1)
    f["log_count"] = math.log1p(entity.count)
    f[f"count={min(entity.count, 5)}"] = 1.0
    f["first"] = entity.first_char / max(text_length, 1)
    first_sent = min((m.sent for m in mentions), default=0)
    f[f"first_sent={min(first_sent, 8)}"] = 1.0
    f["in_title"] = float(any(m.start_char < body_start for m in mentions))
    f["in_lead"] = float(any(body_start <= m.start_char < lead_end for m in mentions))
    f["dateline"] = float(is_dateline_place(entity))
    f["role"] = float(has_role)
    f["forms"] = float(min(len(entity.aliases), 4))
    labels = Counter(m.label for m in mentions)
    for label, count in labels.items():
        f[f"has_label={label or 'none'}"] = 1.0
        f[f"share_label={label or 'none'}"] = count / n
    agree = sum(c for label, c in labels.items() if label != CANDIDATE and LABEL_KIND[label] == entity.kind)
    f["agreement"] = agree / n
    f["unlabelled"] = labels.get(CANDIDATE, 0) / n
    deps: Counter[str] = Counter()
    governors: Counter[str] = Counter()
    the = starts = 0
    for m in mentions:
        root = doc[m.end - 1]
        deps[root.dep_] += 1
        governor = root.head
        if (
            governor.i != root.i
            and governor.pos_ in ("VERB", "ADP", "AUX")
            and not (m.start <= governor.i < m.end)
        ):
            governors[governor.lemma_.lower()] += 1
        if m.start > 0 and doc[m.start - 1].lower_ == "the":
            the += 1
        if doc[m.start].is_sent_start:
            starts += 1
    for dep, count in deps.items():
        f[f"dep={dep}"] = count / n
    for lemma, count in governors.items():
        f[f"governor={lemma}"] = count / n
    f["subject"] = (deps["nsubj"] + deps["nsubjpass"]) / n
    f["modifier"] = (deps["compound"] + deps["amod"]) / n
    f["after_the"] = the / n
    f["sentence_start"] = starts / n
    key = name_key(entity.name)
    words = key.split()
    f[f"words={min(len(words), 4)}"] = 1.0
    compact = entity.name.replace(".", "")
    f["acronym"] = float(compact.isupper() and compact.isalpha() and len(compact) <= 6)
    f["digit"] = float(any(c.isdigit() for c in entity.name))
    f["country"] = float(bool(entity.keys & _COUNTRIES) or key in COUNTRY_KEYS)
    f["city"] = float(key in CITY_KEYS)
    last = words[-1] if words else ""
    f["head_org"] = float(last in ORGANIZATION_HEADS)
    f["head_place"] = float(last in PLACE_HEADS)
    f["head_event"] = float(last in EVENT_HEADS)
    f[f"suffix={last[-3:]}"] = 1.0 if len(words) == 1 else 0.0
    return {k: v for k, v in f.items() if v}


def is_dateline_place(entity: Entity) -> bool:
    """The place a dateline names ("LONDON 1996-08-30", "PARIS (AP) -"): where the story is filed."""
    return entity.kind == "place" and any(
        kind == "place" and weight == DATELINE for m in entity.mentions for kind, weight in m.votes
    )


@dataclass(frozen=True, slots=True)
class Chance:
    """What the models make of one entity: the chances that a reader lists it under who and
    under where, that it is a real name at all, and that, listed, it is listed as a place."""

    who: float
    where: float
    real: float
    place: float

    @property
    def heading(self) -> Heading:
        return "where" if self.place >= 0.5 else "who"

    def listed(self, heading: Heading) -> float:
        return self.where if heading == "where" else self.who


Chances = list[Chance]


def entity_chances(
    doc: Doc,
    original: str,
    body_start: int,
    lead_end: int,
    entities: Sequence[Entity],
    roles: Mapping[int, str],
    models: ModelFile,
) -> Chances:
    """What the models make of each entity (see ``Chance``)."""
    who, where, real, place = (models.model(name) for name in ("who", "where", "real", "place"))
    out = []
    for n, e in enumerate(entities):
        f = entity_features(e, doc, len(original), body_start, lead_end, n in roles)
        chance = Chance(who.probability(f), where.probability(f), real.probability(f), place.probability(f))
        out.append(chance)
    return out


def order(entities: Sequence[Entity], chances: Chances, heading: Heading, floor: float) -> list[int]:
    """Indices of the real names (at or above ``floor``) under ``heading``, likeliest listed first;
    a dateline's place leads the places, as news writes it first."""
    mine = [n for n, c in enumerate(chances) if c.heading == heading and c.real >= floor]

    def rank(n: int) -> tuple[bool, float, int]:
        return (not is_dateline_place(entities[n]), -chances[n].listed(heading), entities[n].first_char)

    return sorted(mine, key=rank)
