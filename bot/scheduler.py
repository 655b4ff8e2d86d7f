"""Feed polling, per-channel digests and each-mode briefs, on APScheduler 3.

Jobs carry no state but a channel key: at fire time they read the channel (schedule, mode,
subscriptions) from the store, so a job can never act on a stale copy.

Exactly once. A digest belongs to a *period*: the local wall-clock time it was due
("2026-11-30 08:30" in the channel's timezone; the repeated hour of a DST change maps to the
same period, so it cannot fire twice). Before posting, the period is claimed in the
``deliveries`` ledger (``pending``), after posting it is marked ``posted``. A claim is atomic
across tasks and processes, so overlapping runs post once. A claim found ``pending`` after a
crash may or may not have reached the channel: it is never posted again (at most once wins
over at least once; a log line says so). A run stopped before it called the platform releases
its claim, so the digest is caught up at the next start.

Missed digests. At start-up the due feeds are polled first (what they published while the bot
was down belongs in those digests); then each channel's latest due period is looked at: posted
once if it was at most ``[schedule] digest_grace`` late at start-up, otherwise skipped with a
log line. A digest whose posting failed (platform error) is retried the same way a few times.

Each-mode briefs are claimed in the same ledger, but at least once: see ``post_new_briefs``.

Replicas. Any number of processes may run this scheduler on one database: every replica fires
every channel's digest job, and the ledger's claim lets one of them post it. Each replica takes
a busy minute's channels in its own order (``digest_delay``), so that they rarely reach one at
the same moment: the later ones find it claimed with one read, without a write. A replica that
claimed a digest but stopped before posting it loses the claim when its lease ([store] lease)
is over, and another takes it over. Each replica re-reads the channels' schedules on every
poll, so a schedule set through one replica reaches the others.

Time. Everything the scheduler decides (which period is due, how late it is, when a delivery
happened) takes "now" from the clock it is given; APScheduler only wakes its jobs on the wall
clock. The pure schedule arithmetic lives in ``bot.schedules``, digest building in ``bot.digest``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import zlib
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.digest import Filter, passes
from bot.digest.collect import collect_digest, to_candidate
from bot.replies import BriefReply, ChannelGone, Platform, Poster, Source, followup_article
from bot.schedules import digest_title, digest_trigger, last_digest_time, period_key
from bot.settings import Settings
from bot.store import Store
from bot.store.channels import Channel, DigestClaim, DigestSchedule, PostRetry, StoredCandidate
from bot.store.leases import LOCAL_OWNER

log = logging.getLogger(__name__)

MAX_RETRIES = 3  # failed digest posts retried (within the grace period)
EACH_BATCH = 200  # each-mode briefs looked at per poll
# Each-mode posts: a failed one is tried again after a minute, then 2, 4 and 8; a claim left
# pending by a process that stopped while posting is taken over after 10 minutes (longer than
# any platform call with its own retries takes).
EACH_RETRY = PostRetry(max_attempts=5, lease_s=600.0)
EACH_RETRY_DELAY_S = 60.0
BUILD_SLOTS = 4  # digests decided and built at once (posting is not limited)
MAX_POLL_EVERY_S = 30.0  # due feeds, queued articles and new briefs are looked for this often
DIGEST_STAGGER_S = 1.0  # a replica's digest jobs start within this long of their time


# -- the scheduler -----------------------------------------------------------------------------


class Poller(Protocol):
    """What the scheduler needs from ingestion."""

    async def poll_feeds(self, only_due: bool = True) -> Any: ...

    async def process_queue(self) -> int: ...


Outcome = Literal["posted", "empty", "already", "missed", "not-due", "no-poster", "gone", "failed"]


@dataclass(frozen=True, slots=True)
class DigestRun:
    outcome: Outcome
    period: str = ""


def wall_clock() -> datetime:
    """The real time: the scheduler's clock unless a test passes another."""
    return datetime.now(UTC)


