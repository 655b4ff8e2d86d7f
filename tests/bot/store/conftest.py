"""The store tests run on each engine in turn: SQLite, then PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.store import Store
from tests.conftest import StoreTarget


@pytest.fixture
async def store(store_target: StoreTarget) -> AsyncIterator[Store]:
    s = await store_target.open()
    yield s
    await s.close()
