"""Lines in capitals are re-cased for the model without moving a single character."""

from __future__ import annotations

from summarizer.local.casing import is_shouting, truecase


def test_shouting_lines_become_title_case_and_keep_their_length() -> None:
    text = "HARBOUR TALKS RESUME IN LISBON\nThe talks resumed on Monday.\nBALTIMORE AT SEATTLE\n"
    recased = truecase(text)
    assert len(recased) == len(text)
    assert recased.splitlines() == [
        "Harbour Talks Resume in Lisbon",
        "The talks resumed on Monday.",
        "Baltimore at Seattle",
    ]


def test_initials_and_short_acronyms_keep_their_capitals() -> None:
    assert truecase("U.S. AND UN TROOPS ENTER O'NEILL'S TOWN") == "U.S. and UN Troops Enter O'Neill's Town"


def test_mixed_case_text_is_left_alone() -> None:
    text = "The NFC said on Monday that the UK would act."
    assert truecase(text) is text
    assert not is_shouting(text)
    assert not is_shouting("UK EU")  # too few letters to be a shouted line
