"""Roles in the article's own words, from the ways news introduces people."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from summarizer.brief import Brief
from tests.summarizer.fixtures import FISHING_TALKS, HARBOUR_VOTE

Briefer = Callable[..., Brief]


def role_of(brief: Brief, name: str) -> str | None:
    return next(a.role for a in brief.who if a.name == name)


def test_titles_before_the_name(brief_of: Briefer) -> None:
    assert role_of(brief_of(FISHING_TALKS), "Ingrid Solberg") == "Norwegian Foreign Minister"
    assert role_of(brief_of(HARBOUR_VOTE), "Miriam Okafor") == "Council leader"


def test_an_apposition_before_the_name(brief_of: Briefer) -> None:
    assert role_of(brief_of(FISHING_TALKS), "Tiago Marques") == "Portuguese counterpart"


@pytest.mark.parametrize(
    ("sentence", "name", "role"),
    [
        (
            "Rafael Ostrowski, the chairman of the Baltic Shipping Club, said the strike would end.",
            "Rafael Ostrowski",
            "chairman of the Baltic Shipping Club",
        ),
        (
            "Helen Marsh, a retired schoolteacher, organised the protest outside the town hall.",
            "Helen Marsh",
            "retired schoolteacher",
        ),
        (
            "Yusuf Demir, 52, a senior engineer at the plant, said the repairs would take weeks.",
            "Yusuf Demir",
            "senior engineer at the plant",
        ),
        (
            "Environmental group Clear Rivers Trust said the dam should be removed by 2030.",
            "Clear Rivers Trust",
            "Environmental group",
        ),
        (
            "The protesters formed a new campaign group called Tide Watch to oppose the harbour plan.",
            "Tide Watch",
            "new campaign group",
        ),
        (
            "Anna Kowalczyk, who founded the shelter in 2009, asked the city for more funding.",
            "Anna Kowalczyk",
            "founded the shelter in 2009",
        ),
        (
            "Mara Veldt, Fisheries and Harbours Minister, announced the new quotas on Monday.",
            "Mara Veldt",
            "Fisheries and Harbours Minister",
        ),
        (
            '"The market will settle by spring," said Tomas Brenner of Harwick Savings Bank.',
            "Tomas Brenner",
            "of Harwick Savings Bank",
        ),
        (
            "The service was led by the Bishop of Kessing, Dr Alan Marsh, in the old cathedral.",
            "Alan Marsh",
            "Bishop of Kessing",
        ),
        (
            "Nadia Rourke, for the Green Party, said the vote showed deep doubts about the bill.",
            "Nadia Rourke",
            "for the Green Party",
        ),
        (
            "Charged with fraud are Colm Brady, 34; Kemal Ito, 29; and Rhys Dane, 41.",
            "Kemal Ito",
            "29-year-old",
        ),
    ],
)
def test_roles_beside_the_name(brief_of: Briefer, sentence: str, name: str, role: str) -> None:
    text = f"{sentence} The city council will discuss the matter next week, officials in Gdansk said."
    assert role_of(brief_of(text), name) == role


def test_a_description_that_stands_for_the_last_person_named(brief_of: Briefer) -> None:
    text = (
        "The new rules on river fishing are fair and will be enforced, Gareth Lloyd has said.\n"
        "The rural affairs minister said anglers had been consulted for a year.\n"
    )
    assert role_of(brief_of(text), "Gareth Lloyd") == "rural affairs minister"


def test_a_description_with_a_party_name_stands_for_the_last_person_named(brief_of: Briefer) -> None:
    text = (
        "Council tax should be frozen for two years, Fiona Gault has said.\n"
        "The Green Party leader said families could not afford another rise.\n"
    )
    assert role_of(brief_of(text), "Fiona Gault") == "Green Party leader"


def test_a_title_of_someone_else_is_not_the_role_of_the_name_after_it(brief_of: Briefer) -> None:
    text = (
        "The deputy chairman of Harwick Savings Bank, Lena Ostrova, said the bank would cut fees.\n"
        "Harwick Savings Bank will close ten branches next year, Ostrova said.\n"
    )
    bank = [a.role for a in brief_of(text).who if a.name == "Harwick Savings Bank"]
    assert bank == [None]


def test_an_unnamed_lead_subject_is_the_role_of_the_person_named_next(brief_of: Briefer) -> None:
    text = (
        "A Leeds bus driver accused of running a red light has pleaded not guilty to dangerous driving.\n"
        "Martin Hale, 44, of Headingley, appeared before magistrates on Monday.\n"
        "Hale was released on bail until the trial in June.\n"
    )
    assert role_of(brief_of(text), "Martin Hale") == "Leeds bus driver accused of running a red light"


def test_no_role_is_made_up(brief_of: Briefer) -> None:
    brief = brief_of(FISHING_TALKS)
    roles = [a.role for a in brief.who if a.role]
    for role in roles:
        assert role in " ".join(FISHING_TALKS.split())
    assert role_of(brief, "Nordic Fisheries Council") is None
