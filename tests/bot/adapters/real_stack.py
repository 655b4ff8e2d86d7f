"""The real chat core for adapter tests: Service, Store (SQLite in tmp_path), the real Ingestor
with its safe Fetcher (loopback allowed: the fake web lives there), the extractive answerer and
the Scheduler — built with the same ``bot.app`` builders ``briefbot run`` uses."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.app import make_fetcher, make_ingestor
from bot.ingest.pipeline import Ingestor
from bot.qa import QuestionAnswerer
from bot.scheduler import Scheduler
from bot.service import Service
from bot.settings import Settings
from bot.store import Store
from bot.store.channels import Delivery
from bot.store.leases import new_owner
from summarizer.qa import ExtractiveAnswerBackend
from tests.conftest import StoreTarget
from tests.fakes.web import FakeWeb, Story, article_page, rss, story


@dataclass
class Stack:
    settings: Settings
    store: Store
    web: FakeWeb
    ingestor: Ingestor
    service: Service
    scheduler: Scheduler

    def publish(self, s: Story) -> str:
        """Serve ``s`` as a web page; its URL."""
        return self.web.page(f"/news/{s.slug}", article_page(s))

    def feed(self, path: str, stories: list[Story]) -> str:
        """Serve an RSS feed of ``stories`` (each also as a page); its URL."""
        for s in stories:
            self.publish(s)
        return self.web.feed(path, rss(stories, link=self.web.url("/news/{slug}")))


def two_different_stories() -> tuple[Story, Story]:
    """Two invented stories whose plans aim at different goals (so an answer shows which one
    it came from)."""
    first = story(1)
    for n in range(2, 50):
        other = story(n)
        if goal(other) != goal(first):
            return first, other
    raise AssertionError("no two different goals")


def goal(s: Story) -> str:
    """What the story's plan aims to do, as its second paragraph says."""
    return s.paragraphs[1].split("the plan aims to ", 1)[1].split(", and that", 1)[0]


@asynccontextmanager
async def real_stack(
    tmp_path: Path,
    backend: Any,
    *,
    scheduler_clock: Callable[[], datetime] | None = None,
    target: StoreTarget | None = None,
    **sections: dict[str, Any],
) -> AsyncIterator[Stack]:
    """``target``: the database (else SQLite in ``tmp_path``); several stacks on one target
    are replicas of one deployment."""
    settings = (
        Settings()
        .replace("store", path=str(tmp_path / "briefbot.db"))
        .replace("fetch", allow_private_networks=True, timeout=timedelta(seconds=10))
    )
    for name, changes in sections.items():
        settings = settings.replace(name, **changes)
    async with FakeWeb() as web:
        store = await (target.open() if target is not None else Store.open(settings.store.path))
        fetcher = make_fetcher(settings)
        ingestor = make_ingestor(settings, store, fetcher, backend, owner=new_owner())
        qa = QuestionAnswerer(store, ExtractiveAnswerBackend())
        if scheduler_clock is None:
            scheduler = Scheduler(store, ingestor, settings)
        else:
            scheduler = Scheduler(store, ingestor, settings, clock=scheduler_clock)
        service = Service(store, ingestor, qa, settings, schedules=scheduler)
        try:
            yield Stack(settings, store, web, ingestor, service, scheduler)
        finally:
            await scheduler.stop()
            await fetcher.aclose()
            await store.close()


def schedule_due_tomorrow() -> tuple[str, datetime]:
    """A digest time that has passed today (so, set now, it is first due tomorrow) and the
    moment, tomorrow, a minute after it: the scheduler's "now" for the digest."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    at = now - timedelta(minutes=5)
    return at.strftime("%H:%M"), at + timedelta(days=1, minutes=1)


async def posted_digest(stack: Stack, key: str, period: str, timeout: float = 30.0) -> Delivery:
    """The ledger's entry for a digest once it is marked posted: the platform shows the message
    a moment before the scheduler, having heard back, records it."""
    deadline = time.monotonic() + timeout
    while True:
        delivery = await stack.store.channels.delivery(key, "digest", period)
        if delivery is not None and delivery.state == "posted":
            return delivery
        assert time.monotonic() < deadline, delivery
        await asyncio.sleep(0.02)


async def remembered_post(stack: Stack, key: str, message_id: str, timeout: float = 30.0) -> str:
    """The article a posted message carries, once recorded: the platform shows the message a
    moment before the adapter, having heard back, records which article it was."""
    deadline = time.monotonic() + timeout
    while True:
        article = await stack.store.channels.article_of_post(key, message_id)
        if article is not None:
            return article
        assert time.monotonic() < deadline, f"message {message_id} never recorded"
        await asyncio.sleep(0.02)


def digest_period(tomorrow: datetime) -> str:
    """The period of the digest due a minute before ``tomorrow`` (see ``schedule_due_tomorrow``)."""
    return (tomorrow - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M")