class Scheduler:
    def __init__(
        self,
        store: Store,
        ingest: Poller,
        settings: Settings,
        *,
        posters: Iterable[Poster] = (),
        clock: Callable[[], datetime] = wall_clock,
        poll_every: float | None = None,
        retry_every: float = 300.0,
        owner: str = LOCAL_OWNER,
    ) -> None:
        self._store = store
        self._owner = owner  # this replica's id in its claims (bot.store.leases.new_owner)
        self._lease_s = settings.store.lease.total_seconds()
        self._ingest = ingest
        self._settings = settings
        self._posters: dict[Platform, Poster] = {p.platform: p for p in posters}
        self._clock = clock
        # Work a dead replica held is free again after a lease: looked for three times as often.
        self._poll_every = poll_every if poll_every is not None else min(MAX_POLL_EVERY_S, self._lease_s / 3)
        self._retry_every = retry_every
        self._aps = AsyncIOScheduler(
            timezone=UTC,
            # Our jobs decide for themselves what is late (digest_grace), so APScheduler runs
            # every job however late, once (coalesce). A job only launches its work and returns
            # (see _launch): work still running is not started twice, and APScheduler never
            # finds a job instance running (its "maximum number of running instances" warning).
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self._tasks: set[asyncio.Task[Any]] = set()
        self._running: set[str] = set()  # names of the jobs whose work is running now
        self._poll_lock = asyncio.Lock()
        self._claims: set[tuple[str, str]] = set()  # digests this process is posting now
        self._building = asyncio.Semaphore(BUILD_SLOTS)
        self._started = False
        self._stopping = False
        self._poll_pending = False  # a poll asked for by wake() that has not begun yet
        self._scheduled: dict[str, DigestSchedule] = {}  # the digest jobs this replica has

    # -- life cycle -----------------------------------------------------------------------------

    @property
    def stopping(self) -> bool:
        """Whether ``stop`` has begun (no new work is taken from then on)."""
        return self._stopping

    def add_poster(self, poster: Poster) -> None:
        self._posters[poster.platform] = poster

    async def start(self) -> None:
        """Schedule every channel's digest and the feed poller; then, in the background, poll
        the due feeds and catch up the digests missed while the bot was down."""
        channels = await self._store.channels.scheduled()
        for channel in channels:
            self._schedule(channel)
        # APScheduler fires on the wall clock; what is due, late or missed is decided on ours.
        every = {"timezone": UTC}
        self._aps.add_job(self._poll_job, IntervalTrigger(seconds=self._poll_every, **every), id="poll")
        self._aps.add_job(self._retry_job, IntervalTrigger(seconds=self._retry_every, **every), id="retry")
        self._aps.start()
        self._started = True
        log.info("scheduler started channels=%d", len(channels))
        # In the background: the bot answers commands meanwhile.
        self._launch("start-up", self._start_up())

    async def _start_up(self) -> None:
        """First the feeds: what they published while the bot was down belongs in the digests
        it missed. Then those digests, judged late or not as of now (not after the poll)."""
        started = self._clock()
        await self.poll_once()
        await self.catch_up(as_of=started)

    async def stop(self, grace_s: float = 5.0) -> None:
        """Stop firing; let work in flight finish for up to ``grace_s`` seconds, then cancel it
        (a digest cancelled before it reached the platform is released for the next start)."""
        if self._stopping:
            return
        self._stopping = True
        if self._started:
            self._aps.shutdown(wait=False)
        await asyncio.sleep(0)  # APScheduler shuts down on the next turn of the loop
        pending = {t for t in self._tasks if not t.done()}
        if pending:
            _, pending = await asyncio.wait(pending, timeout=grace_s)
        if pending:
            log.warning("stopping: abandoned work in flight tasks=%d", len(pending))
            for task in pending:
                task.cancel()
            await asyncio.wait(pending, timeout=2.0)
        log.info("scheduler stopped")

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run ``coro`` as a task that ``stop`` waits for; its failure is logged, never lost."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("scheduled work failed", exc_info=task.exception())

    def _launch(self, name: str, coro: Coroutine[Any, Any, Any]) -> None:
        """Start a job's work as a task that ``stop`` waits for (and decides how long it may go
        on), unless the same job's work is still running: then this turn is skipped."""
        if self._stopping or name in self._running:
            coro.close()
            if not self._stopping:
                log.debug("job still running, not started again job=%s", name)
            return
        self._running.add(name)
        self._spawn(coro).add_done_callback(lambda _: self._running.discard(name))

    # -- jobs -----------------------------------------------------------------------------------

    async def _digest_job(self, key: str) -> None:
        self._launch(f"digest:{key}", self._staggered_digest(key))

    async def _staggered_digest(self, key: str) -> None:
        await asyncio.sleep(self.digest_delay(key))
        await self.run_digest(key)

    def digest_delay(self, key: str) -> float:
        """How long after its time this replica starts the channel's digest: stable, different
        per replica, and none for a process alone on its database. Replicas firing a thousand
        digests at once then work through them in different orders instead of all three racing
        for the same channel; a dead replica's share is still taken by the others."""
        if self._owner == LOCAL_OWNER:
            return 0.0
        return zlib.crc32(f"{self._owner} {key}".encode()) / 2**32 * DIGEST_STAGGER_S

    async def _poll_job(self) -> None:
        self._launch("poll", self.poll_once())

    async def _retry_job(self) -> None:
        self._launch("retry", self.retry_failed())

    def _schedule(self, channel: Channel) -> None:
        job_id = f"digest:{channel.key}"
        schedule = channel.schedule
        if schedule is None or channel.disabled or channel.mode == "each":
            self._unschedule(channel.key)
            return
        if self._scheduled.get(channel.key) == schedule:
            return
        try:
            trigger = digest_trigger(schedule)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            log.warning("digest not scheduled channel=%s error=%s", channel.key, exc)
            return
        self._aps.add_job(self._digest_job, trigger, args=(channel.key,), id=job_id, replace_existing=True)
        self._scheduled[channel.key] = schedule

    def _unschedule(self, key: str) -> None:
        self._scheduled.pop(key, None)
        with contextlib.suppress(JobLookupError):
            self._aps.remove_job(f"digest:{key}")

    async def sync_schedules(self) -> None:
        """Bring the digest jobs in line with the channels in the store: another replica may
        have set, changed or dropped a schedule."""
        if self._stopping:
            return
        channels = {c.key: c for c in await self._store.channels.scheduled()}
        for key in set(self._scheduled) - set(channels):
            self._unschedule(key)
        for channel in channels.values():
            self._schedule(channel)

    async def channel_changed(self, key: str) -> None:
        """A channel's schedule or mode changed: (re)schedule or drop its digest job."""
        if self._stopping:
            return
        channel = await self._store.channels.get(key)
        if channel is None:
            self._unschedule(key)
        else:
            self._schedule(channel)

    def wake(self) -> None:
        """Poll feeds and brief new articles now (after a subscription, say). Wakes while a poll
        is waiting to begin are one poll."""
        if self._started and not self._stopping and not self._poll_pending:
            self._poll_pending = True
            self._spawn(self.poll_once())

    def next_digest(self, key: str) -> datetime | None:
        job = self._aps.get_job(f"digest:{key}")
        return job.next_run_time if job is not None else None

    # -- work -----------------------------------------------------------------------------------

    async def catch_up(self, as_of: datetime | None = None) -> list[DigestRun]:
        """Look at every scheduled channel's latest digest due by ``as_of`` (default: now):
        post what was missed within the grace period (once), skip the rest with a log line."""
        runs = []
        for channel in await self._store.channels.scheduled():
            runs.append(await self.run_digest(channel.key, as_of))
        posted = sum(run.outcome == "posted" for run in runs)
        log.info("catch-up done channels=%d posted=%d", len(runs), posted)
        return runs

    async def retry_failed(self) -> list[DigestRun]:
        """Try again the digests whose posting failed, while they are within the grace period."""
        return [await self.run_digest(key) for key in await self._store.channels.failed_digests(MAX_RETRIES)]

    async def take_over_digests(self) -> list[DigestRun]:
        """Post the digests that a replica claimed but stopped before posting (lease over),
        while they are within the grace period."""
        now = self._now()
        grace = self._settings.schedule.digest_grace.total_seconds()
        keys = await self._store.channels.abandoned_digests(now, MAX_RETRIES, since=now - grace)
        if keys:
            log.warning("taking over digests a stopped replica had claimed channels=%d", len(keys))
        return [await self.run_digest(key) for key in keys]

    async def run_digest(self, key: str, as_of: datetime | None = None) -> DigestRun:
        """Post the channel's latest digest due by ``as_of`` (default: now) unless it is posted
        already, not due, or was too late then. It covers the briefs made until now."""
        # Deciding and building take a few store round trips each. When a thousand digests
        # are due at once, a few at a time go through that part, so the first ones reach their
        # channels at once instead of all of them at the end; posting itself is not limited.
        await self._building.acquire()
        building = True

        def built() -> None:
            nonlocal building
            if building:
                building = False
                self._building.release()

        try:
            decided = await self._decide(key, as_of)
            if isinstance(decided, DigestRun):
                return decided
            channel, poster, claim, local = decided
            self._claims.add((key, claim.period))
            try:
                return await self._post_digest(channel, poster, claim, local, built)
            finally:
                self._claims.discard((key, claim.period))
        finally:
            built()

    async def _decide(
        self, key: str, as_of: datetime | None
    ) -> DigestRun | tuple[Channel, Poster, DigestClaim, datetime]:
        """Whether the channel's latest due digest is to be posted now; if so, the claim on it."""
        channel = await self._store.channels.get(key)
        schedule = channel.schedule if channel is not None else None
        if channel is None or schedule is None or channel.disabled or channel.mode == "each":
            return DigestRun("not-due")
        now = self._clock()
        judged = as_of or now
        try:
            fire = last_digest_time(schedule, judged)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            log.warning("bad schedule channel=%s error=%s", key, exc)
            return DigestRun("not-due")
        # A schedule set after its time today is first due tomorrow (one second of slack for
        # a schedule set in the same second it names).
        if fire is None or (
            channel.schedule_since is not None and fire.timestamp() < channel.schedule_since - 1
        ):
            return DigestRun("not-due")
        period = period_key(fire)
        late = judged - fire
        grace = self._settings.schedule.digest_grace
        if late > grace:
            if await self._store.channels.delivery(key, "digest", period) is None:
                log.warning(
                    "digest skipped: missed while the bot was down channel=%s period=%s late=%s grace=%s",
                    key,
                    period,
                    _human(late),
                    _human(grace),
                )
                await self._store.channels.skip_digest(
                    key, period, f"missed by {_human(late)}", now.timestamp()
                )
            return DigestRun("missed", period)
        poster = self._posters.get(channel.platform)
        if poster is None:
            log.debug("no poster for platform=%s channel=%s", channel.platform, key)
            return DigestRun("no-poster", period)
        # Another replica usually got here first: what it settled, or holds under a live lease,
        # is "already" after one read, without the claim's write.
        settled = await self._store.channels.delivery(key, "digest", period)
        if settled is not None and (
            settled.state in ("posted", "skipped")
            or (settled.state == "pending" and (settled.lease_until or 0.0) > now.timestamp())
        ):
            return DigestRun("already", period)
        claim = await self._store.channels.claim_digest(
            key, period, now.timestamp(), max_attempts=MAX_RETRIES, owner=self._owner, lease_s=self._lease_s
        )
        if claim is None:
            previous = await self._store.channels.delivery(key, "digest", period)
            # Pending under a live lease: another replica is posting it now, nothing to say.
            abandoned = previous is not None and (previous.lease_until or 0.0) <= now.timestamp()
            if (
                previous is not None
                and previous.state == "pending"
                and abandoned
                and not self._in_flight(key, period)
            ):
                log.warning(
                    "digest not posted again: an earlier run stopped while posting it, it may have "
                    "reached the channel channel=%s period=%s",
                    key,
                    period,
                )
            return DigestRun("already", period)
        return channel, poster, claim, fire.astimezone(ZoneInfo(schedule.timezone))

    def _now(self) -> float:
        return self._clock().timestamp()

    def _in_flight(self, key: str, period: str) -> bool:
        return (key, period) in self._claims

    async def _post_digest(
        self, channel: Channel, poster: Poster, claim: DigestClaim, local: datetime, built: Callable[[], None]
    ) -> DigestRun:
        key, period = channel.key, claim.period
        posting = False
        try:
            reply = await collect_digest(
                self._store,
                key,
                claim.since,
                claim.until,
                max_items=self._settings.chat.digest_max_items,
                title=digest_title("Daily digest", local),
                period=period,
            )
            if not reply.items and not self._settings.chat.post_empty_digests:
                await self._store.channels.finish(
                    key, "digest", period, "skipped", claim.until, "nothing new"
                )
                log.info("digest empty, not posted channel=%s period=%s", key, period)
                return DigestRun("empty", period)
            built()
            if not await self._store.channels.start_posting(key, "digest", period, self._owner, self._now()):
                # Building outlived the claim's lease and another replica took it over.
                log.warning("digest claim taken over by another replica channel=%s period=%s", key, period)
                return DigestRun("already", period)
            posting = True
            ids = await poster.post(channel.ref, reply)
        except asyncio.CancelledError:
            if posting:
                log.warning("stopped while posting a digest channel=%s period=%s", key, period)
            else:
                await asyncio.shield(self._store.channels.release(key, "digest", period))
            raise
        except ChannelGone as exc:
            await self._channel_gone(channel, exc)
            await self._store.channels.finish(key, "digest", period, "failed", self._now(), "channel gone")
            return DigestRun("gone", period)
        except Exception as exc:
            log.exception("digest failed channel=%s period=%s", key, period)
            await self._store.channels.finish(
                key, "digest", period, "failed", self._now(), f"{type(exc).__name__}: {exc}"[:300]
            )
            return DigestRun("failed", period)
        await self._store.channels.finish(key, "digest", period, "posted", self._now())
        article = followup_article(reply)
        if article is not None:
            await self._store.channels.remember_posts(key, ids, article, self._now())
        log.info("digest posted channel=%s period=%s stories=%d", key, period, len(reply.items))
        return DigestRun("posted", period)

    async def _channel_gone(self, channel: Channel, exc: ChannelGone) -> None:
        reason = str(exc) or "the bot can no longer post there"
        log.warning("channel gone, deliveries stopped channel=%s reason=%s", channel.key, reason)
        await self._store.channels.disable(channel.key, reason)
        self._unschedule(channel.key)

    async def poll_once(self) -> None:
        """Poll due feeds, brief what is new (and what a crash left), post each-mode briefs."""
        async with self._poll_lock:
            self._poll_pending = False
            try:
                report = await self._ingest.poll_feeds(only_due=True)
                log.debug("feeds polled report=%s", report)
            except Exception:
                log.exception("feed polling failed")
            try:
                await self._ingest.process_queue()
            except Exception:
                log.exception("briefing the queue failed")
            try:
                await self.post_new_briefs()
            except Exception:
                log.exception("posting new briefs failed")
            try:
                await self.sync_schedules()
                await self.take_over_digests()
            except Exception:
                log.exception("taking over digests failed")

    async def post_new_briefs(self) -> int:
        """Post new briefs to each/both-mode channels. Returns how many were posted.

        A post that fails is tried again with growing delays (``EACH_RETRY``). A claim left
        pending by a process that stopped while posting is taken over once it has expired:
        at least once, unlike digests (whose promise is "once per period"). The post may have
        reached the channel in the moment before the process died, so it may appear twice: one
        small message, said in the log. Not posting it again would lose the brief silently and
        for good.
        """
        posted = 0
        now = self._clock().timestamp()
        # An article that two of a channel's feeds carry comes once per feed: it is posted
        # once, if the filters of either subscription let it through.
        pending: dict[tuple[str, str], tuple[StoredCandidate, list[Filter]]] = {}
        found = await self._store.channels.pending_briefs(
            list(self._posters), now, EACH_RETRY, limit=EACH_BATCH
        )
        for key, stored in found:
            _, filters = pending.setdefault((key, stored.article_id), (stored, []))
            filters.append(Filter(stored.keywords, stored.pattern))
        channels: dict[str, Channel | None] = {}
        for (key, article_id), (stored, filters) in pending.items():
            if self._stopping:
                break
            if key not in channels:
                channels[key] = await self._store.channels.get(key)
            channel = channels[key]
            candidate = to_candidate(stored)
            if channel is None or channel.disabled or candidate is None:
                continue
            if not any(passes(candidate, f) for f in filters):
                await self._store.channels.skip_brief(key, article_id, "filtered out", now)
                continue
            claim = await self._store.channels.claim_brief(
                key, article_id, now, EACH_RETRY, owner=self._owner, lease_s=self._lease_s
            )
            if claim is None:
                continue
            if claim.taken_over:
                log.warning(
                    "brief posted again: the run that was posting it stopped, so it may be posted "
                    "twice channel=%s article=%s attempt=%d",
                    key,
                    article_id,
                    claim.attempt,
                )
            reply = BriefReply(
                brief=candidate.brief,
                article_id=article_id,
                source=Source(candidate.title, candidate.url, candidate.outlet, candidate.published),
            )
            if not await self._store.channels.start_posting(
                key, "brief", article_id, self._owner, self._now()
            ):
                continue  # another replica took the claim over meanwhile
            try:
                ids = await self._posters[channel.platform].post(channel.ref, reply)
            except ChannelGone as exc:
                await self._channel_gone(channel, exc)
                await self._store.channels.fail_brief(key, article_id, "channel gone", retry_at=None)
                channels[key] = None
                continue
            except Exception as exc:
                log.exception("posting a brief failed channel=%s article=%s", key, article_id)
                retry_at = None
                if claim.attempt < EACH_RETRY.max_attempts:
                    retry_at = now + EACH_RETRY_DELAY_S * 2 ** (claim.attempt - 1)
                else:
                    log.warning(
                        "brief not posted, giving up channel=%s article=%s attempts=%d",
                        key,
                        article_id,
                        claim.attempt,
                    )
                await self._store.channels.fail_brief(key, article_id, type(exc).__name__, retry_at)
                continue
            await self._store.channels.finish(key, "brief", article_id, "posted", self._now())
            await self._store.channels.remember_posts(key, ids, article_id, self._now())
            posted += 1
        return posted


def _human(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h{(seconds % 3600) // 60:02d}m"
