"""Run by the scheduler tests as a separate process: it claims a channel's digest (or, with
``each``, its next each-mode brief), starts posting it, and dies on the spot (``os._exit``),
as a process killed mid-post would."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import datetime

from bot.app import make_fetcher, make_ingestor
from bot.replies import ChannelRef, Platform, Reply
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.store import Store
from summarizer.local import LocalBackend


class DyingPoster:
    @property
    def platform(self) -> Platform:
        return "console"

    async def post(self, channel: ChannelRef, reply: Reply, thread_id: str | None = None) -> list[str]:
        print("posting", flush=True)
        os._exit(9)


async def main(db: str, key: str, now: str, what: str = "digest") -> None:
    store = await Store.open(db)
    settings = Settings().replace("store", path=db)
    clock = datetime.fromisoformat(now)
    async with make_fetcher(settings) as fetcher:
        ingest = make_ingestor(settings, store, fetcher, LocalBackend())
        scheduler = Scheduler(store, ingest, settings, posters=[DyingPoster()], clock=lambda: clock)
        if what == "each":
            await scheduler.post_new_briefs()
        else:
            await scheduler.run_digest(key)
    print("not reached", flush=True)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
