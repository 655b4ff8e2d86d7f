from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bot.settings import FetchSettings
from tests.fakes.web import FakeWeb


@pytest.fixture
async def web() -> AsyncIterator[FakeWeb]:
    async with FakeWeb() as server:
        yield server


def fetch_settings(allow_private: bool = True, **changes: Any) -> FetchSettings:
    """Fetch settings for tests: loopback allowed (the fake web lives there) unless refused."""
    base = FetchSettings(allow_private_networks=allow_private, timeout=timedelta(seconds=5))
    return dataclasses.replace(base, **changes)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1_750_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class CountingBackend:
    """The real backend, with a record of what it was asked to brief (and how many batches
    were in flight at once)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.briefed: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0

    @property
    def name(self) -> str:
        return str(self._inner.name)

    async def brief(self, article: Any) -> Any:
        self.briefed.append(article.id)
        return await self._inner.brief(article)

    async def brief_many(self, articles: Any) -> Any:
        self.briefed.extend(a.id for a in articles)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._inner.brief_many(articles)
        finally:
            self.in_flight -= 1


@pytest.fixture(scope="session")
def local_backend() -> Any:
    from summarizer.local import LocalBackend

    backend = LocalBackend()
    yield backend
    backend.close()
