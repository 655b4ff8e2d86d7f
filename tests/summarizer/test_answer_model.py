"""The answerer's learned parts: search terms, the committed model, and how it is read."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from summarizer.answer import Passage
from summarizer.qa.extract import confidence_features
from summarizer.qa.model import MODEL_FILE, Linear, Model, load
from summarizer.qa.question import analyse
from summarizer.qa.rank import TYPE_FEATURES, rank
from summarizer.qa.search import search_terms


def test_search_terms_are_the_telling_words_heaviest_first_and_names_as_phrases() -> None:
    terms = search_terms(analyse("How much did the Bank of England's governor say about Kellport's rates?"))
    texts = [t.text for t in terms]
    assert "Kellport" in texts  # the possessive is no part of the word searched for
    assert "Kellport's" not in texts
    assert "much" not in texts
    assert "the" not in texts
    assert "Bank of England" in texts
    assert next(t for t in terms if t.text == "Bank of England").phrase
    weights = [t.weight for t in terms if not t.phrase]
    assert weights == sorted(weights, reverse=True)
    assert search_terms(analyse("???")) == ()


@pytest.mark.parametrize(
    ("question", "measure"),
    [
        ("How much did the two electric ferries cost?", "money"),
        ("What share of the vote did the party win?", "percent"),
        ("How long was the editor jailed for?", "duration"),
        ("How far can the robot walk?", "distance"),
        ("How many women will the fund help?", analyse("women").terms[0].stem),
        ("Who is the harbour master?", None),
    ],
)
def test_a_number_question_says_what_it_measures(question: str, measure: str | None) -> None:
    assert analyse(question).measure == measure


def test_linear_scores_partial_scores_and_probabilities() -> None:
    model = Linear({"a": 2.0, "b": -1.0}, bias=0.5)
    assert model.score({"a": 1.0, "b": 3.0, "unknown": 9.0}) == pytest.approx(-0.5)
    assert model.without(("b",)).score({"a": 1.0, "b": 3.0}) == pytest.approx(2.5)
    assert model.probability({"a": 1.0, "b": 3.0}) == pytest.approx(1 / (1 + math.exp(0.5)))
    assert model.probability({"a": 1e6}) == pytest.approx(1.0)  # no overflow
    assert Linear.from_json(model.to_json()) == model


def test_the_committed_model_reads_the_features_the_ranker_writes(tmp_path: Path) -> None:
    model = load()
    assert 0.0 < model.threshold(in_thread=True) < 1.0
    assert 0.0 < model.threshold(in_thread=False) < 1.0
    again = tmp_path / "model.json"
    again.write_text(json.dumps(model.to_json()), encoding="utf-8")
    assert load.__wrapped__(again) == Model.from_json(json.loads(MODEL_FILE.read_text(encoding="utf-8")))
    text = "Harbour master Elena Vasquez said the board had bought two electric ferries for £9m."
    passages = [Passage("ferry", text, title="Ferries", position=0, score=1.0)]
    ranked = rank(analyse("How much did the ferries cost?"), passages, limit=0)
    written = set(confidence_features(ranked[0]))
    # Every weight the model has is for a feature the ranker computes: a feature renamed on one
    # side only would silently weigh nothing.
    assert set(model.ranker.weights) <= written
    assert set(model.confidence.weights) <= written
    assert set(TYPE_FEATURES) <= written


@pytest.mark.parametrize(
    "broken",
    [
        {"ranker": {"weights": {}}, "confidence": {"weights": {}}},  # no thresholds
        {
            "ranker": {"weights": {}},
            "confidence": {"weights": {}},
            "thresholds": {"thread": "high", "wide": 0.2},
        },
        {
            "ranker": {"weights": {"local": True}},
            "confidence": {"weights": {}},
            "thresholds": {"thread": 0.1, "wide": 0.2},
        },
        {"ranker": [], "confidence": {"weights": {}}, "thresholds": {"thread": 0.1, "wide": 0.2}},
    ],
)
def test_a_damaged_model_file_is_refused_with_what_is_wrong(broken: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="model"):
        Model.from_json(broken)
