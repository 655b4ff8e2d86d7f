"""Fitting a long article into the model's input budget.

News puts the essentials first, so the lead is always kept (up to ``LEAD_SHARE`` of the budget);
the rest of the budget goes to the passages that share most with the title and lead — the ones
that develop the story — in their original order, with a marker where text was left out.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from summarizer.text import content_stems, passage_stems, sentences

# Tokens are approximated as 4 characters each, the usual figure for English text with the
# tokenizers of current chat models; budgets are approximate by design.
CHARS_PER_TOKEN = 4

LEAD_SHARE = 0.4
GAP = "[…]"
MAX_PASSAGE_CHARS = 1200  # paragraphs longer than this are split into sentences


def approx_tokens(text: str) -> int:
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


@dataclass(frozen=True, slots=True)
class Fitted:
    text: str
    original_tokens: int
    tokens: int
    # The content stems of the whole article, when trimming had to read them all anyway:
    # grounding needs the same set (``stem_set(article)``) and need not read 200 KB again.
    stems: frozenset[str] | None = field(default=None, compare=False, repr=False)

    @property
    def trimmed(self) -> bool:
        return self.tokens < self.original_tokens


def fit_to_budget(text: str, max_tokens: int, title: str = "") -> Fitted:
    """``text`` unchanged when it fits; else the lead plus the most salient passages."""
    original = approx_tokens(text)
    if original <= max_tokens:
        return Fitted(text, original, original)
    budget = max_tokens * CHARS_PER_TOKEN
    passages, whole_words = _passages(text)
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
    scores, stems = _salience(passages, lead_text)
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
    # Paragraphs, sentences and repeats hold the article's words; chunks cut may split one.
    return Fitted(fitted, original, approx_tokens(fitted), stems=stems if whole_words else None)


def _passages(text: str) -> tuple[list[str], bool]:
    """Paragraphs; overlong ones split into sentences, overlong sentences into chunks; no repeats.
    And whether no chunk was cut in the middle of a word."""
    out: list[str] = []
    seen: set[str] = set()
    whole_words = True
    for block in re.split(r"\n\s*\n|\r\n\s*\r\n", text):
        block = " ".join(block.split())
        if not block:
            continue
        pieces = [block] if len(block) <= MAX_PASSAGE_CHARS else sentences(block)
        for piece in pieces:
            for start in range(0, len(piece), MAX_PASSAGE_CHARS):
                chunk = piece[start : start + MAX_PASSAGE_CHARS]
                if start and piece[start - 1].isalnum() and piece[start].isalnum():
                    whole_words = False
                # Repeated boilerplate (share buttons, bylines) is said once.
                if chunk not in seen:
                    seen.add(chunk)
                    out.append(chunk)
    return out, whole_words


def _salience(passages: list[str], lead_text: str) -> tuple[list[float], frozenset[str]]:
    """How much each passage is about what the title and lead are about, per word; and the
    content stems of all the passages.

    Words of the lead count by their rarity across passages (idf): names and specific terms
    tie a passage to the story; words found everywhere do not.
    """
    anchors = frozenset(content_stems(lead_text))
    df: Counter[str] = Counter()  # passages holding each anchor (no other stem's is needed)
    per_passage: list[tuple[frozenset[str], int]] = []
    every: set[str] = set()
    for passage in passages:
        stems = passage_stems(passage)  # "" for words that carry no meaning
        shared = anchors.intersection(stems)
        df.update(shared)
        every.update(stems)
        per_passage.append((shared, len(stems) - stems.count("")))
    n = len(passages)
    scores = [
        sum(math.log((n + 1) / df[s]) for s in shared) / math.sqrt(size + 1) for shared, size in per_passage
    ]
    every.discard("")
    return scores, frozenset(every)
