"""Where channel-wide answers go wrong (issue 13): the misses of the sentence ranker, by kind.

    .venv/bin/python bench/qa_misses.py            # silver (out of fold) and dev
    .venv/bin/python bench/qa_misses.py -v         # … and each "another article" miss

Reads what bench/qa_train.py collected (each question asked channel-wide over the fitting store,
every sentence it was offered with its features; built into the cache if missing) and ranks
it as the answerer does, without "I don't know": silver with the ranker fitted on the other
four fifths of silver, dev with the ranker fitted on all of silver. A miss is one of:

- ``another article``: the best sentence is in an article the question is not about;
- ``wrong sentence``: it is in the question's own article but does not hold the answer;
- ``not offered``: no sentence offered holds the answer — the search did not find the article
  (among ``bot.qa.CANDIDATES``), or found it but its answer sentence shares no word with the
  question (``rank.SHARES_A_WORD``).

For "another article" misses it compares the chosen article with the right one: are they
near-duplicates (most of their content words shared), does the chosen sentence hold the
answer's numbers and names anyway (the same fact in other words, which the verbatim check
counts wrong), which did the search rank first, which covers more of the question (sentence,
whole article), and which was stored first.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from qa_data import CACHE, Asked, cached_store, load
from qa_train import FOLDS, MARGINS, RANKER_L2, TRAIN, asked_for, fit_ranker, folds, groups

from summarizer.qa.model import Linear
from summarizer.text import content_stems

L2 = RANKER_L2[len(RANKER_L2) // 2]  # the strength bench/qa_train.py's silver → dev fits with
NEAR_DUPLICATE = 0.5  # share of their content words (Jaccard) two articles must have in common
# What must reappear for a sentence to state the answer in other words: its numbers and names.
_ANSWER_TOKENS = re.compile(r"[£$€¥]?\d[\d,.]*\w*%?|[A-Z][\w'’-]+")


TRAITS = (
    "near-duplicate articles",
    "the chosen sentence holds the answer's numbers and names",
    "search ranked the right article first",
    "search ranked the chosen article above the right one",
    "the chosen sentence covers more of the question",
    "the chosen sentence covers less of it",
    "the chosen article covers more of the question",
    "the chosen article covers less of it",
    "the right sentence is its article's best",
    "the right article was stored first",
)


@dataclass(frozen=True)
class Miss:
    kind: str  # another article | wrong sentence | not offered
    chosen: int | None  # the candidate put first
    right: int | None  # the best-ranked candidate holding the answer


def miss(asked: Asked, scores: Sequence[float]) -> Miss | None:
    """How the ranker's choice (the highest of ``scores``) misses the question, or None when
    it holds the answer."""
    if not asked.candidates:
        return Miss("not offered", None, None)
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    chosen = order[0]
    if asked.labels[chosen]:
        return None
    right = next((i for i in order if asked.labels[i]), None)
    if right is None:
        return Miss("not offered", chosen, None)
    own = str(asked.item.article)
    kind = "wrong sentence" if asked.candidates[chosen].passage.article_id == own else "another article"
    return Miss(kind, chosen, right)


def similarity(a: str, b: str) -> float:
    """The share of content words two texts have in common (Jaccard)."""
    x, y = set(content_stems(a)), set(content_stems(b))
    return len(x & y) / len(x | y) if x | y else 0.0


def restates(sentence: str, answer: str) -> bool:
    """Whether ``sentence`` holds every number and name of ``answer`` (an answer of ordinary
    words only cannot be judged so: False)."""
    tokens = [t.casefold() for t in _ANSWER_TOKENS.findall(answer) if t.casefold() not in ("the", "a", "an")]
    return bool(tokens) and all(t in sentence.casefold() for t in tokens)


def compare(
    asked: Asked, scores: Sequence[float], m: Miss, texts: Mapping[str, str], stored: Mapping[str, int]
) -> dict[str, bool]:
    """The traits of one "another article" miss: ``TRAITS``, each true or not."""
    assert m.chosen is not None
    assert m.right is not None
    chosen, right = asked.candidates[m.chosen], asked.candidates[m.right]
    mine, theirs = right.passage.article_id, chosen.passage.article_id
    f, g = right.features, chosen.features
    return {
        "near-duplicate articles": similarity(texts[mine], texts[theirs]) >= NEAR_DUPLICATE,
        "the chosen sentence holds the answer's numbers and names": restates(
            chosen.sentence, str(asked.item.answer)
        ),
        "search ranked the right article first": f["article_top"] == 1.0,
        "search ranked the chosen article above the right one": g["article_rank"] < f["article_rank"],
        "the chosen sentence covers more of the question": g["sentence"] > f["sentence"] + 1e-9,
        "the chosen sentence covers less of it": g["sentence"] < f["sentence"] - 1e-9,
        "the chosen article covers more of the question": g["article"] > f["article"] + 1e-9,
        "the chosen article covers less of it": g["article"] < f["article"] - 1e-9,
        "the right sentence is its article's best": all(
            s <= scores[m.right]
            for c, s in zip(asked.candidates, scores, strict=True)
            if c.passage.article_id == mine
        ),
        "the right article was stored first": stored[mine] < stored[theirs],
    }


def scored(asked: Sequence[Asked], ranker: Linear) -> list[tuple[Asked, list[float]]]:
    return [(a, [ranker.score(c.features) for c in a.candidates]) for a in asked]


def fitting(asked: Sequence[Asked]) -> list[Asked]:
    """What the ranker is fitted on: silver's questions in their own thread and channel-wide."""
    return [a for a in asked if a.item.origin in TRAIN and a.item.answer and a.scope != "foreign"]


