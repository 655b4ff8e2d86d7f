"""The gist is the lead, cleaned of datelines and page furniture."""

from __future__ import annotations

from summarizer.local.tldr import MAX_WORDS, make_tldr


def test_a_dateline_is_dropped() -> None:
    lead = [
        "LISBON (Reuters) - Norway and Portugal opened talks on fishing quotas on Monday after a long row."
    ]
    assert make_tldr(lead).startswith("Norway and Portugal opened talks")


def test_a_date_line_on_its_own_is_skipped() -> None:
    lead = [
        "LONDON 2031-04-12",
        "The harbour authority approved a six-month trial of night ferries on Tuesday.",
    ]
    assert make_tldr(lead) == lead[1]


def test_a_short_lead_takes_the_next_sentence_too() -> None:
    lead = [
        "The ferry will run.",
        "The trial starts in May and ends in October, the authority said.",
        "More later.",
    ]
    assert make_tldr(lead) == f"{lead[0]} {lead[1]}"


def test_prompts_and_bylines_are_not_the_gist() -> None:
    assert make_tldr(["Scroll down for video Six men were charged on Monday with smuggling rare birds."]) == (
        "Six men were charged on Monday with smuggling rare birds."
    )


def test_a_very_long_lead_is_cut() -> None:
    words = " ".join(f"word{i}" for i in range(200))
    tldr = make_tldr([words + "."])
    assert len(tldr.split()) == MAX_WORDS
    assert tldr.endswith("…")


def test_nothing_to_say_gives_an_empty_gist() -> None:
    assert make_tldr([]) == ""
