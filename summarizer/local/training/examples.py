"""Training examples derived from briefs: which clause an item was written from, which words it kept.

An item ("Clarke refuses to launch an investigation") is matched to the clause of its article
that holds the largest share of its content words; when that share is at least half (the
scorer's own bar for a hit) the clause is a positive example of the item's kind, and the
branches of that clause which hold any of the item's words are positive examples for the
compressor. Everything else is a negative example.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from spacy.tokens import Doc

from summarizer.local.clauses import Clause
from summarizer.local.compress import edge_features, scored_edges
from summarizer.local.phrases import KINDS, ItemKind, candidate_features, content_words
from summarizer.local.training.data import Parsed

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
    words = content_words(" ".join(doc[i].text for i in clause.tokens()))
    if clause.speech is not None:
        words |= content_words(" ".join(t.text for t in clause.speech.lefts))
    return words


def phrase_examples(parsed: Sequence[Parsed]) -> Examples:
    """Examples for the two clause models (``objective``, ``issue``) and the compressor."""
    out = Examples()
    for p in parsed:
        candidates = candidate_features(p.doc, p.prepared.original, p.entities, p.body_start)
        words = [clause_words(c, p.doc) for c, _ in candidates]
        positive: dict[ItemKind, set[int]] = {k: set() for k in KINDS}
        for kind in KINDS:
            for item in p.gold.get(GOLD_KEYS[kind]) or []:
                wanted = content_words(str(item))
                best = best_match(wanted, words)
                if best is None:
                    continue
                positive[kind].add(best)
                clause = candidates[best][0]
                for child, depth in scored_edges(clause):
                    hit = any(content_words(t.text) & wanted for t in child.subtree)
                    out.add("compress", edge_features(child, clause.head, depth), hit)
        for n, (_, feats) in enumerate(candidates):
            for kind in KINDS:
                out.add(kind, feats, n in positive[kind])
    return out


def best_match(wanted: set[str], words: Sequence[set[str]]) -> int | None:
    """The index of the clause that holds the largest share of ``wanted``, if it holds half."""
    if not wanted or not words:
        return None
    shares = [len(wanted & w) / len(wanted) for w in words]
    best = max(range(len(shares)), key=lambda n: (shares[n], -n))
    return best if shares[best] >= MATCH else None
