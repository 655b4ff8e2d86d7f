"""General knowledge about names: comparison keys, country aliases, initials."""

from __future__ import annotations

import pytest

from summarizer.local.entities import initials
from summarizer.local.gazetteer import country_key, name_key


@pytest.mark.parametrize("form", ["U.S.", "US", "the United States", "America", "USA", "United States"])
def test_names_of_the_united_states_share_one_key(form: str) -> None:
    assert country_key(form) == "united states"


@pytest.mark.parametrize(
    ("form", "country"),
    [("Britain", "united kingdom"), ("U.K.", "united kingdom"), ("Holland", "netherlands")],
)
def test_other_country_aliases(form: str, country: str) -> None:
    assert country_key(form) == country


def test_name_key_drops_articles_dots_and_possessives() -> None:
    assert name_key("the Chinese Communist Party") == "chinese communist party"
    assert name_key("Blinken’s") == "blinken"
    assert name_key("Kilroy-Silk") == "kilroy silk"
    assert country_key("Blinken") is None


@pytest.mark.parametrize(
    ("name", "acronym"),
    [
        ("Chinese Communist Party", "CCP"),
        ("UK Independence Party", "UKIP"),
        ("Nordic Fisheries Council", "NFC"),
    ],
)
def test_initials_make_acronyms(name: str, acronym: str) -> None:
    assert initials(name) == acronym
