"""The learned parts of the answerer, read from ``model.json`` (written by ``make train-qa``).

- ``ranker``: a linear score over a sentence's features (``rank.py``); the best sentence of
  the passages is the one with the highest score.
- ``confidence``: a logistic model over the best sentence's features, its ranker score and its
  margins over the runners-up: how likely that sentence holds the answer. Below ``threshold``
  the answer is "I don't know".

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
from typing import Any

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

    def to_json(self) -> dict[str, Any]:
        return {"bias": round(self.bias, 6), "weights": {k: round(v, 6) for k, v in self.weights.items()}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Linear:
        return cls({str(k): float(v) for k, v in data["weights"].items()}, float(data.get("bias", 0.0)))


@dataclass(frozen=True, slots=True)
class Model:
    ranker: Linear
    confidence: Linear
    threshold: float  # the confidence below which the answer is "I don't know"

    def to_json(self) -> dict[str, Any]:
        return {
            "ranker": self.ranker.to_json(),
            "confidence": self.confidence.to_json(),
            "threshold": round(self.threshold, 4),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Model:
        return cls(
            Linear.from_json(data["ranker"]), Linear.from_json(data["confidence"]), float(data["threshold"])
        )


@functools.cache
def load(path: Path = MODEL_FILE) -> Model:
    """The committed model (read once per process)."""
    return Model.from_json(json.loads(path.read_text(encoding="utf-8")))
