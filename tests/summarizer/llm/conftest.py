from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from summarizer.llm import LLMClient, LLMConfig
from summarizer.local import LocalBackend
from tests.fakes.openai_server import FakeOpenAI

MODEL = "fake-model"


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def local() -> Iterator[LocalBackend]:
    backend = LocalBackend()
    yield backend
    backend.close()


def make_client(http: httpx.AsyncClient, server: FakeOpenAI, **config: Any) -> LLMClient:
    """A client for ``server`` with short backoffs, so retry tests take milliseconds."""
    options: dict[str, Any] = {"backoff_base": 0.01, "backoff_max": 0.05, "timeout": 5.0} | config
    return LLMClient(http, LLMConfig(base_url=server.base_url, model=MODEL, **options))
