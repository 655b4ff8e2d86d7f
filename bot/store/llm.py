"""What the LLM backend has already paid for: cached briefs and the tokens spent per model."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.store.engine import Database
from summarizer.brief import Brief
from summarizer.errors import SummarizeError
from summarizer.llm import Usage


class LLMRepo:
    """Backs ``summarizer.llm.BriefCache`` with the store, so re-ingesting or re-briefing the same
    content costs no tokens, also after a restart."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock

    async def get(self, key: str) -> Brief | None:
        row = await self._db.fetchone("SELECT json FROM llm_cache WHERE key = ?", (key,))
        if row is None:
            return None
        try:
            return Brief.from_json(row["json"])
        except SummarizeError:
            return None  # an entry written by an older, incompatible version: brief again

    async def put(self, key: str, brief: Brief) -> None:
        await self._db.execute(
            "INSERT INTO llm_cache (key, json, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET json = excluded.json, created_at = excluded.created_at",
            (key, brief.to_json(), self._clock()),
        )

    async def add_usage(self, model: str, usage: Usage) -> None:
        if not usage.requests:
            return
        await self._db.execute(
            "INSERT INTO llm_usage (model, requests, prompt_tokens, completion_tokens, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (model) DO UPDATE SET "
            "requests = llm_usage.requests + excluded.requests, "
            "prompt_tokens = llm_usage.prompt_tokens + excluded.prompt_tokens, "
            "completion_tokens = llm_usage.completion_tokens + excluded.completion_tokens, "
            "updated_at = excluded.updated_at",
            (model, usage.requests, usage.prompt_tokens, usage.completion_tokens, self._clock()),
        )

    async def usage(self) -> dict[str, Usage]:
        rows = await self._db.fetchall(
            "SELECT model, requests, prompt_tokens, completion_tokens FROM llm_usage ORDER BY model"
        )
        return {
            str(r["model"]): Usage(int(r["requests"]), int(r["prompt_tokens"]), int(r["completion_tokens"]))
            for r in rows
        }
