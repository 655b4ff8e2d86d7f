"""One loaded model for all summarizer tests: loading it takes about a second."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from summarizer.brief import Article, Brief
from summarizer.local import LocalBackend


@pytest.fixture(scope="session")
def backend() -> Iterator[LocalBackend]:
    local = LocalBackend()
    yield local
    local.close()


@pytest.fixture
def brief_of(backend: LocalBackend) -> Callable[..., Brief]:
    def brief(text: str, title: str = "", key: str = "test") -> Brief:
        return backend.brief_sync(Article(id=key, title=title, text=text))

    return brief
