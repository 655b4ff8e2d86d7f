"""Briefs already paid for: keyed by what the model saw, which model, and which prompt.

The protocol is deliberately tiny so the bot can back it with its SQLite store; the in-memory
LRU here is the default for one process.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import OrderedDict
from typing import Protocol

from summarizer.brief import Article, Brief


class BriefCache(Protocol):
    async def get(self, key: str) -> Brief | None: ...

    async def put(self, key: str, brief: Brief) -> None: ...


class MemoryBriefCache:
    """A bounded least-recently-used cache in this process."""

    def __init__(self, max_items: int = 1024) -> None:
        self._items: OrderedDict[str, Brief] = OrderedDict()
        self._max = max_items

    def __len__(self) -> int:
        return len(self._items)

    async def get(self, key: str) -> Brief | None:
        brief = self._items.get(key)
        if brief is not None:
            self._items.move_to_end(key)
        return brief

    async def put(self, key: str, brief: Brief) -> None:
        self._items[key] = brief
        self._items.move_to_end(key)
        while len(self._items) > self._max:
            self._items.popitem(last=False)


def brief_cache_key(article: Article, model: str, prompt_version: str) -> str:
    """sha256 over (prompt version, model, title, text): the same content under another id or
    URL hits the same entry."""
    digest = hashlib.sha256()
    for part in (prompt_version, model, article.title, article.text):
        data = part.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def restamp(brief: Brief, article: Article) -> Brief:
    """A cached brief as the brief of ``article``: identity fields always come from the article."""
    return dataclasses.replace(
        brief, id=article.id, title=article.title, url=article.url, published=article.published
    )
