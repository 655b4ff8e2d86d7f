"""Choosing the few settings of the brief on a gold set, by the shared scorer's own figures.

The models are fitted on silver briefs; what is left to choose (how sure a clause must be to
become an item, how many items an article may have, how much the compressor keeps) is chosen
here on gold briefs: every combination of a small grid is scored with ``score.py``'s phrase
and entity scoring, summed over the articles given, and the one with the best mean F1 wins.
Cross-validation calls ``best`` on some articles and ``score`` on the others.
"""

from __future__ import annotations

import functools
import importlib.util
import itertools
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType


from summarizer.local.compress import Phrase, compress
from summarizer.local.learned import ModelFile
from summarizer.local.phrases import KINDS, Candidate, choose, score_clauses
from summarizer.local.training.data import Parsed
from summarizer.local.training.examples import GOLD_KEYS

PHRASE_GRID: dict[str, tuple[float, ...]] = {
    "compress_threshold": (0.3, 0.4, 0.5),
    "objective_threshold": (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5),
    "issue_threshold": (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5),
    "min_items": (1.0, 2.0, 3.0),
    "max_items": (4.0, 5.0, 6.0, 7.0, 8.0),
}
DEFAULTS: dict[str, float] = {
    "compress_threshold": 0.4,
    "objective_threshold": 0.3,
    "issue_threshold": 0.3,
    "min_items": 2.0,
    "max_items": 6.0,
}

Counts = tuple[int, int, int, int]


def load_scorer(path: Path) -> ModuleType:
    """``score.py`` of the gold set, imported by path: its figures are the ones that count."""
    spec = importlib.util.spec_from_file_location("briefscore", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load the scorer {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class PhraseTable:
    """Each article's scored clauses, with their compressions cached per threshold."""

    parsed: Sequence[Parsed]
    candidates: list[list[Candidate]]
    models: ModelFile
    scorer: ModuleType

    @classmethod
    def build(cls, parsed: Sequence[Parsed], models: ModelFile, scorer: ModuleType) -> PhraseTable:
        candidates = [
            score_clauses(p.doc, p.prepared.original, p.entities, p.body_start, models) for p in parsed
        ]
        return cls(parsed, candidates, models, scorer)

    @functools.cache  # noqa: B019 - the table lives as long as its caller needs it
    def _shortened(self, article: int, clause: int, cut: float) -> Phrase | None:
        cand = self.candidates[article][clause]
        original = self.parsed[article].prepared.original
        return compress(cand.clause, original, self.models.model("compress"), cut, cand.antecedent)

    def __hash__(self) -> int:
        return id(self)

    def phrases(self, article: int, settings: Mapping[str, float]) -> dict[str, list[str]]:
        cut = settings["compress_threshold"]
        index = {id(c): n for n, c in enumerate(self.candidates[article])}

        def shorten(c: Candidate) -> Phrase | None:
            return self._shortened(article, index[id(c)], cut)

        chosen = choose(self.candidates[article], settings, shorten)
        return {GOLD_KEYS[k]: chosen[k] for k in KINDS}

    def counts(self, articles: Iterable[int], settings: Mapping[str, float]) -> dict[str, Counts]:
        sums = {key: (0, 0, 0, 0) for key in GOLD_KEYS.values()}
        for n in articles:
            found = self.phrases(n, settings)
            gold = self.parsed[n].gold
            for key in sums:
                t = self.scorer.score_phrases(found[key], gold.get(key) or [])
                sums[key] = tuple(a + b for a, b in zip(sums[key], t, strict=True))  # type: ignore[assignment]
        return sums

    def macro(self, counts: Mapping[str, Counts]) -> float:
        return statistics.mean(self.scorer.prf(*c)[2] for c in counts.values())

    def best(self, articles: Sequence[int]) -> dict[str, float]:
        return grid_search(PHRASE_GRID, lambda s: self.macro(self.counts(articles, s)))


def grid_search(grid: Mapping[str, Sequence[float]], objective: Callable[[dict[str, float]], float]) -> dict[str, float]:
    """The grid point with the highest objective; ties go to the earliest point."""
    names = list(grid)
    best: tuple[float, dict[str, float]] | None = None
    for values in itertools.product(*(grid[n] for n in names)):
        settings = dict(zip(names, values, strict=True))
        if settings.get("min_items", 0) > settings.get("max_items", 99):
            continue
        value = objective(settings)
        if best is None or value > best[0] + 1e-12:
            best = (value, settings)
    assert best is not None
    return best[1]


def folds(n: int, k: int, seed: int) -> list[list[int]]:
    """``k`` folds of ``range(n)``, shuffled with ``seed``."""
    import random

    order = list(range(n))
    random.Random(seed).shuffle(order)
    return [sorted(order[i::k]) for i in range(k)]


