"""The learned models' files: the committed one loads; a missing or damaged one is a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.errors import ConfigError
from summarizer.local.learned import MODEL_DIR, load_models, read_models


def test_the_committed_model_file_holds_every_model_the_brief_uses() -> None:
    models = load_models("brief")
    for name in ("objective", "issue", "compress", "keep", "who", "where", "real", "place"):
        assert models.model(name).weights, name
    for setting in (
        "compress_threshold",
        "objective_threshold",
        "issue_threshold",
        "min_items",
        "max_items",
        "real_floor",
    ):
        assert 0 <= models.setting(setting) <= 20, setting


def test_a_clause_with_a_stated_plan_scores_higher_than_a_plain_fact() -> None:
    objective = load_models("brief").model("objective")
    plan = {"cue=aim": 1.0, "cue=aim/head": 1.0, "child=xcomp": 1.0, "subject=PERSON": 1.0}
    fact = {"head=be": 1.0, "subject=NOUN": 1.0}
    assert objective.probability(plan) > objective.probability(fact)


def test_a_missing_model_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "brief.json"
    with pytest.raises(ConfigError, match=r"brief\.json is missing.*make train"):
        read_models(path)


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        '{"format": "something-else", "models": {}}',
        '{"format": "briefbot-linear-1", "models": {"who": {"weights": {"a": "x"}}}}',
        "\x00\x01\x02",
    ],
)
def test_a_damaged_model_file_is_named(tmp_path: Path, content: str) -> None:
    path = tmp_path / "brief.json"
    path.write_text(content)
    with pytest.raises(ConfigError, match=r"brief\.json is damaged"):
        read_models(path)


def test_a_file_without_a_model_the_brief_asks_for_names_the_model(tmp_path: Path) -> None:
    path = tmp_path / "brief.json"
    path.write_text('{"format": "briefbot-linear-1", "models": {"who": {"bias": 0, "weights": {}}}}')
    models = read_models(path)
    with pytest.raises(ConfigError, match="no model 'where'"):
        models.model("where")


def test_model_files_live_in_the_package() -> None:
    assert (MODEL_DIR / "brief.json").is_file()
