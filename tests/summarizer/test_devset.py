"""The issue's "done when" on the development article (skipped when ../shared is absent)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from summarizer.brief import Brief

Briefer = Callable[..., Brief]
_STOP = frozenset("a an the of to in on and for with from by at as is are s".split())


def content(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower().replace("’", "'")) if w not in _STOP}


def covers(items: tuple[str, ...], phrase: str) -> bool:
    """Some item holds at least half of the phrase's content words (as the scorer counts)."""
    wanted = content(phrase)
    return any(len(wanted & content(item)) * 2 >= len(wanted) for item in items)


@pytest.fixture
def blinken(dev_set: Path, brief_of: Briefer) -> Brief:
    return brief_of((dev_set / "articles" / "blinken-beijing.txt").read_text(), key="blinken-beijing")


def test_names_blinken_with_his_role_and_beijing(blinken: Brief) -> None:
    actor = next(a for a in blinken.who if a.name.endswith("Blinken"))
    assert actor.kind == "person"
    assert actor.role is not None
    assert "Secretary of State" in actor.role
    assert blinken.who[0] is actor  # the main actor comes first
    assert "Beijing" in [p.name for p in blinken.where]


def test_the_three_stated_objectives(blinken: Brief) -> None:
    for objective in (
        "set up mechanisms for crisis management",
        "advance U.S. and allies' interests and speak directly about related concerns",
        "explore areas of potential cooperation",
    ):
        assert covers(blinken.objectives, objective), objective


def test_the_issues_the_us_and_china_are_at_odds_over(blinken: Brief) -> None:
    for issue in (
        "trade",
        "U.S. efforts to hold back China's semiconductor industry",
        "the CCP's human rights violations",
        "military aggression in the South China Sea",
        "the flow of fentanyl precursors from China to the United States",
        "Americans detained in China",
    ):
        assert covers(blinken.open_issues, issue), issue
