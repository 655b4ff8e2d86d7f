"""Platform events already handled (Slack event ids, message timestamps), kept for a while.

Slack retries an event it saw no answer to in time, and delivers a direct message that
mentions the bot twice. Claiming each event here, in the store, means it is answered once
even when the retry reaches a restarted process, or (with several replicas on one database)
another replica.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.store.engine import Database


class EventRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def first_time(self, keys: Sequence[str], now: float, ttl_s: float) -> bool:
        """Record ``keys`` (for ``ttl_s`` seconds) and say whether all of them are new: insert
        if absent, report whether new. Atomic, so two processes never both see an event first."""
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM seen_events WHERE expires_at <= ?", (now,))
            new = 0
            for key in keys:
                changed = await tx.execute(
                    "INSERT INTO seen_events (key, expires_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                    (key, now + ttl_s),
                )
                new += changed.rowcount
            return new == len(keys)
