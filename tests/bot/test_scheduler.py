"""The scheduler: digests in each channel's timezone, exactly once across restarts, crashes and
overlapping runs; missed digests within the grace period; each-mode briefs; channels that go away.

Most tests pass a clock to decide "now" (the real APScheduler runs underneath); one runs real
triggers a few seconds ahead in two timezones. Ingestion is the real Ingestor: the channels'
feeds are served over loopback HTTP, and the polling job fetches them.
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import make_fetcher, make_ingestor
from bot.ingest.fetch import Fetcher
from bot.replies import BriefReply, ChannelRef, DigestReply
from bot.scheduler import Scheduler
from bot.schedules import (
    last_digest_time,
    next_digest_time,
    parse_time,
    parse_weekdays,
    period_key,
    resolve_timezone,
)
from bot.settings import Settings
from bot.store import DigestSchedule, NewArticle, Store
from summarizer.local import LocalBackend
from tests.bot.chat_helpers import add_briefed, settings_for
from tests.fakes.feed_site import FeedSite, rss
from tests.fakes.poster import RecordingPoster
from tests.fakes.web import FakeWeb, Resource

ROOT = Path(__file__).resolve().parents[2]
BERLIN = ZoneInfo("Europe/Berlin")
HALL = ChannelRef("console", "hall")
DESK = ChannelRef("console", "desk")
TOPICS = [
    "Harbour fees rise for cargo ships",
    "Library reopens its reading room",
    "Council backs new tram line",
]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.open(tmp_path / "briefbot.db")
    yield s
    await s.close()


@dataclass
class Web:
    """The channels' feeds on a loopback server, and what the Ingestor reads them with."""

    site: FeedSite
    fetcher: Fetcher
    backend: LocalBackend

    def feed(self, name: str, items: list[dict[str, str]] | None = None) -> str:
        return self.site.add(f"/{name}/rss", rss(f"{name} news", items or []), "application/rss+xml")


@pytest.fixture
async def web(tmp_path: Path) -> AsyncIterator[Web]:
    backend = LocalBackend()
    async with FeedSite() as site, make_fetcher(settings_for(tmp_path)) as fetcher:
        yield Web(site, fetcher, backend)
    backend.close()


async def scheduled_channel(
    web: Web,
    store: Store,
    ref: ChannelRef,
    schedule: DigestSchedule,
    *,
    set_at: datetime,
    articles: int = 2,
    briefed_at: datetime | None = None,
) -> int:
    """A channel subscribed to a feed with ``articles`` new briefs, its schedule set at ``set_at``."""
    ts = set_at.timestamp()
    await store.channels.ensure(ref, ts)
    feed, _ = await store.feeds.add(web.feed(ref.channel_id), 900, ts)
    await store.channels.subscribe(ref.key, feed.id, now=ts)
    await store.channels.set_schedule(ref.key, schedule, ts)
    at = (briefed_at or set_at + timedelta(minutes=1)).timestamp()
    for i in range(articles):
        await add_briefed(store, feed.id, f"{ref.channel_id}-{i}", f"{TOPICS[i]} ({ref.channel_id})", now=at)
    return feed.id


def make_scheduler(
    web: Web, store: Store, settings: Settings, poster: RecordingPoster, clock: Clock | None = None
) -> Scheduler:
    ingest = make_ingestor(settings, store, web.fetcher, web.backend)
    if clock is None:
        return Scheduler(store, ingest, settings, posters=[poster])
    return Scheduler(store, ingest, settings, posters=[poster], clock=clock)


