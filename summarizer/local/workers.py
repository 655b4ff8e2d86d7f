"""Briefing on worker processes, one model in each, so that more than one core can work.

spaCy holds the GIL while it parses, so threads cannot brief in parallel; processes can. The
workers are *spawned* (a fresh interpreter that imports only the summarizer and loads the model),
not forked: forking a process that runs an event loop and threads is unsafe, and every fork
would start as a copy of the whole bot. Workers start when there is work for them, and a batch
is split between them. A worker that dies (killed, out of memory) costs the batches it held, as
errors in place; the next batch gets a new pool. If workers cannot start at all, the backend
briefs in its own process instead.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from summarizer.brief import Article, Brief
from summarizer.errors import SummarizeError

log = logging.getLogger(__name__)

MAX_WORKERS_AUTO = 2


def auto_workers() -> int:
    """Worker processes for "auto": one per CPU core this process may use but one, which stays
    with the bot (fetching, extraction, SQLite, chat), at most ``MAX_WORKERS_AUTO``; 1 (brief in
    this process) on one or two cores. Measured on 2 cores (bench/ingest.py, 1,000 articles): in
    this process 45 articles/s and 204 MB, on two workers 39/s and 448 MB; the parent's own work
    and the pickling then compete with the workers for the same two cores."""
    return max(1, min(MAX_WORKERS_AUTO, usable_cores() - 1))


def usable_cores() -> int:
    """CPU cores this process may run on: more workers than these only compete for them, each
    with its own model in memory."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def split(items: Sequence[Article], parts: int) -> list[list[Article]]:
    """``items`` in at most ``parts`` consecutive runs of nearly equal length, in order."""
    parts = max(1, min(parts, len(items)))
    size, extra = divmod(len(items), parts)
    runs, start = [], 0
    for n in range(parts):
        end = start + size + (1 if n < extra else 0)
        runs.append(list(items[start:end]))
        start = end
    return runs


class WorkersUnavailable(Exception):
    """Worker processes could not start."""


class WorkerPool:
    """``workers`` processes that brief with the model ``model``."""

    def __init__(self, model: str, batch_size: int, workers: int) -> None:
        self._model = model
        self._batch_size = batch_size
        self._workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._served = False  # some worker has briefed: a broken pool is then a lost worker

    @property
    def workers(self) -> int:
        return self._workers

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self._workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(self._model, self._batch_size),
            )
        return self._pool

    async def brief_many(self, articles: Sequence[Article]) -> list[Brief | SummarizeError]:
        """Raises ``WorkersUnavailable`` if no worker has ever briefed and the pool broke: then
        workers cannot start here (no ``__main__`` guard, no memory)."""
        if not articles:
            return []
        loop = asyncio.get_running_loop()
        runs = split(articles, self._workers)
        for _ in range(2):  # a pool found broken before it took our work is replaced once
            pool = self._executor()
            futures: list[asyncio.Future[list[Brief | SummarizeError]]] = []
            try:
                for run in runs:
                    futures.append(loop.run_in_executor(pool, _brief, run))
            except BrokenProcessPool:  # a worker died while idle: nothing of ours was lost
                for future in futures:
                    future.cancel()
                self._discard(pool)
                continue
            try:
                done = await asyncio.gather(*futures)
            except BrokenProcessPool as exc:
                self._discard(pool)
                if not self._served:
                    raise WorkersUnavailable(str(exc)) from exc
                log.error("brief worker died articles=%d; starting new workers", len(articles))
                return [SummarizeError("the briefing worker stopped unexpectedly; try again")] * len(articles)
            self._served = True
            return [result for run in done for result in run]
        raise WorkersUnavailable("the worker pool broke twice before it took any work")

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        if self._pool is pool:
            self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        if self._pool is not None:
            self._discard(self._pool)


# In a worker process: the model it briefs with.
_model: tuple[str, int] | None = None


def _start_worker(model: str, batch_size: int) -> None:
    global _model
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent, which stops us
    _exit_with_parent()
    from summarizer.local.pipeline import load_model

    load_model(model)  # now, not in the first brief
    _model = (model, batch_size)


def _brief(articles: list[Article]) -> list[Brief | SummarizeError]:
    from summarizer.local.batch import brief_batch

    assert _model is not None, "worker not started"
    model, batch_size = _model
    return brief_batch(model, articles, batch_size)


def _exit_with_parent() -> None:
    """Exit when the parent dies, however it dies. A worker waits for work on a queue whose
    writing end it holds itself, so a killed bot would otherwise leave its workers, and their
    models, running for good."""
    parent = multiprocessing.parent_process()
    if parent is None or parent.sentinel is None:
        return

    def watch(sentinel: int) -> None:
        multiprocessing.connection.wait([sentinel])
        os._exit(1)

    threading.Thread(target=watch, args=(parent.sentinel,), name="parent-watch", daemon=True).start()
