"""Two schedulers on one database (two replicas), on each engine: each digest posted once per
channel and period, each each-mode brief once per channel; a digest claimed by a replica that
died before posting is posted by another once its lease is over; schedules set through one
replica reach the other."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import make_fetcher, make_ingestor
from bot.replies import BriefReply, ChannelRef, DigestReply
from bot.scheduler import Scheduler
from bot.schedules import last_digest_time, period_key
from bot.store import DigestSchedule, Store
from summarizer.local import LocalBackend
from tests.bot.chat_helpers import add_briefed, settings_for
from tests.conftest import StoreTarget
from tests.fakes.poster import RecordingPoster

HALL = ChannelRef("console", "hall")  # a daily digest at 09:00 UTC
DESK = ChannelRef("console", "desk")  # each brief as it comes
NINE = DigestSchedule("09:00", "UTC")
LEASE = 30.0


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Replica:
    store: Store
    poster: RecordingPoster
    scheduler: Scheduler


@pytest.fixture
async def replicas(
    store_target: StoreTarget, tmp_path: Path
) -> AsyncIterator[tuple[Replica, Replica, Clock]]:
    settings = settings_for(tmp_path).replace("store", lease=timedelta(seconds=LEASE))
    clock = Clock(datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC))
    backend = LocalBackend()
    pair = []
    async with make_fetcher(settings) as fetcher:
        for owner in ("replica-1", "replica-2"):
            store = await store_target.open()
            ingest = make_ingestor(settings, store, fetcher, backend, owner=owner)
            poster = RecordingPoster()
            pair.append(
                Replica(
                    store,
                    poster,
                    Scheduler(store, ingest, settings, posters=[poster], clock=clock, owner=owner),
                )
            )
        yield pair[0], pair[1], clock
        for replica in pair:
            await replica.scheduler.stop(grace_s=1.0)
            await replica.store.close()
    backend.close()


async def _channels(store: Store) -> None:
    set_at = datetime(2026, 3, 2, 8, 0, tzinfo=UTC).timestamp()
    feed, _ = await store.feeds.add("https://news.example/rss", 900, set_at)
    for ref in (HALL, DESK):
        await store.channels.ensure(ref, set_at)
        await store.channels.subscribe(ref.key, feed.id, now=set_at)
    await store.channels.set_schedule(HALL.key, NINE, set_at)
    await store.channels.set_mode(DESK.key, "each", set_at)
    for n, title in enumerate(["Harbour fees rise", "Library reopens", "Tram line backed"]):
        await add_briefed(store, feed.id, f"a{n}", title, now=set_at + 600 + n)


def _posted(replicas: tuple[Replica, ...], ref: ChannelRef, kind: type) -> list[object]:
    return [r for replica in replicas for r in replica.poster.to(ref) if isinstance(r, kind)]


async def test_two_replicas_post_each_digest_and_each_brief_once(
    replicas: tuple[Replica, Replica, Clock],
) -> None:
    a, b, _ = replicas
    await _channels(a.store)
    runs = await asyncio.gather(a.scheduler.run_digest(HALL.key), b.scheduler.run_digest(HALL.key))
    assert sorted(run.outcome for run in runs) == ["already", "posted"]
    assert len(_posted((a, b), HALL, DigestReply)) == 1
    counts = await asyncio.gather(a.scheduler.post_new_briefs(), b.scheduler.post_new_briefs())
    assert sum(counts) == 3
    briefs = _posted((a, b), DESK, BriefReply)
    assert sorted(r.article_id for r in briefs) == ["a0", "a1", "a2"]  # type: ignore[attr-defined]
    assert await asyncio.gather(a.scheduler.post_new_briefs(), b.scheduler.post_new_briefs()) == [0, 0]


async def test_a_digest_a_dead_replica_claimed_is_posted_by_another_once_its_lease_is_over(
    replicas: tuple[Replica, Replica, Clock],
) -> None:
    a, b, clock = replicas
    await _channels(a.store)
    fire = last_digest_time(NINE, clock.now)
    assert fire is not None
    # A third replica claimed today's digest and died before posting it.
    claim = await a.store.channels.claim_digest(
        HALL.key, period_key(fire), clock.now.timestamp(), owner="dead", lease_s=LEASE
    )
    assert claim is not None
    runs = await asyncio.gather(a.scheduler.run_digest(HALL.key), b.scheduler.run_digest(HALL.key))
    assert [run.outcome for run in runs] == ["already", "already"]
    assert await b.scheduler.take_over_digests() == []  # its lease still holds
    clock.now += timedelta(seconds=LEASE)
    taken = await asyncio.gather(a.scheduler.take_over_digests(), b.scheduler.take_over_digests())
    outcomes = [run.outcome for runs in taken for run in runs]  # the slower one may find nothing left
    assert outcomes.count("posted") == 1
    assert set(outcomes) <= {"posted", "already"}
    (digest,) = _posted((a, b), HALL, DigestReply)
    assert len(digest.items) == 3  # type: ignore[attr-defined]


async def test_a_schedule_set_through_one_replica_reaches_the_other(
    replicas: tuple[Replica, Replica, Clock],
) -> None:
    a, b, _ = replicas
    await a.scheduler.start()
    await b.scheduler.start()
    await a.store.channels.ensure(HALL, 0.0)
    await a.store.channels.set_schedule(HALL.key, NINE, 0.0)
    await a.scheduler.channel_changed(HALL.key)
    assert a.scheduler.next_digest(HALL.key) is not None
    assert b.scheduler.next_digest(HALL.key) is None
    await b.scheduler.sync_schedules()
    assert b.scheduler.next_digest(HALL.key) == a.scheduler.next_digest(HALL.key)
    await a.store.channels.set_schedule(HALL.key, None, 1.0)
    await b.scheduler.sync_schedules()
    assert b.scheduler.next_digest(HALL.key) is None


async def test_replicas_take_a_busy_minutes_digests_in_different_orders(
    replicas: tuple[Replica, Replica, Clock], tmp_path: Path
) -> None:
    """Replicas racing for the same channel in the same order would each do the claim's work
    for it; in different orders, the later ones find it claimed."""
    a, b, _ = replicas
    keys = [f"console::ch-{n:03d}" for n in range(40)]
    orders = []
    for scheduler in (a.scheduler, b.scheduler):
        delays = [scheduler.digest_delay(k) for k in keys]
        assert all(0.0 <= d < 1.0 for d in delays)
        assert delays == [scheduler.digest_delay(k) for k in keys]  # stable
        orders.append(sorted(keys, key=scheduler.digest_delay))
    assert orders[0][:10] != orders[1][:10]
    # A process alone on its database starts each digest at its time.
    alone = Scheduler(a.store, NoFeeds(), settings_for(tmp_path))
    assert {alone.digest_delay(k) for k in keys} == {0.0}


class NoFeeds:
    async def poll_feeds(self, only_due: bool = True) -> None:
        return None

    async def process_queue(self) -> int:
        return 0
