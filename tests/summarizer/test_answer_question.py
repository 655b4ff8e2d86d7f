"""What a question asks for, its names, and follow-ups made self-contained."""

from __future__ import annotations

import pytest

from summarizer.answer import Turn
from summarizer.qa.question import analyse, clean, names_in, resolve


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who is the chairman of the harbour board?", "who"),
        ("Which officials might travel to Westbrook?", "who"),
        ("Which club did Ferraz join?", "who"),
        ("Which film won best documentary?", "which"),
        ("Where will the plant be built?", "where"),
        ("In which town did the river flood?", "where"),
        ("When will talks resume?", "when"),
        ("What year did the strike end?", "when"),
        ("How many homes were evacuated?", "number"),
        ("How much did the bridge cost?", "number"),
        ("What was the turnout?", "number"),
        # The head of the noun phrase asked about, not its first word, tells the kind.
        ("What annual salary does the harbour master earn?", "number"),
        ("What is the largest fine the ferry firm could face?", "number"),
        ("Which coastal town will host the regatta?", "where"),
        ("What title will the new chair hold?", "what"),
        ("Why did the council close the libraries?", "why"),
        ("What was the reason for the walkout?", "why"),
        ("How did the firefighters reach the couple?", "how"),
        ("What did the mayor call the budget?", "what"),
        ("Did the union accept the offer?", "yesno"),
        ("Blinken met whom?", "who"),
    ],
)
def test_kind(question: str, kind: str) -> None:
    assert analyse(question).kind == kind


def test_names_and_numbers_weigh_most_and_must_be_found() -> None:
    q = analyse("How much did Kestrel United pay for Mateo Ferraz in 2031?")
    by_word = {t.word: t for t in q.terms}
    assert q.names == ("Kestrel United", "Mateo Ferraz")
    assert by_word["Ferraz"].key
    assert by_word["2031"].key
    assert not by_word["pay"].key
    assert by_word["Ferraz"].weight > by_word["pay"].weight > by_word["much"].weight
    assert q.search_words[0] in {"Kestrel", "United", "Mateo", "Ferraz", "2031"}


def test_names_in_text() -> None:
    text = (
        "But there is an expectation that Blinken’s visit will pave the way, including trips by "
        "U.S. Treasury Secretary Janet Yellen and the Bank of England governor. The Green Party won."
    )
    assert names_in(text) == [
        "Blinken",
        "U.S. Treasury Secretary Janet Yellen",
        "Bank of England",
        "Green Party",
    ]
    assert names_in("Blinken will travel to London June 16 for a conference.") == ["London"]
    assert names_in("How much did the PlayStation 4 cost?", question=True) == ["PlayStation 4"]


def test_chat_markup_and_filler_are_not_part_of_the_question() -> None:
    assert clean("<@U0123ABC> and so, who won? @here <!channel>") == "who won?"
    assert len(clean("why " * 5000)) <= 600


def test_what_about_follow_up_replaces_the_name() -> None:
    history = [Turn("Is Janet Yellen going to visit China?", "Yes, a trip is expected.")]
    assert resolve("and what about Raimondo?", history) == "Is Raimondo going to visit China?"
    assert resolve("What about Raimondo?", history) == "Is Raimondo going to visit China?"


def test_pronoun_follow_up_names_the_person_from_the_previous_turn() -> None:
    history = [
        Turn("Who leads the opposition group?", "The leader of the group, Sophie Marchetti, objected.")
    ]
    assert resolve("What did she promise?", history) == "What did Sophie Marchetti promise?"
    assert resolve("Where is her office?", history) == "Where is Sophie Marchetti's office?"


def test_pronoun_in_a_thread_without_history_means_the_article_s_main_person() -> None:
    assert resolve("What did he say about Taiwan?", [], "Antony Blinken") == (
        "What did Antony Blinken say about Taiwan?"
    )
    # "it" is never a person: nothing to resolve it from.
    assert resolve("When did it open?", [], "Antony Blinken") == "When did it open?"


def test_a_possessive_after_a_name_belongs_to_that_name() -> None:
    assert resolve("Where will Veltra build its new factory?", [], "Rachel Imbert") == (
        "Where will Veltra build its new factory?"
    )


def test_a_question_without_follow_up_words_is_left_alone() -> None:
    history = [Turn("Who is the mayor?", "Mayor Alan Brierley said so.")]
    assert resolve("How many libraries will close?", history) == "How many libraries will close?"
