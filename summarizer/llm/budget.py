"""Fitting a long article into the model's input budget.

News puts the essentials first, so the lead is always kept (up to ``LEAD_SHARE`` of the budget);
the rest of the budget goes to the passages that share most with the title and lead — the ones
that develop the story — in their original order, with a marker where text was left out.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from summarizer.llm.text import CHARS_PER_TOKEN, approx_tokens, content_stems, sentences

LEAD_SHARE = 0.4
GAP = "[…]"
MAX_PASSAGE_CHARS = 1200  # paragraphs longer than this are split into sentences


@dataclass(frozen=True, slots=True)
class Fitted:
    text: str
    original_tokens: int
    tokens: int

    @property
    def trimmed(self) -> bool:
        return self.tokens < self.original_tokens


def fit_to_budget(text: str, max_tokens: int, title: str = "") -> Fitted:
    """``text`` unchanged when it fits; else the lead plus the most salient passages."""
    original = approx_tokens(text)
    if original <= max_tokens:
        return Fitted(text, original, original)
    budget = max_tokens * CHARS_PER_TOKEN
    passages = _passages(text)
    chosen: set[int] = set()
    used = 0

    lead_budget = int(budget * LEAD_SHARE)
    for i, passage in enumerate(passages):
        cost = len(passage) + 2
        if used + cost > lead_budget:
            if i == 0:  # even the first passage is too long: keep its beginning
                passages[0] = passage[: max(0, lead_budget - 2)]
                chosen.add(0)
                used += len(passages[0]) + 2
            break
        chosen.add(i)
        used += cost

    lead_text = title + "\n" + " ".join(passages[i] for i in sorted(chosen))
    scores = _salience(passages, lead_text)
    for i in sorted(range(len(passages)), key=lambda i: -scores[i]):
        if i in chosen or scores[i] <= 0:
            continue
        cost = len(passages[i]) + 2 + len(GAP) + 2  # a gap marker may come with it
        if used + cost <= budget:
            chosen.add(i)
            used += cost

    out: list[str] = []
    previous = -1
    for i in sorted(chosen):
        if i != previous + 1:
            out.append(GAP)
        out.append(passages[i])
        previous = i
    if previous != len(passages) - 1:
        out.append(GAP)
    fitted = "\n\n".join(out)
    return Fitted(fitted, original, approx_tokens(fitted))


def _passages(text: str) -> list[str]:
    """Paragraphs; overlong ones split into sentences, overlong sentences into chunks; no repeats."""
    out: list[str] = []
    seen: set[str] = set()
    for block in re.split(r"\n\s*\n|\r\n\s*\r\n", text):
        block = " ".join(block.split())
        if not block:
            continue
        pieces = [block] if len(block) <= MAX_PASSAGE_CHARS else sentences(block)
        for piece in pieces:
            for start in range(0, len(piece), MAX_PASSAGE_CHARS):
                chunk = piece[start : start + MAX_PASSAGE_CHARS]
                # Repeated boilerplate (share buttons, bylines) is said once.
                if chunk not in seen:
                    seen.add(chunk)
                    out.append(chunk)
    return out


def _salience(passages: list[str], lead_text: str) -> list[float]:
    """How much each passage is about what the title and lead are about, per word.

    Words of the lead count by their rarity across passages (idf): names and specific terms
    tie a passage to the story; words found everywhere do not.
    """
    anchors = set(content_stems(lead_text))
    per_passage = [content_stems(p) for p in passages]
    df: Counter[str] = Counter()
    for stems in per_passage:
        df.update(set(stems))
    n = len(passages)
    scores: list[float] = []
    for stems in per_passage:
        shared = {s for s in stems if s in anchors}
        weight = sum(math.log((n + 1) / df[s]) for s in shared)
        scores.append(weight / math.sqrt(len(stems) + 1))
    return scores
