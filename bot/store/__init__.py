"""Storage: SQLite (one file in WAL mode, the default) or PostgreSQL (shared by replicas),
migrated at start-up.

``Store`` groups one repository per concern over one database: ``store.feeds``,
``store.articles`` (with briefs and full-text search), the chat-side tables (channels,
subscriptions, deliveries, posts, turns) and the platform events already handled
(``store.events``). ``Store.open`` opens either engine; the repositories do not know which
one they run on.
"""

from __future__ import annotations

from pathlib import Path

from bot.settings import PostgresLocation, SQLiteLocation
from bot.store import leases
from bot.store.articles import ArticleRepo, ArticleState, NewArticle, StoredArticle, content_hash
from bot.store.channels import Channel, ChannelRepo, DigestSchedule, Subscription
from bot.store.conversations import ConversationRepo, StoredTurn
from bot.store.engine import Database, StoreError
from bot.store.events import EventRepo
from bot.store.feeds import Feed, FeedRepo
from bot.store.llm import LLMRepo
from bot.store.sqlite import SQLiteDatabase

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
    async def open(
        cls,
        where: str | Path | SQLiteLocation | PostgresLocation,
        *,
        password: str | None = None,
        migrate: bool = True,
    ) -> Store:
        """The store at ``where`` (a SQLite file, or the database ``[store]`` names), its schema
        brought up to date unless ``migrate`` is false. A PostgreSQL ``password`` comes from
        the environment (``Credentials.db_password``); without one libpq reads its own password
        or service file."""
        if isinstance(where, PostgresLocation):
            from bot.store.postgres import PostgresDatabase  # psycopg loads only for PostgreSQL

            return cls(await PostgresDatabase.open(where.url, password=password, migrate=migrate))
        path = where.path if isinstance(where, SQLiteLocation) else where
        return cls(await SQLiteDatabase.open(path, migrate=migrate))

    async def renew_claims(self, owner: str, until: float) -> None:
        """Extend the leases ``owner`` holds on feeds and articles (see ``bot.store.leases``)."""
        await leases.renew(self.db, owner, until)

    async def release_claims(self, owner: str) -> None:
        """Hand back the leases ``owner`` holds on feeds, articles and unposted deliveries."""
        await leases.release(self.db, owner)

    async def release_dead_claims(self, me: str) -> int:
        """Free the claims of processes on this machine that are gone (SQLite only)."""
        return await leases.release_dead_local(self.db, me)

    async def close(self) -> None:
        await self.db.close()
