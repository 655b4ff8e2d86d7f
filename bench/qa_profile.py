"""Where one question's time goes, statement by statement, on either store engine (issue 16).

    .venv/bin/python bench/qa_profile.py --engine postgresql --scale 50000
    .venv/bin/python bench/qa_profile.py --scale 50000      # the same on SQLite

The questions and the store are bench/qa.py's latency section's (each question in its
article's thread and channel-wide; ``--questions`` of them spread over the set, after ten to
warm the caches). Every statement the store runs is timed and labelled by the function that
ran it; the answer backend's own time is timed apart; on PostgreSQL a pool checkout (with its
connection check) is timed on its own too. Printed: per label, statements per question, mean
time per question and the 95th percentile of the questions that ran it; then the whole
question's p50/p95 and how much of it is store, backend and the rest (Python around them).
Each statement is a round trip to the server: on a loaded machine a few milliseconds even for
a trivial one.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pg_store import PostgresCopy, cluster, copy_store, open_store
from qa import scaled_store
from qa_data import CACHE, cached_store, load

from bot.qa import AskScope, QuestionAnswerer
from bot.store import Store
from summarizer.answer import Answer, Passage, Turn
from summarizer.qa.extract import ExtractiveAnswerBackend

# Frames skipped when naming who ran a statement: the engine and the store's plumbing.
_PLUMBING = ("bot/store/postgres.py", "bot/store/sqlite.py", "contextlib.py", "bench/qa_profile.py")


class Recorder:
    """Times every statement of one database, by the store function that ran it."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)  # label → seconds, this question
        self.calls: dict[str, int] = defaultdict(int)

    def reset(self) -> None:
        self.spent.clear()
        self.calls.clear()

    def wrap(self, target: Any, name: str) -> None:
        run: Callable[..., Awaitable[Any]] = getattr(target, name)

        async def timed(*args: Any, **kwargs: Any) -> Any:
            label = _caller()
            start = time.perf_counter()
            try:
                return await run(*args, **kwargs)
            finally:
                self.spent[label] += time.perf_counter() - start
                self.calls[label] += 1

        setattr(target, name, timed)


def _caller() -> str:
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.endswith(_PLUMBING):
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return "?"
    module = Path(frame.f_code.co_filename).stem
    return f"{module}.{frame.f_code.co_name}"


class TimedBackend:
    def __init__(self, inner: ExtractiveAnswerBackend) -> None:
        self._inner = inner
        self.spent = 0.0

    @property
    def name(self) -> str:
        return self._inner.name

    async def answer(
        self,
        question: str,
        passages: Sequence[Passage],
        history: Sequence[Turn] = (),
        *,
        in_thread: bool = False,
    ) -> Answer:
        start = time.perf_counter()
        try:
            return await self._inner.answer(question, passages, history, in_thread=in_thread)
        finally:
            self.spent += time.perf_counter() - start


def p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[int(0.95 * (len(xs) - 1))]


async def profile(where: Path | PostgresCopy, asks: list[tuple[str, AskScope]]) -> None:
    store: Store = await open_store(where)
    try:
        count = await store.articles.count()
        recorder = Recorder()
        db = store.db
        for name in ("execute", "fetchone", "fetchall", "executemany"):
            recorder.wrap(db, name)
        backend = TimedBackend(ExtractiveAnswerBackend())
        qa = QuestionAnswerer(store, backend)
        for question, scope in asks[:10]:
            await qa.ask(question, scope)
        per_label: dict[str, list[float]] = defaultdict(list)
        calls: dict[str, int] = defaultdict(int)
        totals: list[float] = []
        store_ms: list[float] = []
        backend_ms: list[float] = []
        for question, scope in asks:
            recorder.reset()
            backend.spent = 0.0
            start = time.perf_counter()
            await qa.ask(question, scope)
            totals.append((time.perf_counter() - start) * 1000)
            store_ms.append(sum(recorder.spent.values()) * 1000)
            backend_ms.append(backend.spent * 1000)
            for label, spent in recorder.spent.items():
                per_label[label].append(spent * 1000)
                calls[label] += recorder.calls[label]
        n = len(totals)
        print(f"{db.dialect.name}, {count} articles, {n} questions")
        print(f"  {'asked by':<36} {'statements/q':>12} {'ms/q mean':>10} {'p95 when run':>13}")
        for label in sorted(per_label, key=lambda k: -sum(per_label[k])):
            xs = per_label[label]
            print(f"  {label:<36} {calls[label] / n:>12.2f} {sum(xs) / n:>10.2f} {p95(xs):>13.2f}")
        print(f"  statements per question: {sum(calls.values()) / n:.2f}")
        pool = getattr(db, "_pool", None)
        if pool is not None:
            checkout: list[float] = []
            for _ in range(200):
                start = time.perf_counter()
                async with pool.connection():
                    checkout.append((time.perf_counter() - start) * 1000)
            print(
                f"  pool checkout (with its check): median {statistics.median(checkout):.2f} ms, "
                f"p95 {p95(checkout):.2f} ms"
            )
        print(
            f"  whole question: p50 {statistics.median(totals):.1f} ms  p95 {p95(totals):.1f} ms; "
            f"mean store {statistics.fmean(store_ms):.1f} ms (p95 {p95(store_ms):.1f}), "
            f"backend {statistics.fmean(backend_ms):.1f} ms (p95 {p95(backend_ms):.1f}), "
            f"rest {statistics.fmean(totals) - statistics.fmean(store_ms) - statistics.fmean(backend_ms):.1f}"
        )
    finally:
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--scale", type=int, default=0, help="grow the store to this many articles first")
    parser.add_argument("--questions", type=int, default=400, help="asks timed, spread over the set")
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    items, articles = load()
    db = cached_store(args.cache, articles)
    if args.scale:
        db = scaled_store(db, args.scale, args.cache)
    every = [(i.question, AskScope(article_id=i.article)) for i in items if i.article] + [
        (i.question, AskScope()) for i in items
    ]
    step = max(1, len(every) // args.questions)
    asks = every[::step][: args.questions]
    with contextlib.ExitStack() as stack:
        where: Path | PostgresCopy = db
        if args.engine == "postgresql":
            where = copy_store(stack.enter_context(cluster()), db)
        asyncio.run(profile(where, asks))


if __name__ == "__main__":
    main()
