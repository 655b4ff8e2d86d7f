"""bot/app.py closes what it opens: with the LLM backend, the local fallback's worker
processes end with the block that built them, as with the local backend."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from bot.app import open_core
from bot.credentials import Credentials
from bot.settings import Settings
from summarizer.brief import Article
from tests.fakes.openai_server import FakeOpenAI, error

STORY = (
    "The harbour board of Lake Orrin agreed on Tuesday to rebuild the ferry landing at Kell "
    "Island before winter. Board chair Ines Kowalczyk said the work would cost two million crowns."
)


@pytest.mark.timeout(180)
async def test_the_llm_backends_local_fallback_workers_are_closed(tmp_path: Path) -> None:
    async with FakeOpenAI() as fake:
        fake.script(*[error(500, "the model is down")] * 4)
        settings = (
            Settings()
            .replace("store", path=str(tmp_path / "briefbot.db"))
            .replace("summarizer", backend="llm", workers=2)
            .replace("llm", base_url=fake.base_url, model="fake-model", max_retries=0)
        )
        # Another test's pool may still be winding down under load: only the new processes count.
        before = set(multiprocessing.active_children())
        async with open_core(settings, Credentials()) as core:
            [brief] = await core.backend.brief_many([Article("kell", STORY)])
            assert not isinstance(brief, Exception)
            assert brief.backend.startswith("local:")  # the model failed: briefed by the fallback…
            workers = [w for w in multiprocessing.active_children() if w not in before]
            assert workers  # …on its worker processes
        for worker in workers:  # closed with the block: they exit (an open pool's never would)
            worker.join(timeout=60)
        assert [w for w in workers if w.is_alive()] == []
