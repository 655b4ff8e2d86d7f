"""The learned parts of the answerer, read from ``model.json`` (written by ``make train-qa``).

- ``ranker``: a linear score over a sentence's features (``rank.py``); the best sentence of
  the passages is the one with the highest score.
- ``confidence``: a logistic model over the best sentence's features, its ranker score and its
  margins over the runners-up: how likely that sentence holds the answer. Below the scope's
  threshold the answer is "I don't know": a question asked in an article's thread is nearly
  always about that article, one asked channel-wide may be about nothing stored, so each
  scope has its own.

Both were fitted with scikit-learn on standardised features; the file holds the weights
mapped back to the raw features, so answering needs nothing but this module.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

MODEL_FILE = Path(__file__).with_name("model.json")


@dataclass(frozen=True, slots=True)
class Linear:
    """``bias + Σ weight·feature``; a feature the model does not know weighs nothing."""

    weights: Mapping[str, float]
    bias: float = 0.0

    def weight(self, name: str) -> float:
        return self.weights.get(name, 0.0)

    def score(self, features: Mapping[str, float]) -> float:
        return self.bias + sum(w * features.get(k, 0.0) for k, w in self.weights.items())

    def without(self, skip: Iterable[str]) -> Linear:
        """The model with the features in ``skip`` left out: the partial score of what is
        worked out so far."""
        left_out = frozenset(skip)
        return Linear({k: w for k, w in self.weights.items() if k not in left_out}, self.bias)

    def probability(self, features: Mapping[str, float]) -> float:
        z = self.score(features)
        return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))

    def to_json(self) -> dict[str, object]:
        return {"bias": round(self.bias, 6), "weights": {k: round(v, 6) for k, v in self.weights.items()}}

    @classmethod
    def from_json(cls, data: object) -> Linear:
        weights = _field(data, "weights")
        if not isinstance(weights, dict):
            raise ValueError("a model's weights are an object of numbers")
        bias = data.get("bias", 0.0) if isinstance(data, dict) else 0.0
        return cls({str(k): _number(v) for k, v in weights.items()}, _number(bias))


@dataclass(frozen=True, slots=True)
class Model:
    ranker: Linear
    confidence: Linear
    thread_threshold: float  # below this confidence, "I don't know" about a thread's own article
    wide_threshold: float  # … about what a search found

    def threshold(self, in_thread: bool) -> float:
        return self.thread_threshold if in_thread else self.wide_threshold

    def to_json(self) -> dict[str, object]:
        return {
            "ranker": self.ranker.to_json(),
            "confidence": self.confidence.to_json(),
            "thresholds": {"thread": round(self.thread_threshold, 4), "wide": round(self.wide_threshold, 4)},
        }

    @classmethod
    def from_json(cls, data: object) -> Model:
        thresholds = _field(data, "thresholds")
        return cls(
            Linear.from_json(_field(data, "ranker")),
            Linear.from_json(_field(data, "confidence")),
            _number(_field(thresholds, "thread")),
            _number(_field(thresholds, "wide")),
        )


def _field(data: object, key: str) -> object:
    if not isinstance(data, dict) or key not in data:
        raise ValueError(f"the model file has no {key!r}")
    return data[key]


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"the model file holds {value!r} where a number belongs")
    return float(value)


@functools.cache
def load(path: Path = MODEL_FILE) -> Model:
    """The committed model (read once per process)."""
    return Model.from_json(json.loads(path.read_text(encoding="utf-8")))
