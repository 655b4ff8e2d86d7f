"""The offline answer backend on passages given directly: quotes, answer types, don't-know."""

from __future__ import annotations

from dataclasses import replace

import pytest

from summarizer.answer import Passage, Turn
from summarizer.qa import ExtractiveAnswerBackend, analyse
from summarizer.qa.extract import MAX_QUOTE_CHARS, quote, trim
from summarizer.qa.model import load

FERRY = (
    "The Orrin Bay ferry service will run through the night from May, the harbour board said on "
    "Tuesday. The night crossings were tested last summer, when ticket sales rose by a fifth. "
    "Harbour master Elena Vasquez said the board had bought two electric ferries for £9m. "
    "The new boats will be built in Kellport by the shipyard Norwell Marine. "
    "Fares will rise by 5% because fuel and wages cost more than expected."
)
BAKERY = (
    "A bakery in Tolsey has won the national bread award for the third time. Owner Priya Nandi "
    "said she started baking at the age of nine. The shop sells about 1,400 loaves a week."
)


def passages() -> list[Passage]:
    return [
        Passage("ferry-1", FERRY, title="Orrin Bay ferry to run all night", url="https://news.example/ferry"),
        Passage("bakery-2", BAKERY, title="Tolsey bakery wins bread award again", source="Tolsey Times"),
    ]


async def ask(question: str, history: tuple[Turn, ...] = ()) -> tuple[str | None, str | None, str | None]:
    answer = await ExtractiveAnswerBackend().answer(question, passages(), history)
    first = answer.citations[0] if answer.citations else None
    return answer.answer, first.quote if first else None, first.id if first else None


async def test_each_kind_of_question_quotes_the_sentence_with_the_answer() -> None:
    cases = {
        "Who is the harbour master?": "Elena Vasquez",
        "How much did the two electric ferries cost?": "£9m",
        "Where will the new boats be built?": "Kellport",
        "Why will ferry fares rise?": "because fuel and wages",
        "How many loaves does the Tolsey bakery sell?": "1,400 loaves",
        "When will the ferry run through the night?": "from May",
        "Which shipyard will build the ferries?": "Norwell Marine",
    }
    for question, phrase in cases.items():
        text, quoted, _ = await ask(question)
        assert text is not None, question
        assert phrase in (quoted or ""), (question, quoted)


async def test_citation_carries_title_link_and_outlet() -> None:
    answer = await ExtractiveAnswerBackend().answer(
        "How old was Priya Nandi when she started baking?", passages()
    )
    assert answer.answer is not None
    c = answer.citations[0]
    assert (c.id, c.title, c.url, c.source) == (
        "bakery-2",
        "Tolsey bakery wins bread award again",
        None,
        "Tolsey Times",
    )
    assert "age of nine" in c.quote
    assert 0.0 < answer.confidence <= 1.0
    assert answer.backend == "extractive"


async def test_questions_the_passages_do_not_answer_get_none() -> None:
    for question in (
        "Who won the 2042 mayoral election in Orrin Bay?",
        "How many people live on Mars?",
        "",
        "???",
    ):
        answer = await ExtractiveAnswerBackend().answer(question, passages())
        assert answer.answer is None, question
        assert answer.citations == ()


@pytest.mark.xfail(
    strict=True,
    reason="issue 13, open: the learned confidence trusts a sentence that shares only a name "
    "with the question (nothing about a runway is said) when it leads its few rivals by far; "
    "fitting on name-swapped unanswerable questions lowered it (0.57 -> 0.47), not below the "
    "threshold; see the issue's closing note",
)
async def test_a_sentence_sharing_only_a_name_with_the_question_is_no_answer() -> None:
    answer = await ExtractiveAnswerBackend().answer(
        "What did Elena Vasquez say about the airport runway?", passages()
    )
    assert answer.answer is None


async def test_in_a_thread_the_thread_s_threshold_decides() -> None:
    # A question asked in an article's thread is nearly always about that article: the model
    # holds a threshold for each scope, and the backend applies the one it is told.
    model = load()
    lenient = replace(model, thread_threshold=0.0, wide_threshold=1.0)
    backend = ExtractiveAnswerBackend(model=lenient)
    question = "Who is the harbour master?"
    in_thread = await backend.answer(question, passages()[:1], in_thread=True)
    assert in_thread.answer is not None
    assert "Elena Vasquez" in in_thread.citations[0].quote
    assert (await backend.answer(question, passages()[:1])).answer is None


async def test_no_passages_no_answer() -> None:
    answer = await ExtractiveAnswerBackend().answer("Who is the harbour master?", [])
    assert answer.answer is None


async def test_follow_up_uses_the_earlier_turn() -> None:
    history = (Turn("Who owns the Tolsey bakery?", "Owner Priya Nandi said she started baking at nine."),)
    text, quoted, article = await ask("How many loaves does her shop sell a week?", history)
    assert text is not None
    assert article == "bakery-2"
    assert quoted is not None
    assert "1,400" in quoted


def test_trim_drops_a_leading_connective() -> None:
    assert trim("But the board said fares would rise.") == "The board said fares would rise."
    assert trim("However, the vote was close.") == "The vote was close."


def test_a_very_long_sentence_is_quoted_around_the_question_s_words() -> None:
    filler = "and the committee discussed many other matters at great length " * 12
    sentence = (
        f"The meeting opened with routine business {filler} before the mayor named Jonas Pell as "
        f"treasurer {filler}"
    )
    q = analyse("Whom did the mayor name as treasurer?")
    cut = quote(sentence, q)
    assert len(cut) <= MAX_QUOTE_CHARS + 2
    assert "Jonas Pell as treasurer" in cut
    assert cut.startswith("…")
    assert cut.endswith("…")
