"""Page text for briefs: the article, without the headline the page repeats above it."""

from __future__ import annotations

from bot.ingest.extract import extract_html, without_headline

LEAD = (
    "Train drivers in the northern region called off a planned strike on Wednesday after the rail "
    "operator agreed to a new pay offer."
)
MORE = "Union leader Omar Haddad said the members would vote on the deal next week."


def page(title: str, h1: str) -> str:
    return (
        f"<html><head><title>{title}</title></head><body><nav>Home · Local</nav><article>"
        f"<h1>{h1}</h1><p>{LEAD}</p><p>{MORE}</p></article></body></html>"
    )


def test_the_headline_above_the_story_is_not_part_of_its_text() -> None:
    found = extract_html(page("Rail strike called off", "Rail strike called off"), "http://127.0.0.1/a")
    assert found.title == "Rail strike called off"
    assert found.text.startswith("Train drivers in the northern region")  # the lead comes first
    assert MORE in found.text


def test_only_a_line_that_repeats_the_title_is_dropped() -> None:
    assert without_headline("Rail Strike  called off\nTrain drivers …", "rail strike called off") == (
        "Train drivers …"
    )
    kept = "Rail strike called off, union says\nTrain drivers …"
    assert without_headline(kept, "Rail strike called off") == kept
    assert without_headline("Rail strike called off", "Rail strike called off") == "Rail strike called off"
    assert without_headline("Rail strike called off\nMore", "") == "Rail strike called off\nMore"