def crash_while_posting(db: Path, ref: ChannelRef, now: datetime, what: str = "digest") -> str:
    """Run tests/bot/crash_child.py: a process that dies (exit 9) while posting; its output."""
    child = subprocess.run(
        [sys.executable, "-m", "tests.bot.crash_child", str(db), ref.key, now.isoformat(), what],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == 9, child.stderr
    return child.stdout.strip()


def digests(poster: RecordingPoster, ref: ChannelRef) -> list[DigestReply]:
    return [r for r in poster.to(ref) if isinstance(r, DigestReply)]


# -- schedules ---------------------------------------------------------------------------------


def test_times_days_and_timezones_are_parsed_forgivingly() -> None:
    assert parse_time("8:05") == "08:05"
    assert parse_time("23:59:30") == "23:59:30"
    assert [parse_time(t) for t in ("24:00", "8", "8:5:", "ab:cd", "08:60")] == [None] * 5
    assert parse_weekdays(["mon-fri"]) == ("mon", "tue", "wed", "thu", "fri")
    assert parse_weekdays(["sat,", "Sunday"]) == ("sat", "sun")
    assert parse_weekdays(["fri-mon"]) == ("mon", "fri", "sat", "sun")
    assert parse_weekdays(["weekdays", "sat", "sun"]) == ()  # every day
    with pytest.raises(ValueError, match="not a day"):
        parse_weekdays(["someday"])
    assert resolve_timezone("europe/berlin") == "Europe/Berlin"
    assert resolve_timezone("utc") == "UTC"
    assert [resolve_timezone(z) for z in ("Mars/Olympus", "../etc/passwd", "", "/etc/localtime")] == [
        None
    ] * 4


def test_digest_times_follow_the_channels_timezone_across_dst() -> None:
    at_eight = DigestSchedule("08:00", "Europe/Berlin")
    spring = [next_digest_time(at_eight, utc(2026, 3, 26, 12) + timedelta(days=d)) for d in range(3)]
    # 08:00 in Berlin is 07:00 UTC in winter and 06:00 UTC from the night the clocks go forward.
    assert [t.astimezone(UTC).hour for t in spring if t] == [7, 7, 6]
    assert all(t is not None and t.astimezone(BERLIN).hour == 8 for t in spring)
    autumn = [next_digest_time(at_eight, utc(2026, 10, 23, 12) + timedelta(days=d)) for d in range(3)]
    assert [t.astimezone(UTC).hour for t in autumn if t] == [6, 7, 7]
    weekdays = DigestSchedule("08:00", "Asia/Tokyo", ("mon", "tue", "wed", "thu", "fri"))
    saturday_noon = datetime(2026, 11, 28, 12, tzinfo=ZoneInfo("Asia/Tokyo"))
    nxt = next_digest_time(weekdays, saturday_noon)
    assert nxt is not None
    assert nxt.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%a %H:%M") == "Mon 08:00"


async def test_the_repeated_hour_of_a_dst_fall_back_posts_once(
    web: Web, store: Store, tmp_path: Path
) -> None:
    schedule = DigestSchedule("02:30", "Europe/Berlin")
    # On 25 Oct 2026 02:30 happens twice in Berlin: 00:30 and 01:30 UTC. One period, one digest.
    first, second = utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)
    assert period_key(first.astimezone(BERLIN)) == period_key(second.astimezone(BERLIN)) == "2026-10-25 02:30"
    await scheduled_channel(web, store, HALL, schedule, set_at=utc(2026, 10, 24, 12))
    clock = Clock(first + timedelta(seconds=2))
    poster = RecordingPoster()
    scheduler = make_scheduler(web, store, settings_for(tmp_path), poster, clock)
    assert (await scheduler.run_digest(HALL.key)).outcome == "posted"
    clock.now = second + timedelta(seconds=2)
    again = last_digest_time(schedule, clock.now)
    assert again is not None
    assert again.timestamp() == second.timestamp()  # the trigger does fire again…
    assert (await scheduler.run_digest(HALL.key)).outcome == "already"  # …but posts nothing
    assert len(poster.posts) == 1
    # In spring, 02:30 does not exist on 29 Mar: the digest still comes once that day.
    spring = last_digest_time(schedule, utc(2026, 3, 29, 12))
    assert spring is not None
    assert spring.astimezone(BERLIN).date().isoformat() == "2026-03-29"


# -- exactly once --------------------------------------------------------------------------------


