"""Scheduler at scale: 1,000 channels with digest schedules in 30 timezones.

    .venv/bin/python bench/scheduler.py [--channels 1000] [--lead 20]

Every channel's digest is set (in its own timezone, to the second) for one and the same instant
about ``--lead`` + 30 seconds ahead (30 s for setting up), the worst case: all 1,000 fire
together. Each channel follows two feeds with a few new briefs, so each digest is really built
(store query, filters, story grouping) and handed to a poster that only records when it
arrived. Prints how late each digest was posted after its time (target: every one within 5 s)
and the scheduler's memory above the baseline (target: <= 50 MB), measured as resident set size.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.ingest.pipeline import PollReport  # noqa: E402
from bot.replies import ChannelRef, Platform, Reply  # noqa: E402
from bot.scheduler import Scheduler  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.store import DigestSchedule, NewArticle, Store  # noqa: E402
from summarizer.brief import Actor, Brief, Place  # noqa: E402

ZONES = [
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Helsinki",
    "Europe/Moscow",
    "Asia/Dubai",
    "Asia/Karachi",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Dhaka",
    "Asia/Bangkok",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Adelaide",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Pacific/Honolulu",
    "America/Anchorage",
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "America/Halifax",
    "America/St_Johns",
    "America/Sao_Paulo",
    "Atlantic/Azores",
    "Africa/Lagos",
    "Africa/Nairobi",
    "Asia/Tehran",
    "Pacific/Chatham",
]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class NoIngest:
    async def poll_feeds(self, only_due: bool = True) -> PollReport:
        return PollReport(feeds_polled=0, feeds_failed=0, new_articles=0, briefed=0, failed=0)

    async def process_queue(self) -> int:
        return 0


class TimingPoster:
    def __init__(self, expected: int) -> None:
        self.arrived: dict[str, float] = {}
        self.expected = expected
        self.all_arrived = asyncio.Event()

    @property
    def platform(self) -> Platform:
        return "console"

    async def post(self, channel: ChannelRef, reply: Reply, thread_id: str | None = None) -> list[str]:
        self.arrived[channel.key] = time.time()
        if len(self.arrived) >= self.expected:
            self.all_arrived.set()
        return [f"m-{channel.channel_id}"]


async def populate(store: Store, channels: int, due: datetime) -> None:
    now = time.time()
    feeds = []
    for f in range(10):
        feed, _ = await store.feeds.add(f"https://feed{f}.example/rss", 900, now - 3600)
        feeds.append(feed.id)
        for a in range(5):
            aid = f"f{f}a{a}"
            await store.articles.add(
                NewArticle(
                    id=aid,
                    feed_id=feed.id,
                    guid=aid,
                    title=f"Story {a} of feed {f} about topic{f}x{a}",
                    text=f"Body of story {a} in feed {f}.",
                ),
                now - 600,
            )
            brief = Brief(
                id=aid,
                title=f"Story {a} of feed {f}",
                tldr="Something happened.",
                who=(Actor(f"Person{a} Family{f}"),),
                where=(Place(f"Town{f}"),),
                backend="bench",
            )
            await store.articles.save_brief(brief, now - 600)
    for c in range(channels):
        ref = ChannelRef("console", f"c{c}")
        zone = ZONES[c % len(ZONES)]
        local = due.astimezone(ZoneInfo(zone)).strftime("%H:%M:%S")
        await store.channels.ensure(ref, now - 3600)
        for f in (c % 10, (c + 3) % 10):
            await store.channels.subscribe(ref.key, feeds[f], now=now - 3600)
        await store.channels.set_schedule(ref.key, DigestSchedule(local, zone), now - 3600)


async def main(channels: int, lead: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings().replace("store", path=f"{tmp}/bench.db")
        store = await Store.open(settings.store.path)
        due = (datetime.now(UTC) + timedelta(seconds=lead + 30)).replace(microsecond=0)
        began = time.perf_counter()
        await populate(store, channels, due)
        setup = time.perf_counter() - began
        wait = (due - datetime.now(UTC)).total_seconds()
        if wait < 5:
            raise SystemExit(f"setting up took {setup:.0f} s; use a larger --lead")
        baseline = rss_mb()
        poster = TimingPoster(channels)
        scheduler = Scheduler(
            store, NoIngest(), settings, posters=[poster], poll_every=3600, retry_every=3600
        )
        await scheduler.start()
        scheduled = rss_mb()
        print(
            f"{channels} channels in {len(ZONES)} timezones, all due at {due:%H:%M:%S} UTC "
            f"(set up in {setup:.1f} s); waiting {wait:.0f} s"
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(poster.all_arrived.wait(), wait + 60)
        peak = rss_mb()
        await scheduler.stop()
        await store.close()

    late = sorted(t - due.timestamp() for t in poster.arrived.values())
    missing = channels - len(late)
    print(f"digests posted: {len(late)} of {channels}" + (f" ({missing} MISSING)" if missing else ""))
    if late:
        p95 = late[int(len(late) * 0.95) - 1]
        print(
            f"lateness after the due time: min {late[0]:.2f} s, median {statistics.median(late):.2f} s, "
            f"p95 {p95:.2f} s, max {late[-1]:.2f} s (target: max <= 5 s) -> "
            f"{'OK' if late[-1] <= 5 and not missing else 'MISSED'}"
        )
    print(
        f"memory (RSS): baseline {baseline:.1f} MB, after scheduling +{scheduled - baseline:.1f} MB, "
        f"after all digests +{peak - baseline:.1f} MB (target: <= 50 MB) -> "
        f"{'OK' if peak - baseline <= 50 else 'OVER'}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--lead", type=float, default=20.0, help="seconds to wait, beyond 30 s for set-up")
    args = parser.parse_args()
    asyncio.run(main(args.channels, args.lead))