def out_of_fold(asked: Sequence[Asked], names: Sequence[str]) -> list[tuple[Asked, list[float]]]:
    """Silver's channel-wide questions, each ranked by a ranker fitted without its article."""
    silver = fitting(asked)
    fold = folds([a.item for a in silver], FOLDS)
    out: list[tuple[Asked, list[float]]] = []
    for k in range(FOLDS):
        inside = [a for a in silver if fold[a.item.group] != k]
        ranker = fit_ranker(groups(inside, names), names, L2)
        out += scored([a for a in silver if fold[a.item.group] == k and a.scope == "wide"], ranker)
    return out


def report(
    label: str,
    ranked: Sequence[tuple[Asked, list[float]]],
    texts: Mapping[str, str],
    stored: Mapping[str, int],
    verbose: bool,
) -> None:
    kinds = Counter[str]()
    traits = Counter[str]()
    absent = 0
    for asked, scores in ranked:
        m = miss(asked, scores)
        kinds[m.kind if m else "right"] += 1
        if m is None:
            continue
        if m.kind == "not offered":
            own = str(asked.item.article)
            absent += all(c.passage.article_id != own for c in asked.candidates)
        if m.kind == "another article":
            traits.update(k for k, v in compare(asked, scores, m, texts, stored).items() if v)
            if verbose:
                assert m.chosen is not None
                assert m.right is not None
                print(f"    {asked.item.question!r} → {asked.item.answer!r}")
                print(f"      chosen: {asked.candidates[m.chosen].sentence[:140]!r}")
                print(f"      right:  {asked.candidates[m.right].sentence[:140]!r}")
    n = len(ranked)
    print(f"{label}: {n} questions, the first sentence holds the answer for {kinds['right'] / n:.1%}")
    print(
        f"  misses: another article {kinds['another article']}, wrong sentence in the right "
        f"article {kinds['wrong sentence']}, not offered {kinds['not offered']} "
        f"(the article not found {absent}, found but its answer sentence not offered "
        f"{kinds['not offered'] - absent})"
    )
    print(f"  of the {kinds['another article']} answered from another article:")
    for trait in TRAITS:
        print(f"    {trait:<58} {traits[trait]:4d}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    items, articles = load()
    asked = asked_for(args.cache, cached_store(args.cache, articles, briefed=False), items)
    texts = {a["id"]: f"{a.get('title') or ''}\n{a['text']}" for a in articles}
    stored = {a["id"]: i for i, a in enumerate(articles)}  # the bench stores them in this order
    names = sorted({n for a in asked for c in a.candidates for n in c.features} - set(MARGINS))
    report("silver, out of fold", out_of_fold(asked, names), texts, stored, args.verbose)
    ranker = fit_ranker(groups(fitting(asked), names), names, L2)
    dev = [a for a in asked if a.item.origin == "dev" and a.scope == "wide" and a.item.answer]
    report("dev (ranker fitted on silver)", scored(dev, ranker), texts, stored, args.verbose)
    print("(the bench stores the questions' own articles first, the distractors after them)")


if __name__ == "__main__":
    main()
