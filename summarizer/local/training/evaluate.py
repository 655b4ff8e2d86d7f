"""Honest figures: settings chosen by cross-validation on the gold set, and silver -> dev.

``cross_validated``: the gold articles in ``k`` folds; for each, the settings are chosen on the
other folds and the fold is scored with them; the counts of all folds are summed, as the
scorer sums articles. The models are the committed ones, fitted on silver only.

``silver_to_dev``: nothing is chosen on gold. The silver set is cut in ``k`` folds; models
fitted on the other folds score each fold (so that the settings are chosen on predictions for
articles the models did not see, as they will be used); the settings chosen on all of silver
are then applied, with the models fitted on all of silver, to the gold articles.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import ModuleType

from summarizer.local.learned import LinearModel, ModelFile, read_models
from summarizer.local.training.data import Parsed
from summarizer.local.training.fit import write_models
from summarizer.local.training.select import DEFAULTS, Counts, EntityTable, PhraseTable, folds

SEED = 12
Figures = dict[str, tuple[float, float, float]]


def figures(scorer: ModuleType, counts: Mapping[str, Counts]) -> Figures:
    out: Figures = {}
    for key, c in counts.items():
        p, r, f = scorer.prf(*c)
        out[key] = (float(p), float(r), float(f))
    return out


def _add(total: dict[str, Counts], counts: Mapping[str, Counts]) -> None:
    for key, c in counts.items():
        before = total.get(key, (0, 0, 0, 0))
        total[key] = (before[0] + c[0], before[1] + c[1], before[2] + c[2], before[3] + c[3])


def cross_validated(
    phrases: PhraseTable, entities: EntityTable, every_name: EntityTable | None, k: int = 5, seed: int = SEED
) -> tuple[Figures, list[dict[str, float]]]:
    """Figures of ``k``-fold cross-validation over the tables' articles, and each fold's settings."""
    total: dict[str, Counts] = {}
    chosen = []
    n = len(phrases.parsed)
    for fold in folds(n, k, seed):
        rest = [i for i in range(n) if i not in fold]
        settings = phrases.best(rest) | entities.best(rest, every_name)
        chosen.append(settings)
        _add(total, phrases.counts(fold, settings))
        _add(total, entities.counts(fold, settings))
    return figures(phrases.scorer, total), chosen


def silver_to_dev(
    silver: Sequence[Parsed],
    gold: Sequence[Parsed],
    every_name: Sequence[Parsed],
    fit: Callable[[Sequence[Parsed], Sequence[Parsed]], dict[str, LinearModel]],
    scorer: ModuleType,
    k: int = 4,
    seed: int = SEED,
) -> tuple[Figures, dict[str, float]]:
    """Figures on ``gold`` of models fitted and settings chosen on ``silver`` alone."""
    with tempfile.TemporaryDirectory() as tmp:
        phrases: PhraseTable | None = None
        entities: EntityTable | None = None
        for n, fold in enumerate(folds(len(silver), k, seed)):
            inside = set(fold)
            rest = [p for i, p in enumerate(silver) if i not in inside]
            models = _as_file(fit(rest, every_name), Path(tmp) / f"{n}.json")
            held = [silver[i] for i in fold]
            p_table, e_table = (
                PhraseTable.build(held, models, scorer),
                EntityTable.build(held, models, scorer),
            )
            phrases = p_table if phrases is None else phrases.join(p_table)
            entities = e_table if entities is None else entities.join(e_table)
        assert phrases is not None
        assert entities is not None
        everything = list(range(len(phrases.parsed)))
        final = _as_file(fit(silver, every_name), Path(tmp) / "all.json")
        names = EntityTable.build(every_name, final, scorer) if every_name else None
        settings = phrases.best(everything) | entities.best(everything, names)
    total: dict[str, Counts] = {}
    articles = range(len(gold))
    _add(total, PhraseTable.build(gold, final, scorer).counts(articles, settings))
    _add(total, EntityTable.build(gold, final, scorer).counts(articles, settings))
    return figures(scorer, total), settings


def _as_file(models: dict[str, LinearModel], path: Path) -> ModelFile:
    write_models(path, models, DEFAULTS, "cross-fitting")
    return read_models(path)
