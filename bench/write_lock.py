"""How long polling a large feed keeps other writers waiting.

    .venv/bin/python bench/write_lock.py [--items 50000]

A loopback HTTP server (its own thread) serves one RSS feed of ``--items`` small items, with
no ETag or Last-Modified, so every poll fetches and parses it again. The bench stores its
items as a first poll does (then takes them as briefed: briefing is not measured here), and
polls the feed again, unchanged. Meanwhile a second connection, as ``briefbot feeds add`` in
another process would, writes a row every 50 ms and records how long each write waited for
the lock. Printed for each: its duration, the longest write transaction (BEGIN IMMEDIATE to
COMMIT, traced on the poller's connection) and the longest wait of the other writer.

Target: the other writer never waits more than 1 s (SQLite's wait is 10 s; beyond it a
command fails).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.repoll import NoBriefs  # noqa: E402
from bot.app import make_fetcher  # noqa: E402
from bot.ingest.feeds import item_article, parse_feed  # noqa: E402
from bot.ingest.pipeline import Ingestor  # noqa: E402
from bot.settings import Settings, StoreSettings  # noqa: E402
from bot.store import Store  # noqa: E402


def feed_xml(items: int) -> bytes:
    entries = "".join(
        f"<item><title>Notice {n}</title><guid>n-{n}</guid><description>Berth {n % 40}.</description></item>"
        for n in range(items)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Notices</title>{entries}</channel></rss>'
    ).encode()


def serve(body: bytes) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/notices.xml"


class Transactions:
    """Trace callback on the poller's connection: the longest BEGIN IMMEDIATE … COMMIT."""

    def __init__(self) -> None:
        self.longest = 0.0
        self.count = 0
        self._began: float | None = None

    def __call__(self, sql: str) -> None:
        if sql.startswith("BEGIN IMMEDIATE"):
            self._began = time.perf_counter()
        elif sql in ("COMMIT", "ROLLBACK") and self._began is not None:
            self.longest = max(self.longest, time.perf_counter() - self._began)
            self.count += 1
            self._began = None


def other_writer(db: Path, stop: threading.Event, waits: list[float]) -> None:
    """Another process's small writes (as `briefbot feeds add` makes), every 50 ms, with
    SQLite's own wait for the lock (a table of its own, so the poll does not see them)."""
    conn = sqlite3.connect(db, timeout=60, isolation_level=None)
    while not stop.is_set():
        started = time.perf_counter()
        conn.execute("INSERT INTO bench_writes VALUES (?)", (time.time(),))
        waits.append(time.perf_counter() - started)
        stop.wait(0.05)
    conn.close()


async def measured(store: Store, db: Path, label: str, work: Awaitable[int]) -> None:
    """Run ``work`` (returning how many articles it stored) while another writer writes."""
    trace = Transactions()
    await store.db._conn.set_trace_callback(trace)  # observes the statements, changes nothing
    waits: list[float] = []
    stop = threading.Event()
    writer = threading.Thread(target=other_writer, args=(db, stop, waits))
    writer.start()
    started = time.perf_counter()
    new = await work
    took = time.perf_counter() - started
    stop.set()
    writer.join()
    await store.db._conn.set_trace_callback(None)
    print(
        f"{label:<24} {took:6.2f} s, {new} new; write transactions: {trace.count}, longest "
        f"{1000 * trace.longest:7.1f} ms; the other writer waited at most "
        f"{1000 * max(waits, default=0.0):7.1f} ms over {len(waits)} writes   (target <= 1000 ms)"
    )


async def run(url: str, body: bytes, db: Path) -> None:
    settings = Settings(store=StoreSettings(path=str(db)))
    settings = dataclasses.replace(
        settings, fetch=dataclasses.replace(settings.fetch, allow_private_networks=True)
    )
    store = await Store.open(db)
    await store.db.execute("CREATE TABLE bench_writes (at REAL)")  # the other writer's
    async with make_fetcher(settings) as fetcher:
        ingestor = Ingestor(store, fetcher, NoBriefs(), settings)
        feed, _ = await ingestor.add_feed(url)
        # The first poll's storing, as _poll_one does it; then the articles are taken as briefed
        # (briefing 50,000 articles is not what is measured here).
        items = parse_feed(body, url).items
        news = [item_article(i, feed.id, url, "Notices", False) for i in reversed(items)]

        async def store_items() -> int:
            return sum(created for _, created in await store.articles.add_many(news, time.time()))

        async def repoll() -> int:
            return int((await ingestor.poll_feeds(only_due=False)).new_articles)

        await measured(store, db, "storing the items:", store_items())
        await store.db.execute("UPDATE articles SET state = 'briefed'")
        await measured(store, db, "re-polling, unchanged:", repoll())
    await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=50_000)
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    body = feed_xml(args.items)
    print(f"one feed of {args.items} items, {len(body) / 1e6:.1f} MB, no ETag (parsed at every poll)")
    server, url = serve(body)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            asyncio.run(run(url, body, Path(tmp) / "bench.db"))
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
