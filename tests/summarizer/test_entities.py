"""Who and where: one entry per real entity, of the right kind, named as the article names it."""

from __future__ import annotations

import re
from collections.abc import Callable

from summarizer.brief import Brief
from summarizer.local import LocalBackend
from summarizer.local.casing import truecase
from summarizer.local.entities import group_mentions
from summarizer.local.mentions import Mention
from tests.summarizer.fixtures import FISHING_TALKS, HARBOUR_VOTE

Briefer = Callable[..., Brief]


def names(entries: tuple[object, ...]) -> list[str]:
    return [e.name for e in entries]  # type: ignore[attr-defined]


def test_surnames_and_bracketed_acronyms_join_their_full_name(brief_of: Briefer) -> None:
    brief = brief_of(FISHING_TALKS)
    who = {a.name: a for a in brief.who}
    assert set(who) == {"Ingrid Solberg", "Tiago Marques", "Nordic Fisheries Council"}
    assert "Solberg" in who["Ingrid Solberg"].aliases
    assert "Marques" in who["Tiago Marques"].aliases
    assert "NFC" in who["Nordic Fisheries Council"].aliases
    assert who["Ingrid Solberg"].kind == "person"
    assert who["Nordic Fisheries Council"].kind == "organization"
    # the most talked-about actor comes first
    assert brief.who[0].name == "Ingrid Solberg"
    assert who["Ingrid Solberg"].mentions >= 4


def test_places_are_merged_and_a_venue_is_the_detail_of_its_city(brief_of: Briefer) -> None:
    brief = brief_of(FISHING_TALKS)
    where = {p.name: p for p in brief.where}
    assert {"Lisbon", "Oslo", "Norway", "Portugal"} <= set(where)
    assert where["Lisbon"].detail == "Belem Conference Centre"
    assert len(names(brief.where)) == len(set(names(brief.where)))


def test_names_of_one_country_make_one_place(brief_of: Briefer) -> None:
    text = (
        "The United States and Canada signed a timber accord in Ottawa on Friday.\n"
        "U.S. negotiators had pushed for lower tariffs on softwood lumber for two years.\n"
        "America is Canada's largest buyer of timber, and officials in the US said exports would rise.\n"
    )
    brief = brief_of(text)
    american = [p for p in brief.where if p.name in {"United States", "U.S.", "US", "America"}]
    assert len(american) == 1
    assert set(american[0].aliases) | {american[0].name} >= {"United States", "U.S.", "America"}
    assert american[0].mentions >= 4


def test_title_words_and_pronouns_are_not_names(brief_of: Briefer) -> None:
    text = (
        "U.S. Secretary of State Laura Benning arrived in Nairobi on Monday for talks on drought relief.\n"
        "She met President Daniel Kiprop at State House, and they agreed to review aid every month.\n"
        "Benning said the Secretary of State's office would publish the figures.\n"
    )
    brief = brief_of(text)
    assert "State" not in names(brief.who) + names(brief.where)
    assert not {"She", "They", "President", "Secretary"} & set(names(brief.who))
    benning = next(a for a in brief.who if a.name == "Laura Benning")
    assert benning.role == "U.S. Secretary of State"


def test_a_name_labelled_inconsistently_is_decided_by_its_other_mentions(backend: LocalBackend) -> None:
    text = "Antony Harwell met the mayor on Monday. Harwell left early. Harwell returned on Friday."
    doc = backend.nlp(truecase(text))

    def mention(form: str, occurrence: int, label: str) -> Mention:
        start_char = [m.start() for m in re.finditer(form, text)][occurrence]
        span = doc.char_span(start_char, start_char + len(form))
        return Mention(form, label, span.start, span.end, span.start_char, span.end_char, 0)

    mentions = [
        mention("Antony Harwell", 0, "PERSON"),
        mention("Harwell", 1, "GPE"),  # the model's slip
        mention("Harwell", 2, "PERSON"),
    ]
    groups = group_mentions(mentions, doc, text)
    assert len(groups) == 1
    assert groups[0].kind == "person"
    assert len(groups[0].mentions) == 3


def test_a_dateline_is_a_place_and_teams_in_scores_are_organisations(brief_of: Briefer) -> None:
    text = (
        "EDINBURGH 2031-04-12\n"
        "Kelburn beat Ardmore 2-1 on Saturday to go top of the league, while Scotland drew with Wales.\n"
        "Results:\nKelburn 2 Ardmore 1\nLochside 0 Rosemount 0\n"
        "Leading scorer: Callum Reid (Scotland) 14 goals.\n"
    )
    brief = brief_of(text)
    where = names(brief.where)
    who = {a.name: a.kind for a in brief.who}
    assert where[0] in {"EDINBURGH", "Edinburgh"}
    assert {"Scotland", "Wales"} <= set(where)  # national sides stay their countries
    assert who.get("Kelburn") == "organization"
    assert who.get("Lochside") == "organization"
    assert who.get("Callum Reid") == "person"
    assert "Callum Reid" not in where


def test_every_name_in_a_brief_occurs_in_the_article(brief_of: Briefer) -> None:
    for text in (FISHING_TALKS, HARBOUR_VOTE):
        brief = brief_of(text)
        lowered = text.casefold()
        for entry in (*brief.who, *brief.where):
            assert entry.name.casefold() in lowered, entry.name
            for alias in entry.aliases:
                assert alias.casefold() in lowered, alias
        for place in brief.where:
            if place.detail:
                assert place.detail.casefold() in lowered


def test_the_headline_counts_but_its_capitals_do_not_make_names(brief_of: Briefer) -> None:
    text = (
        "Kelburn beat Ardmore 2-1 on Saturday to go top of the league after a late goal by Callum Reid.\n"
        "Ardmore had led at half-time.\n"
    )
    brief = brief_of(text, title="SOCCER - KELBURN TAKE TOP SPOT AFTER WIN IN JAPAN")
    assert "Japan" in [p.name.title() for p in brief.where]  # a country in the headline only
    assert not any("Take" in a.name or "Spot" in a.name for a in brief.who)
    assert brief.tldr.startswith("Kelburn beat Ardmore")
    assert brief.who[0].name == "Kelburn"  # named in the headline and the lead
