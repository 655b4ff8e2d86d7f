"""Training examples derived from briefs: which clause an item was written from, which words it kept.

An item ("Clarke refuses to launch an investigation") is matched to the clause of its article
that holds the largest share of its content words; when that share is at least half (the
scorer's own bar for a hit) the clause is a positive example of the item's kind, and the
branches of that clause which hold any of the item's words are positive examples for the
compressor, and its content words that the item kept positive examples for the word model
(``keep``). Everything else is a negative example.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from spacy.tokens import Doc

from summarizer.local.clauses import CONTEXT, Clause
from summarizer.local.compress import counts_as_word, edge_features, scored_edges, word_features
from summarizer.local.entities import Entity
from summarizer.local.gazetteer import name_key
from summarizer.local.phrases import KINDS, ItemKind, candidate_features
from summarizer.local.roles import find_roles
from summarizer.local.salience import entity_features
from summarizer.local.training.data import Parsed
from summarizer.text import item_words

GOLD_KEYS: dict[ItemKind, str] = {"objective": "objectives", "issue": "open_issues"}
MATCH = 0.5

Features = dict[str, float]


@dataclass(slots=True)
class Examples:
    """Feature dicts and 0/1 labels, per model."""

    features: dict[str, list[Features]] = field(default_factory=dict)
    labels: dict[str, list[int]] = field(default_factory=dict)

    def add(self, model: str, features: Features, label: bool) -> None:
        self.features.setdefault(model, []).append(features)
        self.labels.setdefault(model, []).append(int(label))


def clause_words(clause: Clause, doc: Doc) -> set[str]:
    words = item_words(" ".join(doc[i].text for i in clause.tokens()))
    if clause.speech is not None:
        words |= item_words(" ".join(t.text for t in clause.speech.lefts))
    return words


def phrase_examples(parsed: Sequence[Parsed]) -> Examples:
    """Examples for the two clause models (``objective``, ``issue``) and the compressor."""
    out = Examples()
    for p in parsed:
        candidates = candidate_features(p.doc, p.prepared.original, p.entities, p.body_start)
        words = [clause_words(c, p.doc) for c, _, _ in candidates]
        positive: dict[ItemKind, set[int]] = {k: set() for k in KINDS}
        for kind in KINDS:
            for item in p.gold.get(GOLD_KEYS[kind]) or []:
                wanted = item_words(str(item))
                best = best_match(wanted, words)
                if best is None:
                    continue
                positive[kind].add(best)
                clause = candidates[best][0]
                for child, depth in scored_edges(clause):
                    hit = any(item_words(t.text) & wanted for t in child.subtree)
                    out.add("compress", edge_features(child, clause.head, depth), hit)
                for i in clause.tokens():
                    tok = p.doc[i]
                    if counts_as_word(tok):
                        out.add("keep", word_features(tok, clause.head), bool(item_words(tok.text) & wanted))
        for n, (_, feats, _) in enumerate(candidates):
            out.add("issue", feats, n in positive["issue"])
            plain = {k: v for k, v in feats.items() if not k.startswith(CONTEXT)}
            out.add("objective", plain, n in positive["objective"])
    return out


def best_match(wanted: set[str], words: Sequence[set[str]]) -> int | None:
    """The index of the clause that holds the largest share of ``wanted``, if it holds half."""
    if not wanted or not words:
        return None
    shares = [len(wanted & w) / len(wanted) for w in words]
    best = max(range(len(shares)), key=lambda n: (shares[n], -n))
    return best if shares[best] >= MATCH else None


def names_match(name: str, gold: dict[str, Any]) -> bool:
    """Whether ``name`` names the gold entity: its name or an alias, or a person's surname.

    The scorer's own rule, so that the labels reward what it rewards.
    """
    mine = name_key(name)
    if not mine:
        return False
    aliases = gold.get("aliases") or []
    forms = [name_key(str(gold["name"]))] + [name_key(str(a)) for a in aliases]
    if mine in forms:
        return True
    full = forms[0].split()
    words = mine.split()
    person_like = 2 <= len(full) <= 3 and str(gold["name"])[:1].isupper()
    return (
        person_like
        and words[-1] == full[-1]
        and (len(words) == 1 or words[0] == full[0] or len(words[0]) == 1)
    )


def entity_examples(parsed: Sequence[Parsed], out: Examples | None = None, model: str = "") -> Examples:
    """Examples for ``who`` and ``where``: every entity is an example of both, positive when
    the brief lists it under that heading by any of its names. With ``model`` given (``real``,
    from sets that list every name), the examples go to that one model, under the heading the
    entity's own kind gives it."""
    out = out if out is not None else Examples()
    for p in parsed:
        roles = find_roles(p.doc, p.prepared.original, p.entities)
        features = all_entity_features(p, roles)
        for n, entity in enumerate(p.entities):
            listed = listed_under(p, entity)
            if model:
                out.add(model, features[n], ("where" if entity.kind == "place" else "who") in listed)
                continue
            for heading in ("who", "where"):
                out.add(heading, features[n], heading in listed)
    return out


def place_examples(parsed: Sequence[Parsed], out: Examples) -> Examples:
    """Examples for ``place``: of the entities listed under exactly one heading, those listed
    under where. Whether a name is a place or an actor is learned from what the briefs do, not
    taken from the model's label: a country that acts is listed under who."""
    for p in parsed:
        roles = find_roles(p.doc, p.prepared.original, p.entities)
        features = all_entity_features(p, roles)
        for n, entity in enumerate(p.entities):
            listed = listed_under(p, entity)
            if len(listed) == 1:
                out.add("place", features[n], "where" in listed)
    return out


def listed_under(p: Parsed, entity: Entity) -> set[str]:
    """The headings (who, where) under which the brief of ``p`` lists ``entity``."""
    names = (entity.name, *entity.aliases)
    return {
        heading
        for heading in ("who", "where")
        for g in p.gold.get(heading) or []
        if any(names_match(name, g) for name in names)
    }


def all_entity_features(p: Parsed, roles: dict[int, str]) -> list[Features]:
    sentences = [s for s in p.doc.sents if s.start_char >= p.body_start and not s.text.isspace()]
    lead_end = sentences[0].end_char if sentences else p.body_start
    length = len(p.prepared.original)
    return [
        entity_features(e, p.doc, length, p.body_start, lead_end, n in roles)
        for n, e in enumerate(p.entities)
    ]
