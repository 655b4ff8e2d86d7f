"""Conversation memory: the recent questions and answers of each thread, kept across restarts.

Bounded per thread (the oldest turns are dropped as new ones arrive) and by age, so a busy
workspace cannot grow the table without limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.engine import Database

MAX_TURNS = 20  # per thread
MAX_AGE_S = 30 * 86400.0  # a thread silent for a month is forgotten
MAX_QUESTION_CHARS = 1000
MAX_ANSWER_CHARS = 2000


@dataclass(frozen=True, slots=True)
class StoredTurn:
    question: str
    answer: str | None
    article_id: str | None  # the article the answer quoted first
    created_at: float


class ConversationRepo:
    def __init__(self, db: Database, max_turns: int = MAX_TURNS, max_age_s: float = MAX_AGE_S) -> None:
        self._db = db
        self.max_turns = max_turns
        self.max_age_s = max_age_s

    async def add(
        self, thread_key: str, question: str, answer: str | None, article_id: str | None, now: float
    ) -> None:
        """Remember one turn, and forget what falls outside the bounds."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO turns (thread_key, question, answer, article_id, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    thread_key,
                    question[:MAX_QUESTION_CHARS],
                    None if answer is None else answer[:MAX_ANSWER_CHARS],
                    article_id,
                    now,
                ),
            )
            await tx.execute(
                "DELETE FROM turns WHERE thread_key = ? AND (created_at < ? OR id NOT IN "
                "(SELECT id FROM turns WHERE thread_key = ? ORDER BY id DESC LIMIT ?))",
                (thread_key, now - self.max_age_s, thread_key, self.max_turns),
            )

    async def recent(self, thread_key: str, limit: int = 4, now: float | None = None) -> list[StoredTurn]:
        """The thread's last ``limit`` turns, oldest first (those older than the age bound are gone)."""
        since = -1.0 if now is None else now - self.max_age_s
        rows = await self._db.fetchall(
            "SELECT question, answer, article_id, created_at FROM turns "
            "WHERE thread_key = ? AND created_at >= ? ORDER BY id DESC LIMIT ?",
            (thread_key, since, max(0, limit)),
        )
        return [
            StoredTurn(r["question"], r["answer"], r["article_id"], float(r["created_at"]))
            for r in reversed(rows)
        ]

    async def count(self, thread_key: str | None = None) -> int:
        if thread_key is None:
            row = await self._db.fetchone("SELECT COUNT(*) FROM turns")
        else:
            row = await self._db.fetchone("SELECT COUNT(*) FROM turns WHERE thread_key = ?", (thread_key,))
        return int(row[0]) if row else 0

    async def forget(self, thread_key: str) -> None:
        await self._db.execute("DELETE FROM turns WHERE thread_key = ?", (thread_key,))

    async def prune(self, now: float) -> int:
        """Drop every turn older than the age bound (all threads); returns how many."""
        changed = await self._db.execute("DELETE FROM turns WHERE created_at < ?", (now - self.max_age_s,))
        return changed.rowcount
