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
