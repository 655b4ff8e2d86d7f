"""A question as weighted search terms, for whichever full-text engine the store has.

Engine-neutral on purpose: the SQLite store turns the terms into an FTS5 query, another engine
into its own; each decides how (or whether) to use the weights, but all see the same words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from summarizer.qa.question import FRAME_WEIGHT, Question
from summarizer.text import words

# A possessive is no part of the word searched for: "Northway's" must find "Northway".
_POSSESSIVE = re.compile(r"['’]s?$")


@dataclass(frozen=True, slots=True)
class SearchTerm:
    text: str  # one word, or a name of several words that must come together
    weight: float  # the question's prior weight for it (names and numbers most)

    @property
    def phrase(self) -> bool:
        return " " in self.text


def search_terms(question: Question, limit: int = 12) -> tuple[SearchTerm, ...]:
    """The question's telling words, heaviest first (at most ``limit``), then its names of
    several words as phrases: an article naming "Bank of Lakeport" beats one that has "bank"
    and "Lakeport" apart."""
    out: dict[str, SearchTerm] = {}
    for term in sorted(question.terms, key=lambda t: -t.weight):
        text = _bare(term.word)
        if term.weight <= FRAME_WEIGHT or not text or text.casefold() in out:
            continue
        out[text.casefold()] = SearchTerm(text, term.weight)
        if len(out) >= limit:
            break
    key_weight = max((t.weight for t in question.terms if t.key), default=1.0)
    for name in question.names:
        parts = [_bare(w) for w in words(name)]
        text = " ".join(p for p in parts if p)
        if len(parts) > 1 and text.casefold() not in out:
            out[text.casefold()] = SearchTerm(text, key_weight)
    return tuple(out.values())


def _bare(word: str) -> str:
    return _POSSESSIVE.sub("", word).strip()
