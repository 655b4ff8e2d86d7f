"""The small learned models of the local brief, loaded from the JSON files ``make train`` writes.

Each model is a logistic regression over sparse, named features (``{"subject=PROPN": 1.0}``):
a bias and one weight per feature name. Scoring is a dictionary look-up per feature, so the
models cost microseconds per sentence and nothing but the standard library at run time (no
scikit-learn, no pickle: the files are plain data, safe to read and easy to diff).

A missing or damaged model file is a ``ConfigError`` that names the file and how to rebuild it.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from summarizer.errors import ConfigError

MODEL_DIR = Path(__file__).resolve().parent / "models"
FORMAT = "briefbot-linear-1"

Features = Mapping[str, float]


@dataclass(frozen=True, slots=True)
class LinearModel:
    """P(yes | features) = sigmoid(bias + sum of weight * value)."""

    bias: float
    weights: Mapping[str, float]

    def margin(self, features: Features) -> float:
        weights = self.weights
        return self.bias + sum(weights.get(name, 0.0) * value for name, value in features.items())

    def probability(self, features: Features) -> float:
        z = self.margin(features)
        return 1.0 / (1.0 + math.exp(-z)) if z > -500 else 0.0


@dataclass(frozen=True, slots=True)
class ModelFile:
    """The models of one file, by name, and the settings chosen with them (thresholds, counts)."""

    path: Path
    models: Mapping[str, LinearModel]
    settings: Mapping[str, float]

    def model(self, name: str) -> LinearModel:
        try:
            return self.models[name]
        except KeyError:
            raise _broken(self.path, f"it has no model {name!r}") from None

    def setting(self, name: str) -> float:
        try:
            return self.settings[name]
        except KeyError:
            raise _broken(self.path, f"it has no setting {name!r}") from None


@functools.cache
def load_models(name: str) -> ModelFile:
    """The model file ``models/<name>.json`` beside this module, read once per process."""
    return read_models(MODEL_DIR / f"{name}.json")


def read_models(path: Path) -> ModelFile:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"the brief model file {path} is missing; rebuild it with `make train`") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise _broken(path, f"it cannot be read ({type(exc).__name__})") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise _broken(path, f"it is not a {FORMAT} file")
    models: dict[str, LinearModel] = {}
    try:
        for model_name, spec in raw["models"].items():
            weights = {str(k): float(v) for k, v in spec["weights"].items()}
            models[str(model_name)] = LinearModel(bias=float(spec["bias"]), weights=weights)
        settings = {str(k): float(v) for k, v in raw.get("settings", {}).items()}
    except (AttributeError, KeyError, TypeError, ValueError):
        raise _broken(path, "its models are malformed") from None
    return ModelFile(path=path, models=models, settings=settings)


def _broken(path: Path, why: str) -> ConfigError:
    return ConfigError(f"the brief model file {path} is damaged: {why}; rebuild it with `make train`")
