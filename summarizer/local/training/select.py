"""Choosing the few settings of the brief on a gold set, by the shared scorer's own figures.

The models are fitted on silver briefs; what is left to choose (how sure a clause must be to
become an item, how many items an article may have, how much the compressor keeps) is chosen
here on gold briefs: every combination of a small grid is scored with ``score.py``'s phrase
and entity scoring, summed over the articles given, and the one with the best mean F1 wins.
Cross-validation calls ``best`` on some articles and ``counts`` on the others.
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
from summarizer.local.roles import find_roles
from summarizer.local.salience import Chances, Heading, entity_chances, order
from summarizer.local.training.data import Parsed
from summarizer.local.training.examples import GOLD_KEYS

PHRASE_GRID: dict[str, tuple[float, ...]] = {
    "compress_threshold": (0.3, 0.4, 0.5),
    # Below 0.15, or past 8 items, the scorer's recall still pays for more items, but a reader
    # gets every other sentence of the article: the grid stops where a brief stays a brief.
    "objective_threshold": (0.15, 0.2, 0.25, 0.3, 0.35, 0.4),
    "issue_threshold": (0.15, 0.2, 0.25, 0.3, 0.35, 0.4),
    "min_items": (1.0, 2.0, 3.0),
    "max_items": (5.0, 6.0, 7.0, 8.0),
}
ENTITY_GRID: dict[str, tuple[float, ...]] = {
    "real_floor": (0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4),
}
DEFAULTS: dict[str, float] = {
    "compress_threshold": 0.4,
    "objective_threshold": 0.3,
    "issue_threshold": 0.3,
    "min_items": 2.0,
    "max_items": 6.0,
    "real_floor": 0.05,
}

Counts = tuple[int, int, int, int]


def load_scorer(path: Path) -> ModuleType:
    """``score.py`` of the gold set, imported by path: its figures are the ones that count."""
    spec = importlib.util.spec_from_file_location("briefscore", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load the scorer {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # The grid scores the same phrases thousands of times: remember their content words.
    module.content = functools.lru_cache(maxsize=200_000)(module.content)  # type: ignore[attr-defined]
    return module


@dataclass(eq=False)
class PhraseTable:
    """Each article's scored clauses, with their compressions cached per threshold; each
    article is scored by the models it was given (out-of-fold models for cross-fitting)."""

    parsed: list[Parsed]
    candidates: list[list[Candidate]]
    models: list[ModelFile]
    scorer: ModuleType

    @classmethod
    def build(cls, parsed: Sequence[Parsed], models: ModelFile, scorer: ModuleType) -> PhraseTable:
        candidates = [
            score_clauses(p.doc, p.prepared.original, p.entities, p.body_start, models) for p in parsed
        ]
        return cls(list(parsed), candidates, [models] * len(parsed), scorer)

    def join(self, other: PhraseTable) -> PhraseTable:
        return PhraseTable(
            self.parsed + other.parsed,
            self.candidates + other.candidates,
            self.models + other.models,
            self.scorer,
        )

    @functools.cache  # noqa: B019 - the table lives as long as its caller needs it
    def _shortened(self, article: int, clause: int, cut: float) -> Phrase | None:
        cand = self.candidates[article][clause]
        original = self.parsed[article].prepared.original
        return compress(cand.clause, original, self.models[article], cut, cand.antecedent)

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
                sums[key] = _plus(sums[key], t)
        return sums

    def macro(self, counts: Mapping[str, Counts]) -> float:
        return float(statistics.mean(self.scorer.prf(*c)[2] for c in counts.values()))

    def best(self, articles: Sequence[int]) -> dict[str, float]:
        """The best grid point. Objectives are chosen before issues and do not depend on the
        issue threshold, so each threshold is searched on its own kind's F1."""
        kind_keys = {f"{kind}_threshold" for kind in KINDS}
        shared = {k: v for k, v in PHRASE_GRID.items() if k not in kind_keys}
        found: tuple[float, dict[str, float]] | None = None
        for values in itertools.product(*shared.values()):
            settings = dict(zip(shared, values, strict=True))
            if settings["min_items"] > settings["max_items"]:
                continue
            for kind in KINDS:
                key = f"{kind}_threshold"
                rest = {k: PHRASE_GRID[k][0] for k in kind_keys}
                best_value = max(
                    PHRASE_GRID[key],
                    key=lambda v: (self._f1(articles, rest | settings | {key: v}, GOLD_KEYS[kind]), -v),
                )
                settings[key] = best_value
            value = self.macro(self.counts(articles, settings))
            if found is None or value > found[0] + 1e-12:
                found = (value, settings)
        assert found is not None
        return found[1]

    def _f1(self, articles: Sequence[int], settings: Mapping[str, float], key: str) -> float:
        return float(self.scorer.prf(*self.counts(articles, settings)[key])[2])


@dataclass(eq=False)
class EntityTable:
    """Each article's entities with the models' chances, ranked per floor."""

    parsed: list[Parsed]
    chances: list[Chances]
    scorer: ModuleType

    def join(self, other: EntityTable) -> EntityTable:
        return EntityTable(self.parsed + other.parsed, self.chances + other.chances, self.scorer)

    @classmethod
    def build(cls, parsed: Sequence[Parsed], models: ModelFile, scorer: ModuleType) -> EntityTable:
        chances = []
        for p in parsed:
            roles = find_roles(p.doc, p.prepared.original, p.entities)
            lead_end = _lead_end(p)
            chances.append(
                entity_chances(p.doc, p.prepared.original, p.body_start, lead_end, p.entities, roles, models)
            )
        return cls(list(parsed), chances, scorer)

    def names(self, article: int, heading: Heading, floor: float) -> list[str]:
        entities = self.parsed[article].entities
        return [entities[n].name for n in order(entities, self.chances[article], heading, floor)]

    def counts(self, articles: Iterable[int], settings: Mapping[str, float]) -> dict[str, Counts]:
        sums: dict[str, Counts] = {"who": (0, 0, 0, 0), "where": (0, 0, 0, 0)}
        for n in articles:
            gold = self.parsed[n].gold
            headings: tuple[Heading, ...] = ("who", "where")
            for heading in headings:
                golds = gold.get(heading) or []
                found = self.names(n, heading, settings["real_floor"])
                # CoNLL counts every name given; the briefs' scoring only the first few.
                topk = None if gold.get("every_name") else max(len(golds), 3)
                t = self.scorer.score_entities(found, golds, topk=topk)
                sums[heading] = _plus(sums[heading], t)
        return sums

    def best(self, articles: Sequence[int], every_name: EntityTable | None = None) -> dict[str, float]:
        """The floor with the best mean F1 on ``articles`` and, when given, on every article of
        ``every_name`` (CoNLL, where a real name dropped is a name missed)."""

        def macro(settings: dict[str, float]) -> float:
            f1 = [self.scorer.prf(*c)[2] for c in self.counts(articles, settings).values()]
            if every_name is not None:
                counts = every_name.counts(range(len(every_name.parsed)), settings)
                f1 += [self.scorer.prf(*c)[2] for c in counts.values()]
            return float(statistics.mean(f1))

        return grid_search(ENTITY_GRID, macro)


def _plus(a: Counts, b: Sequence[int]) -> Counts:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3])


def _lead_end(p: Parsed) -> int:
    sentences = [s for s in p.doc.sents if s.start_char >= p.body_start and not s.text.isspace()]
    return sentences[0].end_char if sentences else p.body_start


def grid_search(
    grid: Mapping[str, Sequence[float]], objective: Callable[[dict[str, float]], float]
) -> dict[str, float]:
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
