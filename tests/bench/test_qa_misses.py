"""bench/qa_misses.py's sorting of channel-wide misses, on invented questions and articles."""

from __future__ import annotations

import sys

from summarizer.answer import Passage
from summarizer.qa.rank import Candidate
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))

from qa_data import Asked, Item
from qa_misses import TRAITS, Miss, compare, miss, restates, similarity

HARBOUR = "The Lakeport harbour board bought two electric ferries for £4m, chairman Elena Vasquez said."
HARBOUR_AGAIN = "Lakeport's harbour board paid £4m for two electric ferries, according to Elena Vasquez."
BAKERY = "A bakery in Northmere sells 1,400 loaves a week and will open a second shop in May."
FEATURES = {"article_rank": 0.0, "article_top": 1.0, "sentence": 0.5, "article": 0.5}


def asked(sentences: list[tuple[str, str]], answer: str = "two electric ferries") -> Asked:
    """A question about the "harbour" article, offered these (article, sentence) pairs."""
    item = Item("What did the Lakeport harbour board buy?", answer, "harbour", "silver", "harbour")
    candidates = [
        Candidate(Passage(article, text, position=i), text, 0.0, FEATURES)
        for i, (article, text) in enumerate(sentences)
    ]
    return Asked(item, "wide", candidates, [answer in text for _, text in sentences])


def test_a_miss_is_sorted_by_where_the_first_sentence_came_from() -> None:
    offered = asked([("harbour", HARBOUR), ("harbour", "Ferries cross twice a day."), ("bakery", BAKERY)])
    assert miss(offered, [3.0, 2.0, 1.0]) is None  # the answer first: no miss
    assert miss(offered, [2.0, 3.0, 1.0]) == Miss("wrong sentence", 1, 0)
    assert miss(offered, [2.0, 1.0, 3.0]) == Miss("another article", 2, 0)
    assert miss(asked([("bakery", BAKERY)]), [1.0]) == Miss("not offered", 0, None)
    assert miss(asked([]), []) == Miss("not offered", None, None)


def test_near_duplicates_and_restated_answers_are_told_apart() -> None:
    assert similarity(HARBOUR, HARBOUR_AGAIN) >= 0.5
    assert similarity(HARBOUR, BAKERY) < 0.2
    assert restates(HARBOUR_AGAIN, "£4m")
    assert not restates(BAKERY, "£4m")
    assert not restates(HARBOUR, "two electric ferries")  # no number or name to check


def test_an_answer_from_a_near_duplicate_is_counted_as_one() -> None:
    offered = asked([("harbour", HARBOUR), ("copy", HARBOUR_AGAIN)], answer="two electric ferries for £4m")
    m = miss(offered, [1.0, 2.0])
    assert m == Miss("another article", 1, 0)
    traits = compare(
        offered, [1.0, 2.0], m, {"harbour": HARBOUR, "copy": HARBOUR_AGAIN}, {"harbour": 0, "copy": 1}
    )
    assert traits["near-duplicate articles"]
    assert traits["the chosen sentence holds the answer's numbers and names"]
    assert traits["the right article was stored first"]
    assert not traits["search ranked the chosen article above the right one"]
    assert set(traits) == set(TRAITS)
