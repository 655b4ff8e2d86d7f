"""Ingestion for the chat-core tests until the real ``Ingestor`` is merged: real parts only.

Pages and feeds are fetched with plain httpx from a loopback server (``FeedSite``), extracted
with the real extractor, stored in the real Store and briefed by the real backend. It has the
method names and result shapes of ``bot.ingest.pipeline.Ingestor`` (interfaces.md), without
its safety rules (the test server is on loopback).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import feedparser
import httpx

from bot.ingest.extract import extract_html
from bot.offline_ingest import IngestResult, OfflineIngest, PollReport
from bot.sample_feed import html_to_text
from bot.store import Feed, NewArticle, Store
from bot.store.articles import derived_id
from summarizer.backend import BriefBackend
from summarizer.errors import FetchError, SummarizeError


@dataclass(frozen=True, slots=True)
class FeedCheck:
    url: str
    title: str | None
    items: int


class LoopbackIngest(OfflineIngest):
    def __init__(
        self,
        store: Store,
        backend: BriefBackend,
        http: httpx.AsyncClient,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(store, backend, clock)
        self._http = http
        self._s = store
        self._now = clock

    async def _get(self, url: str) -> httpx.Response:
        try:
            response = await self._http.get(url)
        except httpx.HTTPError as exc:
            raise FetchError(f"Could not reach {url}: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise FetchError(f"{url} answered {response.status_code}.")
        return response

    async def ingest_url(self, url: str) -> IngestResult:
        page = extract_html((await self._get(url)).text, url)
        new = NewArticle(id=derived_id(url), url=url, canonical_url=url, title=page.title, text=page.text)
        article_id, created = await self._s.articles.add(new, self._now())
        existing = await self._s.articles.get_brief(article_id)
        if existing is not None:
            return IngestResult(article_id, False, existing)
        await self.process_queue()
        brief = await self._s.articles.get_brief(article_id)
        if brief is None:
            raise SummarizeError("could not brief that page")
        return IngestResult(article_id, created, brief)

    async def check_feed(self, url: str) -> FeedCheck:
        parsed = feedparser.parse((await self._get(url)).content)
        if not parsed.get("version"):
            raise FetchError(f"{url} is not an RSS or Atom feed.")
        return FeedCheck(url, parsed.feed.get("title"), len(parsed.entries))

    async def add_feed(self, url: str, interval_s: int | None = None) -> tuple[Feed, bool]:
        check = await self.check_feed(url)
        return await self._s.feeds.add(url, interval_s or 900, self._now(), title=check.title)

    async def poll_feeds(self, only_due: bool = True) -> PollReport:
        now = self._now()
        feeds = await self._s.feeds.due(now) if only_due else await self._s.feeds.list_all()
        polled = new = 0
        for feed in feeds:
            if not feed.url.startswith("http"):
                continue
            parsed = feedparser.parse((await self._get(feed.url)).content)
            polled += 1
            for entry in parsed.entries:
                body = entry.get("content") or []
                text = html_to_text(body[0]["value"]) if body else html_to_text(entry.get("summary", ""))
                source = entry.get("source") or {}
                guid = str(entry.get("id") or entry.get("link"))
                article = NewArticle(
                    id=derived_id(feed.url, guid),
                    url=entry.get("link"),
                    canonical_url=entry.get("link"),
                    feed_id=feed.id,
                    guid=guid,
                    title=str(entry.get("title", "")),
                    source=source.get("title"),
                    text=text,
                )
                _, created = await self._s.articles.add(article, now)
                new += created
            await self._s.feeds.record_success(
                feed.id, now=now, next_poll_at=now + feed.interval_s, etag=None, last_modified=None
            )
        briefed = await self.process_queue()
        return PollReport(feeds_polled=polled, new_articles=new, briefed=briefed)
