"""Feeds: what to poll, when, and how it went last time."""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.engine import Database, Row
from bot.store.leases import FREE

_OWNED = " AND lease_owner = ?"  # a result is written only by the claim's owner


@dataclass(frozen=True, slots=True)
class Feed:
    id: int
    url: str
    title: str | None
    interval_s: int
    etag: str | None
    last_modified: str | None
    next_poll_at: float
    last_polled_at: float | None
    last_ok_at: float | None
    failures: int
    last_error: str | None
    disabled: bool
    disabled_reason: str | None
    created_at: float
    lease_owner: str | None = None  # the replica polling it now (see bot.store.leases)
    lease_until: float | None = None

    @classmethod
    def from_row(cls, row: Row) -> Feed:
        data = dict(row)
        data["disabled"] = bool(data["disabled"])
        return cls(**data)


class FeedRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, url: str, interval_s: int, now: float, title: str | None = None) -> tuple[Feed, bool]:
        """The feed for ``url``, created if new (polled at once); ``True`` when created."""
        changed = await self._db.execute(
            "INSERT INTO feeds (url, title, interval_s, next_poll_at, created_at) VALUES (?, ?, ?, 0, ?) "
            "ON CONFLICT (url) DO NOTHING",
            (url, title, interval_s, now),
        )
        feed = await self.get_by_url(url)
        assert feed is not None
        return feed, changed.rowcount == 1

    async def get(self, feed_id: int) -> Feed | None:
        row = await self._db.fetchone("SELECT * FROM feeds WHERE id = ?", (feed_id,))
        return Feed.from_row(row) if row else None

    async def get_by_url(self, url: str) -> Feed | None:
        row = await self._db.fetchone("SELECT * FROM feeds WHERE url = ?", (url,))
        return Feed.from_row(row) if row else None

    async def list_all(self) -> list[Feed]:
        return [Feed.from_row(r) for r in await self._db.fetchall("SELECT * FROM feeds ORDER BY id")]

    async def remove(self, feed_id: int) -> bool:
        return (await self._db.execute("DELETE FROM feeds WHERE id = ?", (feed_id,))).rowcount == 1

    async def claim_due(self, owner: str, now: float, lease_s: float, limit: int) -> list[Feed]:
        """Claim up to ``limit`` enabled feeds due by ``now`` that no one else holds, for
        ``lease_s`` seconds: two replicas claiming at once get different feeds. Feeds a dead
        replica held are claimable once its lease is over."""
        rows = await self._db.fetchall(
            "UPDATE feeds SET lease_owner = ?, lease_until = ? WHERE id IN ("  # noqa: S608 - constants
            f"SELECT id FROM feeds WHERE disabled = 0 AND next_poll_at <= ? AND {FREE} "
            f"ORDER BY next_poll_at, id LIMIT ?{self._db.dialect.skip_locked}) RETURNING *",
            (owner, now + lease_s, now, now, limit),
        )
        return sorted((Feed.from_row(r) for r in rows), key=lambda f: (f.next_poll_at, f.id))

    async def make_due(self, now: float) -> None:
        """Every enabled feed is due now (``briefbot ingest`` polls them all)."""
        await self._db.execute(
            "UPDATE feeds SET next_poll_at = ? WHERE disabled = 0 AND next_poll_at > ?", (now, now)
        )

    async def record_success(
        self,
        feed_id: int,
        *,
        now: float,
        next_poll_at: float,
        etag: str | None,
        last_modified: str | None,
        title: str | None = None,
        owner: str | None = None,
    ) -> bool:
        """A poll that worked (including a 304): failures reset, validators kept for next time,
        the claim released. With ``owner``, only while it still holds the feed; whether written."""
        changed = await self._db.execute(
            "UPDATE feeds SET etag = ?, last_modified = ?, title = COALESCE(?, title), "  # noqa: S608 - constant fragments
            "next_poll_at = ?, last_polled_at = ?, last_ok_at = ?, failures = 0, last_error = NULL, "
            f"lease_owner = NULL, lease_until = NULL WHERE id = ?{_OWNED if owner else ''}",
            (etag, last_modified, title, next_poll_at, now, now, feed_id, *((owner,) if owner else ())),
        )
        return changed.rowcount == 1

    async def record_failure(
        self,
        feed_id: int,
        *,
        now: float,
        error: str,
        next_poll_at: float,
        max_failures: int,
        owner: str | None = None,
    ) -> Feed | None:
        """Count a failed poll; the feed is disabled once it has failed ``max_failures`` times in a
        row. The claim is released; with ``owner``, only while it still holds the feed (None
        when it no longer did)."""
        changed = await self._db.execute(
            "UPDATE feeds SET failures = failures + 1, last_error = ?, last_polled_at = ?, next_poll_at = ?, "  # noqa: S608 - constant fragments
            "disabled = CASE WHEN failures + 1 >= ? THEN 1 ELSE disabled END, "
            "disabled_reason = CASE WHEN failures + 1 >= ? "
            "  THEN 'failed ' || (failures + 1) || CASE WHEN failures = 0 THEN ' time' ELSE ' times' END "
            "    || ' in a row; last error: ' || ? "
            "  ELSE disabled_reason END, lease_owner = NULL, lease_until = NULL "
            f"WHERE id = ?{_OWNED if owner else ''}",
            (
                error,
                now,
                next_poll_at,
                max_failures,
                max_failures,
                error,
                feed_id,
                *((owner,) if owner else ()),
            ),
        )
        return await self.get(feed_id) if changed.rowcount == 1 else None

    async def enable(self, feed_id: int, now: float) -> bool:
        changed = await self._db.execute(
            "UPDATE feeds SET disabled = 0, disabled_reason = NULL, failures = 0, next_poll_at = ? "
            "WHERE id = ?",
            (now, feed_id),
        )
        return changed.rowcount == 1
