"""End-to-end ingest: feeds → fetch → extract → brief → store, from a loopback feed server.

    .venv/bin/python bench/ingest.py [--articles 1000] [--feeds 10]

The fake web (tests/fakes/web.py) runs in its own process, so its work is not counted as ours.
It serves ``--feeds`` RSS feeds carrying ``--articles`` invented stories, each a full web page
(navigation, sidebar, comments; every other one gzip-encoded). The bench adds the feeds and
times one ``Ingestor.poll_feeds()``: the same code ``briefbot ingest`` runs, with the default
settings (per-host limit 2, brief_concurrency 2, ``[summarizer] workers`` unless ``--workers``
says otherwise) and the local spaCy backend, on a new SQLite file. The model is loaded (in the
brief workers, if any) before the clock starts (``briefbot run`` loads it once).

Targets: >= 15 articles/s, peak RSS <= 600 MB: this process (fetcher, parser, SQLite, and spaCy
when it briefs itself) plus its brief workers, sampled together (bench/memory.py).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.memory import TreeSampler, tree_cpu_seconds  # noqa: E402
from bot.app import make_fetcher, make_ingestor, make_local_backend  # noqa: E402
from bot.settings import Settings, StoreSettings  # noqa: E402
from bot.store import Store  # noqa: E402
from summarizer.brief import Article  # noqa: E402


def start_server(articles: int, feeds: int, *options: str) -> tuple[subprocess.Popen[str], str]:
    """The fake web in its own process; returns it and its base URL."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.fakes.web",
            "--articles",
            str(articles),
            "--feeds",
            str(feeds),
            *options,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


async def run(base: str, feeds: int, db: Path, workers: int | None, server: int) -> None:
    settings = Settings(store=StoreSettings(path=str(db)))
    settings = dataclasses.replace(
        settings, fetch=dataclasses.replace(settings.fetch, allow_private_networks=True)
    )
    if workers is not None:
        settings = settings.replace("summarizer", workers=workers)
    with TreeSampler(exclude={server}) as memory:
        backend = make_local_backend(settings)
        warm = "The council met on Monday in the town hall. " * 5
        # Load the model before timing, in every worker (a batch is split between them).
        await backend.brief_many([Article(id=f"warm-up-{i}", text=warm) for i in range(backend.workers)])
        rss_before = memory.peak.rss_mb

        store = await Store.open(db)
        async with make_fetcher(settings) as fetcher:
            ingestor = make_ingestor(settings, store, fetcher, backend)
            for i in range(feeds):
                await ingestor.add_feed(f"{base}/feeds/{i}.xml")
            start, cpu_start = time.perf_counter(), tree_cpu_seconds(exclude={server})
            report = await ingestor.poll_feeds()
            elapsed, cpu = time.perf_counter() - start, tree_cpu_seconds(exclude={server}) - cpu_start
        stored = await store.articles.count()
        briefed = await store.articles.count("briefed")
        await store.close()
        backend.close()

    where = "in this process" if backend.workers == 1 else f"on {backend.workers} worker processes"
    print(f"briefing:            {where}")
    print(f"feeds polled:        {report.feeds_polled} ({report.feeds_failed} failed)")
    print(f"articles stored:     {stored} (briefed {briefed}, failed {report.failed})")
    print(f"elapsed:             {elapsed:.1f} s")
    print(f"throughput:          {briefed / elapsed:.1f} articles/s   (target >= 15)")
    # On a shared machine the wall clock includes waiting for a CPU; CPU time does not.
    print(f"CPU time:            {cpu:.1f} s = {briefed / cpu:.1f} articles per CPU-second (with workers)")
    print(f"memory:              {memory.summary()}")
    peak = memory.peak.rss_mb
    print(f"peak RSS:            {peak:.0f} MB   (target <= 600; {rss_before:.0f} MB after model load)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--feeds", type=int, default=10)
    parser.add_argument(
        "--workers", type=int, help="brief worker processes (default: [summarizer] workers; 1: none)"
    )
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    server, base = start_server(args.articles, args.feeds)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            asyncio.run(run(base, args.feeds, Path(tmp) / "bench.db", args.workers, server.pid))
    finally:
        server.terminate()
        server.wait()
    print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
