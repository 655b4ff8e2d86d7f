"""A stand-in for ``bot.ingest.pipeline.Ingestor`` until the ingestion work is merged.

It does what needs no network: stores and briefs pasted text, and briefs whatever the queue
holds with its text (the bundled sample feed). Web pages and remote feeds are refused with a
polite message. The integration step replaces it with the real ``Ingestor`` in ``bot/app.py``;
it keeps the same method names and result shapes (see /work/wt/prompts/interfaces.md).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.store import Feed, NewArticle, Store
from bot.store.articles import content_hash
from summarizer.backend import BriefBackend
from summarizer.brief import Brief
from summarizer.errors import FetchError, SummarizeError

log = logging.getLogger(__name__)

NO_NETWORK = (
    "This build cannot fetch web pages or feeds yet. Paste the article text instead, or try "
    "the bundled sample feed: /brief subscribe sample"
)


@dataclass(frozen=True, slots=True)
class IngestResult:
    article_id: str
    created: bool
    brief: Brief


@dataclass(frozen=True, slots=True)
class PollReport:
    feeds_polled: int = 0
    feeds_failed: int = 0
    new_articles: int = 0
    briefed: int = 0
    failed: int = 0


class OfflineIngest:
    def __init__(
        self, store: Store, backend: BriefBackend, clock: Callable[[], float] = time.time, batch: int = 8
    ) -> None:
        self._store = store
        self._backend = backend
        self._clock = clock
        self._batch = batch

    async def ingest_url(self, url: str) -> IngestResult:
        raise FetchError(NO_NETWORK)

    async def ingest_text(self, text: str, title: str = "") -> IngestResult:
        text = text.strip()
        if not text:
            raise SummarizeError("There is no text to brief.")
        if not title:
            first = text.split("\n", 1)[0].strip()
            title = first if len(first) <= 150 and "\n" in text else ""
        key = "text-" + content_hash(text)[:16]
        article_id, created = await self._store.articles.add(
            NewArticle(id=key, title=title, text=text), self._clock()
        )
        existing = await self._store.articles.get_brief(article_id)
        if existing is not None:
            return IngestResult(article_id, False, existing)
        stored = await self._store.articles.get(article_id)
        assert stored is not None
        try:
            brief = await self._backend.brief(stored.as_article())
        except SummarizeError as exc:
            await self._store.articles.mark_failed(article_id, str(exc), self._clock())
            raise
        await self._store.articles.save_brief(brief, self._clock())
        return IngestResult(article_id, created, brief)

    async def check_feed(self, url: str) -> None:
        raise FetchError(NO_NETWORK)

    async def add_feed(self, url: str, interval_s: int | None = None) -> tuple[Feed, bool]:
        raise FetchError(NO_NETWORK)

    async def poll_feeds(self, only_due: bool = True) -> PollReport:
        return PollReport()

    async def process_queue(self) -> int:
        """Brief every stored article that has text but no brief yet."""
        briefed = 0
        while True:
            todo = await self._store.articles.in_state("fetched", limit=self._batch)
            if not todo:
                return briefed
            results = await self._backend.brief_many([a.as_article() for a in todo])
            for article, result in zip(todo, results, strict=True):
                if isinstance(result, Brief):
                    await self._store.articles.save_brief(result, self._clock())
                    briefed += 1
                else:
                    log.warning("brief failed article=%s error=%s", article.id, result)
                    await self._store.articles.mark_failed(article.id, str(result), self._clock())
