from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def local_backend() -> Iterator[Any]:
    """The real offline brief backend, loaded once for the adapter tests that use the real service."""
    from summarizer.local import LocalBackend

    backend = LocalBackend()
    yield backend
    backend.close()
