"""The offline backend: spaCy plus rules, no network."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from summarizer.brief import Article, Brief
from summarizer.errors import SummarizeError
from summarizer.local.engine import build_brief, prepare
from summarizer.local.language import check_briefable
from summarizer.local.pipeline import load_model, model_label

log = logging.getLogger(__name__)

__all__ = ["LocalBackend"]


class LocalBackend:
    """Briefs with a local spaCy pipeline.

    spaCy is CPU-bound and holds the GIL for long stretches, so the async methods run it on a
    single worker thread: the event loop stays responsive and the model is never used by two
    threads at once.
    """

    def __init__(self, model: str = "en_core_web_sm", batch_size: int = 16) -> None:
        self._model_name = model
        self._batch_size = batch_size
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="spacy")

    @property
    def nlp(self) -> Any:
        return load_model(self._model_name)

    @property
    def name(self) -> str:
        return f"local:{model_label(self.nlp)}"

    def brief_sync(self, article: Article) -> Brief:
        result = self.brief_batch([article])[0]
        if isinstance(result, SummarizeError):
            raise result
        return result

    def brief_batch(self, articles: Sequence[Article]) -> list[Brief | SummarizeError]:
        """Brief many articles in one ``nlp.pipe`` pass; bad ones become errors in place."""
        results: list[Brief | SummarizeError] = []
        good: list[tuple[int, Article]] = []
        for i, article in enumerate(articles):
            try:
                check_briefable(article.text)
            except SummarizeError as exc:
                results.append(exc)
                continue
            results.append(SummarizeError("not briefed"))
            good.append((i, article))
        name = self.name
        prepared = [prepare(a) for _, a in good]
        docs = self.nlp.pipe((p.parsed for p in prepared), batch_size=self._batch_size)
        for (i, article), ready, doc in zip(good, prepared, docs, strict=True):
            try:
                results[i] = build_brief(doc, article, name, ready)
            except Exception as exc:  # a rule bug must cost one brief, not the batch
                log.exception("brief failed id=%s", article.id)
                results[i] = SummarizeError(f"could not brief this article ({type(exc).__name__})")
        return results

    async def brief(self, article: Article) -> Brief:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self.brief_sync, article)

    async def brief_many(self, articles: Sequence[Article]) -> list[Brief | SummarizeError]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self.brief_batch, list(articles))

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
