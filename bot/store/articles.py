"""Articles and their briefs: the durable work queue new → fetched → briefed (or failed)."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from dataclasses import dataclass
from typing import Literal

from bot.store.db import Database
from summarizer.brief import Article, Brief

ArticleState = Literal["new", "fetched", "briefed", "failed"]

_SPACE = re.compile(r"\s+")


def content_hash(text: str) -> str:
    """Hash of the text with case and whitespace normalised: the same story re-published
    (re-dated, re-wrapped) hashes the same."""
    normal = _SPACE.sub(" ", text).strip().lower()
    return hashlib.sha256(normal.encode()).hexdigest()


def derived_id(*parts: str) -> str:
    """A stable short key for an article without one of its own."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class NewArticle:
    """An article as found (in a feed, a pasted URL or a file), before it is stored."""

    id: str
    url: str | None = None
    canonical_url: str | None = None
    feed_id: int | None = None
    guid: str | None = None
    title: str = ""
    source: str | None = None
    author: str | None = None
    published: str | None = None
    summary: str | None = None
    text: str = ""  # empty until fetched, unless the source carried the full text


@dataclass(frozen=True, slots=True)
class StoredArticle:
    rowid: int
    id: str
    url: str | None
    canonical_url: str | None
    feed_id: int | None
    guid: str | None
    title: str
    source: str | None
    author: str | None
    published: str | None
    summary: str | None
    text: str
    content_hash: str | None
    brief_text: str
    state: ArticleState
    error: str | None
    attempts: int
    created_at: float
    updated_at: float

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> StoredArticle:
        return cls(**dict(row))

    def as_article(self) -> Article:
        return Article(
            id=self.id,
            text=self.text,
            title=self.title,
            url=self.url,
            published=self.published,
            source=self.source,
        )


def searchable(brief: Brief) -> str:
    """The words of a brief worth finding it by: names, roles, places and phrases."""
    parts = [brief.tldr]
    parts += [f"{a.name} {a.role or ''} {' '.join(a.aliases)}" for a in brief.who]
    parts += [f"{p.name} {p.detail or ''} {' '.join(p.aliases)}" for p in brief.where]
    parts += list(brief.objectives) + list(brief.open_issues)
    return "\n".join(p.strip() for p in parts if p.strip())


class ArticleRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, new: NewArticle, now: float) -> tuple[str, bool]:
        """Store an article unless it is already known by id, canonical URL, feed GUID or
        content hash. Returns the stored article's id and whether it was created."""
        digest = content_hash(new.text) if new.text.strip() else None
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT id FROM articles WHERE id = ? OR canonical_url = ? "
                "OR (feed_id = ? AND guid = ?) OR content_hash = ? LIMIT 1",
                (new.id, new.canonical_url, new.feed_id, new.guid, digest),
            )
            if row is not None:
                return str(row["id"]), False
            await tx.execute(
                "INSERT INTO articles (id, url, canonical_url, feed_id, guid, title, source, author, "
                "published, summary, text, content_hash, state, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    new.id,
                    new.url,
                    new.canonical_url,
                    new.feed_id,
                    new.guid,
                    new.title,
                    new.source,
                    new.author,
                    new.published,
                    new.summary,
                    new.text,
                    digest,
                    "fetched" if digest else "new",
                    now,
                    now,
                ),
            )
        return new.id, True

    async def get(self, article_id: str) -> StoredArticle | None:
        row = await self._db.fetchone("SELECT * FROM articles WHERE id = ?", (article_id,))
        return StoredArticle.from_row(row) if row else None

    async def in_state(self, state: ArticleState, limit: int = 100) -> list[StoredArticle]:
        rows = await self._db.fetchall(
            "SELECT * FROM articles WHERE state = ? ORDER BY rowid LIMIT ?", (state, limit)
        )
        return [StoredArticle.from_row(r) for r in rows]

    async def mark_fetched(
        self,
        article_id: str,
        *,
        text: str,
        now: float,
        title: str | None = None,
        author: str | None = None,
        published: str | None = None,
    ) -> str | None:
        """Store fetched text. If another article already has the same text, this one is a
        duplicate: it is removed and the other's id returned; otherwise None."""
        digest = content_hash(text)
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT id FROM articles WHERE content_hash = ? AND id != ?", (digest, article_id)
            )
            if row is not None:
                await tx.execute("DELETE FROM articles WHERE id = ?", (article_id,))
                return str(row["id"])
            await tx.execute(
                "UPDATE articles SET text = ?, content_hash = ?, title = COALESCE(NULLIF(?, ''), title), "
                "author = COALESCE(?, author), published = COALESCE(published, ?), state = 'fetched', "
                "error = NULL, updated_at = ? WHERE id = ?",
                (text, digest, title, author, published, now, article_id),
            )
        return None

    async def mark_failed(self, article_id: str, error: str, now: float) -> None:
        await self._db.execute(
            "UPDATE articles SET state = 'failed', error = ?, attempts = attempts + 1, updated_at = ? "
            "WHERE id = ?",
            (error, now, article_id),
        )

    async def retry(self, article_id: str, now: float) -> None:
        """Back into the queue: ``fetched`` when its text is known, else ``new``."""
        await self._db.execute(
            "UPDATE articles SET state = CASE WHEN content_hash IS NULL THEN 'new' ELSE 'fetched' END, "
            "updated_at = ? WHERE id = ?",
            (now, article_id),
        )

    async def save_brief(self, brief: Brief, now: float) -> None:
        """Store a brief and mark its article briefed, atomically."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO briefs (article_id, json, backend, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (article_id) DO UPDATE SET json = excluded.json, backend = excluded.backend, "
                "created_at = excluded.created_at",
                (brief.id, brief.to_json(), brief.backend, now),
            )
            await tx.execute(
                "UPDATE articles SET state = 'briefed', error = NULL, brief_text = ?, updated_at = ? "
                "WHERE id = ?",
                (searchable(brief), now, brief.id),
            )

    async def get_brief(self, article_id: str) -> Brief | None:
        row = await self._db.fetchone("SELECT json FROM briefs WHERE article_id = ?", (article_id,))
        return Brief.from_json(row["json"]) if row else None

    async def count(self, state: ArticleState | None = None) -> int:
        if state is None:
            row = await self._db.fetchone("SELECT COUNT(*) FROM articles")
        else:
            row = await self._db.fetchone("SELECT COUNT(*) FROM articles WHERE state = ?", (state,))
        return int(row[0]) if row else 0