async def test_a_digest_missed_while_down_is_posted_once_at_start_within_grace(
    web: Web, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path)
    store = await Store.open(settings.store.path)
    await scheduled_channel(web, store, HALL, DigestSchedule("08:00", "UTC"), set_at=utc(2026, 11, 29, 6))
    clock = Clock(utc(2026, 11, 30, 10))  # two hours late, grace 6 h
    poster = RecordingPoster()
    scheduler = make_scheduler(web, store, settings, poster, clock)
    await scheduler.start()
    await scheduler.stop()
    await store.close()
    (digest,) = digests(poster, HALL)
    assert digest.period == "2026-11-30 08:00"
    assert digest.title == "Daily digest — Mon 30 Nov 2026"
    assert len(digest.items) == 2

    # Restarted later the same morning: nothing is posted again.
    store = await Store.open(settings.store.path)
    clock.now = utc(2026, 11, 30, 11)
    again = RecordingPoster()
    scheduler = make_scheduler(web, store, settings, again, clock)
    await scheduler.start()
    await scheduler.stop()
    await store.close()
    assert again.posts == []


async def test_a_missed_digest_is_posted_at_start_after_its_feeds_were_polled(
    web: Web, store: Store, tmp_path: Path
) -> None:
    """The bot was down when the digest was due and while the feed published two stories: at
    start-up the feed is read first, so the late digest carries them."""
    items = []
    for slug, (title, text) in (("locks", LOCKS), ("market", MARKET)):
        items.append({"title": title, "link": web.site.url(f"/valley/{slug}"), "text": f"<p>{text}</p>"})
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    day_ago = (now - timedelta(days=1)).timestamp()
    await store.channels.ensure(HALL, day_ago)
    feed, _ = await store.feeds.add(web.feed("valley", items), 900, day_ago)  # never polled yet
    await store.channels.subscribe(HALL.key, feed.id, now=day_ago)
    schedule = DigestSchedule(f"{now - timedelta(hours=1):%H:%M}", "UTC")  # due an hour ago
    await store.channels.set_schedule(HALL.key, schedule, day_ago)
    fire = last_digest_time(schedule, datetime.now(UTC))
    assert fire is not None
    poster = RecordingPoster()
    scheduler = make_scheduler(web, store, settings_for(tmp_path), poster)
    await scheduler.start()
    try:
        for _ in range(1200):  # until the ledger says the digest was decided: posted or skipped
            delivery = await store.channels.delivery(HALL.key, "digest", period_key(fire))
            if delivery is not None and delivery.state != "pending":
                break
            await asyncio.sleep(0.05)
    finally:
        await scheduler.stop()
    assert delivery is not None
    assert delivery.state == "posted"
    (digest,) = digests(poster, HALL)
    assert sorted(i.brief.title for i in digest.items) == sorted([LOCKS[0], MARKET[0]])


