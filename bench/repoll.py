"""Re-polling unchanged feeds: conditional GETs answered 304 must cost no parsing and be quick.

    .venv/bin/python bench/repoll.py [--feeds 200] [--items 10]

The fake web (tests/fakes/web.py) runs in its own process and serves ``--feeds`` RSS feeds of
``--items`` invented stories each (full text in the items, no pages), each with an ETag. The
bench subscribes to all of them and polls once (everything is parsed and stored; a no-op
briefer stands in for the backend, which is not what is measured here), moves its clock past
the poll interval, and times the second ``Ingestor.poll_feeds()``: every feed is asked with
If-None-Match, answers 304, and nothing is parsed (the parser's calls are counted).

Target: 200 feeds re-polled in <= 2 s, with 0 parser calls.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ingest import start_server  # noqa: E402
from bot.app import make_fetcher  # noqa: E402
from bot.ingest import pipeline  # noqa: E402
from bot.ingest.pipeline import Ingestor  # noqa: E402
from bot.settings import Settings, StoreSettings  # noqa: E402
from bot.store import Store  # noqa: E402
from summarizer.brief import Article, Brief  # noqa: E402
from summarizer.errors import SummarizeError  # noqa: E402


class NoBriefs:
    """Stands in for the backend during set-up: a title-only brief, instantly."""

    name = "bench:none"

    async def brief(self, article: Article) -> Brief:
        return Brief(id=article.id, title=article.title, tldr=article.title, backend=self.name)

    async def brief_many(self, articles: Sequence[Article]) -> list[Brief | SummarizeError]:
        return [await self.brief(a) for a in articles]


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


async def run(base: str, feeds: int, db: Path) -> None:
    settings = Settings(store=StoreSettings(path=str(db)))
    settings = dataclasses.replace(
        settings, fetch=dataclasses.replace(settings.fetch, allow_private_networks=True)
    )
    store = await Store.open(db)
    clock = Clock()
    async with make_fetcher(settings) as fetcher:
        # the bench moves its clock forward instead of waiting 15 minutes
        ingestor = Ingestor(store, fetcher, NoBriefs(), settings, clock=clock)
        for i in range(feeds):
            await ingestor.add_feed(f"{base}/feeds/{i}.xml")
        with mock.patch.object(pipeline, "parse_feed", wraps=pipeline.parse_feed) as parser:
            start = time.perf_counter()
            first = await ingestor.poll_feeds()
            first_s = time.perf_counter() - start
            first_parses = parser.call_count

            clock.now += settings.feeds.default_interval.total_seconds()
            parser.reset_mock()
            start = time.perf_counter()
            again = await ingestor.poll_feeds()
            again_s = time.perf_counter() - start
            again_parses = parser.call_count
    await store.close()

    print(
        f"first poll:   {first.feeds_polled} feeds, {first_parses} parsed, {first.new_articles} new articles "
        f"stored, in {first_s:.2f} s"
    )
    print(
        f"re-poll:      {again.feeds_polled} feeds, {again.unchanged} answered 304, {again_parses} parsed, "
        f"{again.new_articles} new, in {again_s:.2f} s   (target <= 2 s, 0 parsed)"
    )
    print(f"per feed:     {1000 * again_s / max(1, again.feeds_polled):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=10)
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    server, base = start_server(args.feeds * args.items, args.feeds, "--full-text")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            asyncio.run(run(base, args.feeds, Path(tmp) / "bench.db"))
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
