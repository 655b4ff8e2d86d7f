"""Two Ingestors on one database (two replicas), on each engine: every feed polled once, every
article fetched and briefed once; a dead replica's articles taken over when its lease is over."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from bot.ingest.fetch import Fetcher
from bot.ingest.pipeline import Ingestor
from bot.settings import FeedSettings, Settings
from bot.store import NewArticle, Store
from tests.bot.ingest.conftest import Clock, CountingBackend, fetch_settings
from tests.conftest import StoreTarget
from tests.fakes.web import FakeWeb, NewsSite, story


@dataclass
class Replica:
    store: Store
    backend: CountingBackend
    ingestor: Ingestor


@pytest.fixture
async def replicas(
    store_target: StoreTarget, local_backend: Any
) -> AsyncIterator[tuple[Replica, Replica, Clock]]:
    settings = Settings(
        store=store_target.settings, fetch=fetch_settings(), feeds=FeedSettings(brief_concurrency=1)
    )
    clock = Clock()
    stores = [await store_target.open(), await store_target.open()]
    async with Fetcher(settings.fetch) as one, Fetcher(settings.fetch) as two:
        pair = [
            Replica(store, backend, Ingestor(store, fetcher, backend, settings, clock=clock, owner=owner))
            for store, fetcher, owner in zip(stores, (one, two), ("replica-1", "replica-2"), strict=True)
            for backend in [CountingBackend(local_backend)]
        ]
        yield pair[0], pair[1], clock
    for store in stores:
        await store.close()


async def test_two_replicas_poll_each_feed_once_and_brief_each_article_once(
    replicas: tuple[Replica, Replica, Clock], web: FakeWeb
) -> None:
    a, b, clock = replicas
    site = NewsSite(web, articles=24, feeds=3)
    for path in site.feed_paths:
        await a.store.feeds.add(web.url(path), 900, now=clock())
    reports = await asyncio.gather(a.ingestor.poll_feeds(), b.ingestor.poll_feeds())
    assert sum(r.feeds_polled for r in reports) == 3
    assert [web.hits(path) for path in site.feed_paths] == [1, 1, 1]
    assert all(web.hits(f"/news/{s.slug}") == 1 for s in site.stories)  # each page fetched once
    briefed = a.backend.briefed + b.backend.briefed
    assert sorted(briefed) == sorted(set(briefed))  # none briefed twice …
    assert len(briefed) == 24  # … none left out
    assert sum(r.briefed for r in reports) == 24
    assert await a.store.articles.count("briefed") == 24


async def test_a_dead_replicas_articles_are_briefed_by_another_once_its_lease_is_over(
    replicas: tuple[Replica, Replica, Clock],
) -> None:
    a, b, clock = replicas
    for n in range(6):
        s = story(n)
        await a.store.articles.add(
            NewArticle(id=s.slug, title=s.title, text="\n\n".join(s.paragraphs)), clock()
        )
    # A claims three articles to brief and dies (nothing renews its claims).
    held = await a.store.articles.claim("fetched", "replica-1", clock(), 30.0, 3)
    assert await b.ingestor.process_queue() == 3  # only the free ones
    assert sorted(b.backend.briefed) == sorted({story(n).slug for n in range(6)} - {x.id for x in held})
    clock.advance(29.0)
    assert await b.ingestor.process_queue() == 0  # A's lease still holds
    clock.advance(1.0)
    assert await b.ingestor.process_queue() == 3  # taken over
    assert sorted(b.backend.briefed) == sorted(story(n).slug for n in range(6))
    assert await a.store.articles.count("briefed") == 6
