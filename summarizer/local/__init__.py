"""The offline backend: spaCy, rules and small learned models (``models/``), no network."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from summarizer.brief import Article, Brief
from summarizer.errors import SummarizeError
from summarizer.local.batch import brief_batch, load_all
from summarizer.local.pipeline import installed_label, load_model
from summarizer.local.workers import WorkerPool, WorkersUnavailable, auto_workers, usable_cores

if TYPE_CHECKING:  # spaCy is imported when the model loads, not with the backend
    from spacy.language import Language

__all__ = ["LocalBackend", "auto_workers", "usable_cores"]

log = logging.getLogger(__name__)


class LocalBackend:
    """Briefs with a local spaCy pipeline.

    spaCy is CPU-bound and holds the GIL for long stretches, so the async methods never run it on
    the event loop. With ``workers=1`` they run it on a single worker thread of this process (the
    model is never used by two threads at once). With ``workers`` of 2 or more they hand batches
    to that many worker processes, one model in each, and this process loads no model at all.
    ``brief_sync`` and ``brief_batch`` always brief in this process.
    """

    def __init__(self, model: str = "en_core_web_sm", batch_size: int = 16, workers: int = 1) -> None:
        self._model_name = model
        self._batch_size = batch_size
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="spacy")
        self._pool = WorkerPool(model, batch_size, workers) if workers > 1 else None

    @property
    def nlp(self) -> Language:
        return load_model(self._model_name)

    @functools.cached_property
    def name(self) -> str:
        return f"local:{installed_label(self._model_name)}"

    @property
    def workers(self) -> int:
        """Processes that brief for the async methods; 1 means a thread of this process."""
        return self._pool.workers if self._pool is not None else 1

    async def load(self) -> None:
        """Load the model (and the learned models) where the async methods brief, now rather
        than in the first brief: a replica that starts is ready to work when it says so, and its
        first brief comes as soon as any other. Raises ``ConfigError`` when the model is not
        installed. With worker processes, each loads its own when the first batch comes, and
        this does nothing."""
        if self._pool is None:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self._executor, load_all, self._model_name)

    def brief_sync(self, article: Article) -> Brief:
        result = self.brief_batch([article])[0]
        if isinstance(result, SummarizeError):
            raise result
        return result

    def brief_batch(self, articles: Sequence[Article]) -> list[Brief | SummarizeError]:
        """Brief many articles in one ``nlp.pipe`` pass; bad ones become errors in place."""
        return brief_batch(self._model_name, articles, self._batch_size)

    async def brief(self, article: Article) -> Brief:
        result = (await self.brief_many([article]))[0]
        if isinstance(result, SummarizeError):
            raise result
        return result

    async def brief_many(self, articles: Sequence[Article]) -> list[Brief | SummarizeError]:
        if self._pool is not None:
            self.name  # noqa: B018 - a missing model is a ConfigError here, not a dead worker
            try:
                return await self._pool.brief_many(articles)
            except WorkersUnavailable as exc:
                log.warning("brief workers cannot start (%s); briefing in this process", exc)
                self._pool = None
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self.brief_batch, list(articles))

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        if self._pool is not None:
            self._pool.close()
