"""Fitting logistic regressions with scikit-learn and writing them as the bot's JSON model files.

Why scikit-learn and not spaCy's ``textcat``: the decisions are made over a few dozen named,
sparse features per clause or entity (cue words, dependency labels, counts, positions), on a
few thousand examples. A linear model fits that in seconds, reproducibly, and exports as a
table of weights that the bot scores with dictionary look-ups; a ``textcat`` would add a
neural component to every parse (time and memory the issue's budget does not have) and learn
from raw words alone, with less data than it needs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from summarizer.local.learned import FORMAT, LinearModel

SEED = 12
DIGITS = 5


def fit_linear(features: Sequence[Mapping[str, float]], labels: Sequence[int], c: float) -> LinearModel:
    """An L2-regularised logistic regression; weights rounded so the file is stable."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    if len(set(labels)) < 2:
        raise ValueError("need positive and negative examples to fit a model")
    vectorizer = DictVectorizer(sort=True)
    matrix = vectorizer.fit_transform(features)
    model = LogisticRegression(C=c, max_iter=5000, solver="lbfgs", random_state=SEED)
    model.fit(matrix, list(labels))
    names = vectorizer.get_feature_names_out()
    weights = {
        str(name): round(float(w), DIGITS)
        for name, w in zip(names, model.coef_[0], strict=True)
        if abs(w) >= 10**-DIGITS
    }
    return LinearModel(bias=round(float(model.intercept_[0]), DIGITS), weights=weights)


def write_models(
    path: Path, models: Mapping[str, LinearModel], settings: Mapping[str, float], about: str
) -> None:
    """One model file: models by name, settings, and a line on what it was trained on."""
    data = {
        "format": FORMAT,
        "about": about,
        "settings": {k: round(float(v), DIGITS) for k, v in sorted(settings.items())},
        "models": {
            name: {"bias": m.bias, "weights": dict(sorted(m.weights.items()))}
            for name, m in sorted(models.items())
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=0, sort_keys=False, ensure_ascii=False) + "\n", encoding="utf-8")
