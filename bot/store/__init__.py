"""SQLite storage: one database file in WAL mode, migrated at start-up.

``Store`` groups one repository per concern over a single connection:
``store.feeds``, ``store.articles`` (with briefs and the full-text index), the chat-side
tables (channels, subscriptions, deliveries, posts, turns) and the platform events already
handled (``store.events``).
"""

from __future__ import annotations

from pathlib import Path

from bot.store.articles import ArticleRepo, ArticleState, NewArticle, StoredArticle, content_hash
from bot.store.channels import Channel, ChannelRepo, DigestSchedule, Subscription
from bot.store.conversations import ConversationRepo, StoredTurn
from bot.store.db import Database, StoreError
from bot.store.events import EventRepo
from bot.store.feeds import Feed, FeedRepo
from bot.store.llm import LLMRepo

__all__ = [
    "ArticleRepo",
    "ArticleState",
    "Channel",
    "ChannelRepo",
    "ConversationRepo",
    "Database",
    "DigestSchedule",
    "EventRepo",
    "Feed",
    "FeedRepo",
    "LLMRepo",
    "NewArticle",
    "Store",
    "StoreError",
    "StoredArticle",
    "StoredTurn",
    "Subscription",
    "content_hash",
]


class Store:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.feeds = FeedRepo(db)
        self.articles = ArticleRepo(db)
        self.channels = ChannelRepo(db)
        self.conversations = ConversationRepo(db)
        self.llm = LLMRepo(db)
        self.events = EventRepo(db)

    @classmethod
    async def open(cls, path: str | Path) -> Store:
        return cls(await Database.open(path))

    async def close(self) -> None:
        await self.db.close()
