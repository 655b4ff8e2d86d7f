"""``make train`` on a tiny set of invented articles: it runs, writes a loadable file, and
writes the same file twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from summarizer.local.learned import read_models
from summarizer.local.training.__main__ import train
from tests.summarizer.fixtures import FISHING_TALKS, HARBOUR_VOTE

MILL_CLOSURE = (
    "The Brackenfield paper mill will close in March, its owner Northway Paper said on Thursday.\n"
    "Northway chief executive Dana Whitlock said the company plans to move production to its plant in "
    "Carrow to cut costs.\n"
    "The Brackenfield Workers Union fears that 300 jobs will be lost and accused the company of ignoring "
    "a rescue offer.\n"
    "Whitlock denied that any offer had been made.\n"
    "The town council of Brackenfield urged Northway to keep the site open until a buyer is found.\n"
    "It is unclear whether the mill's pension fund can cover its debts.\n"
)

GOLD = {
    "fishing": (
        FISHING_TALKS,
        {
            "who": [
                {"name": "Ingrid Solberg", "aliases": ["Solberg"], "role": "Norwegian Foreign Minister"},
                {"name": "Tiago Marques", "aliases": ["Marques"], "role": "Portuguese counterpart"},
                {"name": "Nordic Fisheries Council", "aliases": ["NFC"], "role": None},
            ],
            "where": [{"name": "Lisbon", "aliases": []}, {"name": "Oslo", "aliases": []}],
            "objectives": [
                "set up a joint committee on fishing quotas",
                "reopen talks on port fees",
                "NFC urged governments to publish their catch data",
            ],
            "open_issues": ["fishing quotas", "port access fees", "whether the crews would be released"],
        },
    ),
    "harbour": (
        HARBOUR_VOTE,
        {
            "who": [
                {"name": "Miriam Okafor", "aliases": ["Okafor"], "role": "Council leader"},
                {"name": "Blue Gull Lines", "aliases": [], "role": "ferry operator"},
            ],
            "where": [{"name": "Portvale", "aliases": []}, {"name": "Kessing", "aliases": []}],
            "objectives": [
                "trial aims to cut evening road traffic",
                "run two crossings an hour until midnight",
            ],
            "open_issues": [
                "residents divided over noise from the new terminal",
                "Okafor denied the council ignored complaints",
            ],
        },
    ),
    "mill": (
        MILL_CLOSURE,
        {
            "who": [
                {"name": "Northway Paper", "aliases": ["Northway"], "role": "owner"},
                {"name": "Dana Whitlock", "aliases": ["Whitlock"], "role": "Northway chief executive"},
            ],
            "where": [{"name": "Brackenfield", "aliases": []}, {"name": "Carrow", "aliases": []}],
            "objectives": [
                "Northway plans to move production to Carrow to cut costs",
                "council urged Northway to keep the site open",
            ],
            "open_issues": [
                "union fears 300 jobs will be lost",
                "whether the pension fund can cover its debts",
            ],
        },
    ),
}


@pytest.fixture
def tiny_set(tmp_path: Path) -> Path:
    folder = tmp_path / "silver"
    folder.mkdir()
    for key, (text, gold) in GOLD.items():
        (folder / f"{key}.txt").write_text(text)
        (folder / f"{key}.gold.json").write_text(json.dumps({"article": f"{key}.txt", **gold}))
    return folder


def test_training_on_a_tiny_set_writes_a_file_the_brief_can_load(tiny_set: Path, tmp_path: Path) -> None:
    out = tmp_path / "models" / "brief.json"
    train(tiny_set, tmp_path, out, dev=None)
    models = read_models(out)
    for name in ("objective", "issue", "compress", "keep", "who", "where", "real", "place"):
        assert models.model(name).weights, name
    assert models.setting("max_items") >= models.setting("min_items")


def test_training_twice_writes_the_same_file(tiny_set: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    train(tiny_set, tmp_path, first, dev=None)
    train(tiny_set, tmp_path, second, dev=None)
    assert first.read_bytes() == second.read_bytes()
