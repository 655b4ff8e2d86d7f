"""Why "I don't know" fails on unanswerable questions nothing was fitted or chosen on (issue 13).

    .venv/bin/python bench/qa_unknown.py            # each held-out unanswerable question, explained

For each unanswerable question of tests/fixtures/qa and bench/qa_heldout_unanswerable.jsonl
(the sets neither fitted nor chosen on), asked in its story's thread and channel-wide over
bench/qa.py's briefed store: the best sentence, its confidence against the threshold, the
confidence features that pushed it most (weight × value) and the features meant to notice a
detail the story lacks. Nothing here is fitted or chosen on: it explains, it does not tune.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from qa_data import CACHE, Item, cached_store, load
from qa_heldout import heldout

from bot.qa import AskScope, QuestionAnswerer
from bot.store import Store
from summarizer.answer import Passage
from summarizer.qa.extract import ExtractiveAnswerBackend, confidence_features
from summarizer.qa.model import load as load_model
from summarizer.qa.question import Question
from summarizer.qa.rank import rank

# The features that should notice a detail the story lacks.
DETECTORS = ("missing_key", "missing_word", "unsaid", "type_miss", "sentence", "article", "prior")


async def explain(db: Path, items: Sequence[Item]) -> tuple[int, int]:
    model = load_model()
    seen: list[tuple[Question, list[Passage]]] = []
    backend = ExtractiveAnswerBackend(observer=lambda q, p: seen.append((q, list(p))))
    store = await Store.open(db)
    said = total = 0
    try:
        qa = QuestionAnswerer(store, backend)
        for item in items:
            print(f"\n{item.question!r}  [{item.origin}, story {item.thread}]")
            for name, scope in (("thread", AskScope(article_id=item.thread)), ("wide", AskScope())):
                if name == "thread" and not item.thread:
                    continue
                seen.clear()
                answer = await qa.ask(item.question, scope)
                total += 1
                said += answer.answer is None
                best = rank(*seen[0], limit=1) if seen else []
                verdict = "I don't know" if answer.answer is None else "ANSWERED"
                threshold = model.threshold(name == "thread")
                print(f"  {name:<6} {verdict:<12} conf {answer.confidence:.2f} vs {threshold:.2f}")
                if not best:
                    continue
                c = best[0]
                print(f"         [{c.passage.article_id}] {c.sentence[:150]!r}")
                features = confidence_features(c)
                parts = {k: model.confidence.weight(k) * v for k, v in features.items()}
                top = sorted(parts.items(), key=lambda kv: -abs(kv[1]))[:6]
                print("         biggest: " + ", ".join(f"{k} {v:+.2f}" for k, v in top))
                print(
                    "         detectors: " + ", ".join(f"{k}={features.get(k, 0.0):.2f}" for k in DETECTORS)
                )
    finally:
        await store.close()
    return said, total


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cache", type=Path, default=CACHE)
    args = parser.parse_args()
    items, articles = load()
    held = heldout({str(a["id"]) for a in articles})
    db = cached_store(args.cache, articles)
    fixture = [
        Item(i.question, None, None, i.origin, i.group, i.article)
        for i in items
        if i.origin == "fixture" and i.answer is None
    ]
    for label, group in (("fixture", fixture), ("held-out", held)):
        said, total = asyncio.run(explain(db, group))
        print(f'\n{label}: "I don\'t know" {said}/{total} asks')


if __name__ == "__main__":
    main()
