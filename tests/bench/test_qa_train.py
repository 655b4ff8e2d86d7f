"""bench/qa_train.py's fitting on small made-up data: what it writes must mean what was fitted."""

from __future__ import annotations

import random
import sys

import numpy as np

from summarizer.answer import Passage
from summarizer.qa.model import Linear
from summarizer.qa.rank import Candidate
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))

from qa_data import Asked, Item
from qa_train import Group, Top, best, fit_confidence, fit_ranker


def group(rng: random.Random, n: int) -> Group:
    """A question whose answer sits in the one sentence with "good" high; "noise" is noise."""
    answer = rng.randrange(n)
    features = [
        {"good": (2.0 if i == answer else 0.0) + rng.gauss(0, 0.5), "noise": rng.gauss(0, 1)}
        for i in range(n)
    ]
    candidates = [
        Candidate(Passage(f"a{i % 3}", f"sentence {i}", position=i), f"sentence {i}", 0.0, f)
        for i, f in enumerate(features)
    ]
    item = Item(f"question {rng.random()}", "x", "a0", "silver", "a0")
    asked = Asked(item, "wide", candidates, [i == answer for i in range(n)])
    x = np.array([[f["good"], f["noise"]] for f in features])
    return Group(asked, x, np.array(asked.labels), [c.passage.article_id for c in candidates])


def test_the_ranker_learns_which_feature_finds_the_answer() -> None:
    rng = random.Random(1)
    ranker = fit_ranker([group(rng, 12) for _ in range(200)], ["good", "noise"], l2=1.0)
    assert ranker.weight("good") > 1.0
    assert abs(ranker.weight("noise")) < 0.3 * ranker.weight("good")
    held_out = [group(rng, 12) for _ in range(100)]
    right = sum(bool(t.correct) for g in held_out if (t := best(g, ranker)) is not None)
    assert right >= 80


def test_best_gives_margins_and_can_leave_an_article_out() -> None:
    g = group(random.Random(2), 9)
    ranker = Linear({"good": 1.0})
    top = best(g, ranker)
    assert top is not None
    assert top.features["score"] == max(c.features["good"] for c in g.asked.candidates)
    assert top.features["margin"] >= 0.0
    elsewhere = best(g, ranker, exclude=top.article)
    assert elsewhere is not None
    assert elsewhere.article != top.article


def test_the_confidence_written_for_raw_features_is_the_one_fitted() -> None:
    rng = random.Random(3)
    tops = []
    for _ in range(400):
        cover = rng.random() * 10  # far from standardised: the written weights must undo scaling
        right = rng.random() < 1 / (1 + np.exp(-(cover - 5)))
        item = Item("q", "x", None, "silver", "g")
        tops.append(Top(item, "wide", {"cover": cover, "constant": 1.0}, bool(right), None))
    model = fit_confidence(tops, ["cover", "constant"], c=1.0)
    assert model.probability({"cover": 9.0, "constant": 1.0}) > 0.9
    assert model.probability({"cover": 1.0, "constant": 1.0}) < 0.1
    assert 0.3 < model.probability({"cover": 5.0, "constant": 1.0}) < 0.7