async def test_a_digest_missed_beyond_grace_is_skipped_with_a_log_line_and_nothing_is_lost(
    web: Web, store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_for(tmp_path, schedule={"digest_grace": timedelta(hours=6)})
    await scheduled_channel(web, store, HALL, DigestSchedule("08:00", "UTC"), set_at=utc(2026, 11, 29, 6))
    clock = Clock(utc(2026, 11, 30, 15))  # seven hours late
    poster = RecordingPoster()
    scheduler = make_scheduler(web, store, settings, poster, clock)
    with caplog.at_level(logging.WARNING, logger="bot.scheduler"):
        assert (await scheduler.catch_up())[0].outcome == "missed"
        assert (await scheduler.catch_up())[0].outcome == "missed"
    skipped = [r for r in caplog.records if "digest skipped" in r.getMessage()]
    assert len(skipped) == 1  # said once, not at every look
    assert "late=7h00m" in skipped[0].getMessage()
    assert poster.posts == []
    # The next day's digest carries the stories the skipped one would have had.
    clock.now = utc(2026, 12, 1, 8, 0, 5)
    assert (await scheduler.run_digest(HALL.key)).outcome == "posted"
    (digest,) = digests(poster, HALL)
    assert len(digest.items) == 2


async def test_a_crash_between_record_and_post_never_posts_it_twice(
    web: Web, store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "briefbot.db"
    await scheduled_channel(web, store, HALL, DigestSchedule("08:00", "UTC"), set_at=utc(2026, 11, 29, 6))
    now = utc(2026, 11, 30, 8, 0, 3)
    assert crash_while_posting(db, HALL, now) == "posting"
    delivery = await store.channels.delivery(HALL.key, "digest", "2026-11-30 08:00")
    assert delivery is not None
    assert delivery.state == "pending"

    poster = RecordingPoster()
    scheduler = make_scheduler(web, store, settings_for(tmp_path), poster, Clock(now + timedelta(minutes=5)))
    with caplog.at_level(logging.WARNING, logger="bot.scheduler"):
        assert (await scheduler.catch_up())[0].outcome == "already"
    assert poster.posts == []
    assert any("may have reached the channel" in r.getMessage() for r in caplog.records)


async def test_stopping_while_posting_never_posts_that_digest_again(web: Web, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    store = await Store.open(settings.store.path)
    await scheduled_channel(web, store, HALL, DigestSchedule("08:00", "UTC"), set_at=utc(2026, 11, 29, 6))
    clock = Clock(utc(2026, 11, 30, 8, 1))
    stuck = RecordingPoster(gate=asyncio.Event())  # the platform never answers
    scheduler = make_scheduler(web, store, settings, stuck, clock)
    await scheduler.start()
    await asyncio.wait_for(stuck.started.wait(), 10)
    await scheduler.stop(grace_s=0.2)  # gives up on the post in flight
    await store.close()

    store = await Store.open(settings.store.path)
    poster = RecordingPoster()
    scheduler = make_scheduler(web, store, settings, poster, clock)
    await scheduler.start()
    await scheduler.stop()
    await store.close()
    assert stuck.posts == []
    assert poster.posts == []


async def test_stopping_lets_a_digest_in_flight_finish(web: Web, store: Store, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    await scheduled_channel(web, store, HALL, DigestSchedule("08:00", "UTC"), set_at=utc(2026, 11, 29, 6))
    slow = RecordingPoster(gate=asyncio.Event())
    scheduler = make_scheduler(web, store, settings, slow, Clock(utc(2026, 11, 30, 8, 1)))
    await scheduler.start()
    await asyncio.wait_for(slow.started.wait(), 10)
    stopping = asyncio.create_task(scheduler.stop(grace_s=10))
    while not scheduler.stopping:  # the barrier: stop has begun, the post is still held
        await asyncio.sleep(0)
    slow.gate.set()  # type: ignore[union-attr]
    await stopping
    assert len(digests(slow, HALL)) == 1
    delivery = await store.channels.delivery(HALL.key, "digest", "2026-11-30 08:00")
    assert delivery is not None
    assert delivery.state == "posted"


async def test_overlapping_runs_in_two_processes_post_once(web: Web, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    one = await Store.open(settings.store.path)
    two = await Store.open(settings.store.path)  # a second connection, as a second process has
    await scheduled_channel(web, one, HALL, DigestSchedule("08:00", "UTC"), set_at=utc(2026, 11, 29, 6))
    clock = Clock(utc(2026, 11, 30, 8, 0, 1))
    posters = [RecordingPoster(), RecordingPoster()]
    a = make_scheduler(web, one, settings, posters[0], clock)
    b = make_scheduler(web, two, settings, posters[1], clock)
    runs = await asyncio.gather(*(s.run_digest(HALL.key) for s in (a, b, a, b, a, b)))
    await one.close()
    await two.close()
    assert sorted(r.outcome for r in runs) == ["already"] * 5 + ["posted"]
    assert sum(len(p.posts) for p in posters) == 1


async def test_two_channels_in_different_timezones_each_get_their_digest_on_time(
    web: Web, store: Store, tmp_path: Path
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    due = {HALL: now + timedelta(seconds=4), DESK: now + timedelta(seconds=6)}
    zones = {HALL: "Asia/Kolkata", DESK: "America/New_York"}  # +05:30 and -05:00/-04:00
    for ref, at in due.items():
        local = at.astimezone(ZoneInfo(zones[ref])).strftime("%H:%M:%S")
        await scheduled_channel(
            web, store, ref, DigestSchedule(local, zones[ref]), set_at=now - timedelta(hours=1)
        )
    poster = RecordingPoster()
    scheduler = make_scheduler(web, store, settings_for(tmp_path), poster)
    await scheduler.start()
    try:
        for _ in range(200):
            if len(poster.posts) >= 2:
                break
            await asyncio.sleep(0.1)
        # Nothing more can arrive for these periods: the ledger has them posted, and another
        # run (a late trigger, the catch-up) finds them so.
        for ref, at in due.items():
            period = period_key(at.astimezone(ZoneInfo(zones[ref])))
            delivery = await store.channels.delivery(ref.key, "digest", period)
            assert delivery is not None
            assert delivery.state == "posted"
            assert (await scheduler.run_digest(ref.key)).outcome == "already"
    finally:
        await scheduler.stop()
    assert [p.channel for p in poster.posts] == [HALL, DESK]
    for post in poster.posts:
        assert post.at >= due[post.channel].timestamp()
        assert isinstance(post.reply, DigestReply)
        local = due[post.channel].astimezone(ZoneInfo(zones[post.channel]))
        assert post.reply.period == period_key(local)  # (its seconds shown unless :00)


async def test_the_scheduler_takes_every_time_from_its_clock(web: Web, store: Store, tmp_path: Path) -> None:
    """What the ledger records (claimed, posted) is the scheduler's "now", not the machine's:
    a test with a clock tests what it says it does."""
    await scheduled_channel(web, store, HALL, DigestSchedule("08:00", "UTC"), set_at=utc(2026, 11, 29, 6))
    clock = Clock(utc(2026, 11, 30, 8, 0, 7))
    scheduler = make_scheduler(web, store, settings_for(tmp_path), RecordingPoster(), clock)
    assert (await scheduler.run_digest(HALL.key)).outcome == "posted"
    delivery = await store.channels.delivery(HALL.key, "digest", "2026-11-30 08:00")
    assert delivery is not None
    assert (delivery.created_at, delivery.posted_at) == (clock.now.timestamp(), clock.now.timestamp())


async def test_a_schedule_set_after_its_time_first_fires_the_next_day(
    web: Web, store: Store, tmp_path: Path
) -> None:
    await scheduled_channel(web, store, HALL, DigestSchedule("08:00", "UTC"), set_at=utc(2026, 11, 30, 9))
    clock = Clock(utc(2026, 11, 30, 9, 30))
    poster = RecordingPoster()
    scheduler = make_scheduler(web, store, settings_for(tmp_path), poster, clock)
    assert (await scheduler.run_digest(HALL.key)).outcome == "not-due"
    clock.now = utc(2026, 12, 1, 8, 0, 2)
    assert (await scheduler.run_digest(HALL.key)).outcome == "posted"


# -- failures ------------------------------------------------------------------------------------


async def test_a_channel_that_is_gone_stops_getting_deliveries(
    web: Web, store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await scheduled_channel(web, store, HALL, DigestSchedule("08:00", "UTC"), set_at=utc(2026, 11, 29, 6))
    clock = Clock(utc(2026, 11, 30, 8, 0, 1))
    poster = RecordingPoster(gone={HALL.key})
    scheduler = make_scheduler(web, store, settings_for(tmp_path), poster, clock)
    await scheduler.start()
    await scheduler.stop()
    channel = await store.channels.get(HALL.key)
    assert channel is not None
    assert channel.disabled
    assert "archived" in (channel.disabled_reason or "")
    assert any("channel gone" in r.getMessage() for r in caplog.records)
    clock.now = utc(2026, 12, 1, 8, 0, 1)
    assert (await scheduler.run_digest(HALL.key)).outcome == "not-due"
    assert scheduler.next_digest(HALL.key) is None


async def test_a_failed_post_is_retried_and_posted_once(web: Web, store: Store, tmp_path: Path) -> None:
    await scheduled_channel(web, store, HALL, DigestSchedule("08:00", "UTC"), set_at=utc(2026, 11, 29, 6))
    poster = RecordingPoster(failures=1)
    scheduler = make_scheduler(web, store, settings_for(tmp_path), poster, Clock(utc(2026, 11, 30, 8, 0, 1)))
    assert (await scheduler.run_digest(HALL.key)).outcome == "failed"
    assert [r.outcome for r in await scheduler.retry_failed()] == ["posted"]
    assert await scheduler.retry_failed() == []
    assert len(poster.posts) == 1


async def test_empty_digests_are_not_posted_unless_configured(web: Web, tmp_path: Path) -> None:
    for post_empty, expected in ((False, 0), (True, 1)):
        settings = settings_for(tmp_path / str(post_empty), chat={"post_empty_digests": post_empty})
        store = await Store.open(settings.store.path)
        await scheduled_channel(
            web, store, HALL, DigestSchedule("08:00", "UTC"), set_at=utc(2026, 11, 29, 6), articles=0
        )
        poster = RecordingPoster()
        scheduler = make_scheduler(web, store, settings, poster, Clock(utc(2026, 11, 30, 8, 0, 1)))
        await scheduler.run_digest(HALL.key)
        await store.close()
        assert len(poster.posts) == expected


async def test_each_mode_posts_every_new_brief_once_and_respects_filters(
    web: Web, store: Store, tmp_path: Path
) -> None:
    t0 = time.time()
    await store.channels.ensure(HALL, t0 - 100)
    feed, _ = await store.feeds.add(web.feed("valley"), 900, t0 - 100)
    await store.channels.subscribe(HALL.key, feed.id, keywords=("flood",), now=t0 - 100)
    await add_briefed(store, feed.id, "old", "Flood gates open", now=t0 - 50)  # before each-mode
    await store.channels.set_mode(HALL.key, "each", t0 - 10)
    await add_briefed(store, feed.id, "new1", "Flood wall approved", now=t0 - 5)
    await add_briefed(store, feed.id, "new2", "Library reopens", now=t0 - 4)  # filtered out
    await add_briefed(store, feed.id, "new3", "Flood insurance rises", now=t0 - 3)
    poster = RecordingPoster()
    scheduler = make_scheduler(web, store, settings_for(tmp_path), poster)
    assert await scheduler.post_new_briefs() == 2
    assert await scheduler.post_new_briefs() == 0
    posted = [r.article_id for r in poster.to(HALL) if isinstance(r, BriefReply)]
    assert posted == ["new1", "new3"]
    # A follow-up in the thread of a posted brief finds its article.
    assert await store.channels.article_of_post(HALL.key, poster.posts[0].ids[0]) == "new1"
    # In each mode there is no scheduled digest.
    await store.channels.set_schedule(HALL.key, DigestSchedule("08:00", "UTC"), t0 - 86400 * 2)
    assert (await scheduler.run_digest(HALL.key)).outcome == "not-due"


async def each_mode_channel(store: Store, web: Web, *, briefs: int = 1) -> list[str]:
    """HALL in each mode, following a feed with ``briefs`` new briefs; their article ids."""
    t0 = time.time()
    await store.channels.ensure(HALL, t0 - 100)
    feed, _ = await store.feeds.add(web.feed("valley"), 900, t0 - 100)
    await store.channels.subscribe(HALL.key, feed.id, now=t0 - 100)
    await store.channels.set_mode(HALL.key, "each", t0 - 10)
    ids = [f"each-{n}" for n in range(briefs)]
    for n, article_id in enumerate(ids):
        await add_briefed(store, feed.id, article_id, TOPICS[n], now=t0 - 5)
    return ids


async def test_an_each_mode_post_that_fails_is_retried_with_backoff_and_posted_once(
    web: Web, store: Store, tmp_path: Path
) -> None:
    (article,) = await each_mode_channel(store, web)
    clock = Clock(datetime.now(UTC))
    poster = RecordingPoster(failures=1)  # the platform answers 503 once
    scheduler = make_scheduler(web, store, settings_for(tmp_path), poster, clock)
    assert await scheduler.post_new_briefs() == 0
    delivery = await store.channels.delivery(HALL.key, "brief", article)
    assert delivery is not None
    assert (delivery.state, delivery.attempts) == ("failed", 1)
    clock.now += timedelta(seconds=5)
    assert await scheduler.post_new_briefs() == 0  # not at once: it waits a while first
    clock.now += timedelta(minutes=5)
    assert await scheduler.post_new_briefs() == 1
    assert await scheduler.post_new_briefs() == 0
    assert [r.article_id for r in poster.to(HALL) if isinstance(r, BriefReply)] == [article]
    delivery = await store.channels.delivery(HALL.key, "brief", article)
    assert delivery is not None
    assert (delivery.state, delivery.attempts) == ("posted", 2)


async def test_an_each_mode_post_that_keeps_failing_is_given_up_with_a_log_line(
    web: Web, store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (article,) = await each_mode_channel(store, web)
    clock = Clock(datetime.now(UTC))
    poster = RecordingPoster(failures=1000)
    scheduler = make_scheduler(web, store, settings_for(tmp_path), poster, clock)
    with caplog.at_level(logging.WARNING, logger="bot.scheduler"):
        for _ in range(20):
            await scheduler.post_new_briefs()
            clock.now += timedelta(days=1)
    tries = 1000 - poster.failures
    delivery = await store.channels.delivery(HALL.key, "brief", article)
    assert delivery is not None
    assert (delivery.state, delivery.attempts) == ("failed", tries)
    assert 2 <= tries <= 10
    assert any("giving up" in r.getMessage() for r in caplog.records)


async def test_an_each_mode_post_cut_short_by_a_crash_is_posted_after_its_claim_expires(
    web: Web, store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """At least once: a process that died while posting may or may not have reached the
    channel; posting again risks a duplicate, not posting loses the brief for good."""
    (article,) = await each_mode_channel(store, web)
    now = datetime.now(UTC)
    assert crash_while_posting(tmp_path / "briefbot.db", HALL, now, "each") == "posting"
    delivery = await store.channels.delivery(HALL.key, "brief", article)
    assert delivery is not None
    assert delivery.state == "pending"

    clock = Clock(now + timedelta(seconds=30))
    poster = RecordingPoster()
    scheduler = make_scheduler(web, store, settings_for(tmp_path), poster, clock)
    assert await scheduler.post_new_briefs() == 0  # another process may still be posting it
    clock.now = now + timedelta(minutes=30)
    with caplog.at_level(logging.WARNING, logger="bot.scheduler"):
        assert await scheduler.post_new_briefs() == 1
    assert await scheduler.post_new_briefs() == 0
    assert [r.article_id for r in poster.to(HALL) if isinstance(r, BriefReply)] == [article]
    assert any("may be posted twice" in r.getMessage() for r in caplog.records)


async def test_schedule_changes_reschedule_the_channels_job(web: Web, store: Store, tmp_path: Path) -> None:
    poster = RecordingPoster()
    scheduler = make_scheduler(web, store, settings_for(tmp_path), poster)
    await scheduler.start()
    try:
        await store.channels.ensure(HALL, time.time())
        await store.channels.set_schedule(HALL.key, DigestSchedule("07:45", "Asia/Tokyo"), time.time())
        await scheduler.channel_changed(HALL.key)
        nxt = scheduler.next_digest(HALL.key)
        assert nxt is not None
        assert nxt.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%H:%M") == "07:45"
        await store.channels.set_schedule(HALL.key, None, time.time())
        await scheduler.channel_changed(HALL.key)
        assert scheduler.next_digest(HALL.key) is None
    finally:
        await scheduler.stop()


# -- polling -------------------------------------------------------------------------------------


def _page(title: str, text: str) -> str:
    return (
        f"<html><head><title>{title}</title></head><body><nav>Home · Local · Sport</nav>"
        f"<article><h1>{title}</h1><p>{text}</p></article></body></html>"
    )


LOCKS = (
    "Harbour locks to close for winter repairs",
    "The Averill Harbour Authority will close the Wend river locks for six weeks from January so that "
    "engineers can replace the lower gates. Lock keeper Priya Anand said barges would be diverted "
    "through the old canal at Marrow Point. Boat owners asked the authority to pay for the longer route.",
)
MARKET = (
    "Night market returns to Eastgate square",
    "The Eastgate night market reopened on Friday after the city council agreed to close Quay Street "
    "to cars on weekend evenings. Organiser Tomasz Reyes said forty traders had signed up. Residents "
    "of the square want the council to limit the noise after eleven o'clock.",
)


async def test_a_poll_slower_than_the_poll_interval_is_not_warned_about_again_and_again(
    store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """APScheduler's "maximum number of running instances reached" warning came every poll
    interval while a long poll ran; a poll still running is simply not started again."""
    settings = settings_for(tmp_path)
    backend = LocalBackend()
    async with FakeWeb() as slow_web, make_fetcher(settings) as fetcher:
        slow_web.add("/slow.xml", Resource(body=rss("Slow", []).encode(), delay=1.5))
        await store.feeds.add(slow_web.url("/slow.xml"), 900, time.time())
        ingest = make_ingestor(settings, store, fetcher, backend)
        scheduler = Scheduler(store, ingest, settings, posters=[RecordingPoster()], poll_every=0.1)
        with caplog.at_level(logging.WARNING):
            await scheduler.start()
            try:
                for _ in range(400):  # until the slow poll is done (about 15 poll intervals)
                    (feed,) = await store.feeds.list_all()
                    if feed.last_polled_at is not None:
                        break
                    await asyncio.sleep(0.05)
            finally:
                await scheduler.stop()
    backend.close()
    assert feed.last_polled_at is not None
    assert slow_web.hits("/slow.xml") == 1
    assert not [r for r in caplog.records if "maximum number of running instances" in r.getMessage()]


async def test_the_polling_job_briefs_new_feed_articles_and_resumes_what_a_stop_left(
    web: Web, store: Store, tmp_path: Path
) -> None:
    """The scheduler's polling job runs the real Ingestor: a due feed is fetched over HTTP, its
    articles (pages fetched too) are briefed, and one left unbriefed by an earlier run is briefed
    at start-up; an each-mode channel gets every brief once."""
    items = []
    for slug, (title, text) in (("locks", LOCKS), ("market", MARKET)):
        link = web.site.add(f"/valley/{slug}", _page(title, text))
        items.append({"title": title, "link": link, "text": f"<p>{text[:80]}</p>"})
    feed_url = web.feed("valley", items)
    t0 = time.time()
    feed, _ = await store.feeds.add(feed_url, 900, t0 - 60)
    await store.channels.ensure(HALL, t0 - 60)
    await store.channels.subscribe(HALL.key, feed.id, now=t0 - 60)
    await store.channels.set_mode(HALL.key, "each", t0 - 60)
    # An article the last run stored but stopped before briefing (state "fetched").
    left = web.site.url("/valley/ferry")
    await store.articles.add(
        NewArticle(
            id="left-over",
            url=left,
            canonical_url=left,
            feed_id=feed.id,
            title="Ferry crossing to run every forty minutes",
            text="The ferry between Northport and Kell Island returned to service on Monday after a storm "
            "damaged the landing stage. Harbour master Ines Kowalczyk said the repairs cost about two "
            "million crowns.",
        ),
        t0 - 30,
    )
    poster = RecordingPoster()
    scheduler = make_scheduler(web, store, settings_for(tmp_path), poster)
    await scheduler.start()
    try:
        for _ in range(600):
            if len(poster.posts) >= 3:
                break
            await asyncio.sleep(0.1)
        await scheduler.poll_once()  # a later poll: nothing new, nothing posted again
    finally:
        await scheduler.stop()
    titles = sorted(r.source.title for r in poster.to(HALL) if isinstance(r, BriefReply) and r.source)
    assert titles == sorted([LOCKS[0], MARKET[0], "Ferry crossing to run every forty minutes"])
    assert len(poster.posts) == 3
    assert web.site.hits.count("/valley/locks") == 1  # the page was read, not only the feed's summary
    assert web.site.hits.count("/valley/ferry") == 0  # its text was stored already
    locks = next(r for r in poster.to(HALL) if isinstance(r, BriefReply) and r.brief.title == LOCKS[0])
    assert any("Anand" in a.name for a in locks.brief.who)  # from the page, not the 80-character summary
    assert await store.articles.count("briefed") == 3
    (polled,) = await store.feeds.list_all()
    assert (polled.failures, polled.last_error) == (0, None)
