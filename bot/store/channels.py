"""Chat channels: their subscriptions, digest schedule and mode, what was delivered to them,
and which posted messages carried which article.

Deliveries are the ledger of what was posted. A digest (or an each-mode brief) is *claimed*
with a ``pending`` row (its owner and lease, see ``bot.store.leases``) before anything is
built, marked as posting (``start_posting``) just before the platform is called and ``posted``
after; each step is atomic, so two runs (two tasks, or two replicas on one database) can never
both win it. A claim whose owner stopped before posting is taken over once its lease is over.
A digest left posting by a crash is never posted again (at most once); an each-mode brief is,
after ``PostRetry.lease_s`` (at least once: see the scheduler).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.replies import ChannelRef, Platform
from bot.store.engine import Database, Row
from bot.store.leases import DEFAULT_LEASE_S

Mode = Literal["digest", "each", "both"]
MODES: tuple[Mode, ...] = ("digest", "each", "both")
DeliveryKind = Literal["brief", "digest"]
DeliveryState = Literal["pending", "posted", "failed", "skipped"]

# Without an earlier digest, a channel's first one looks this far back before its first
# subscription, so that subscribing to a feed brings its latest news in the next digest.
FIRST_DIGEST_LOOKBACK_S = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class DigestSchedule:
    time: str  # "HH:MM" or "HH:MM:SS", local time in ``timezone``
    timezone: str  # IANA name
    weekdays: tuple[str, ...] = ()  # ("mon", "tue", …); empty: every day


@dataclass(frozen=True, slots=True)
class Channel:
    key: str
    platform: Platform
    workspace_id: str
    channel_id: str
    mode: Mode
    digest_time: str | None
    timezone: str | None
    weekdays: str | None
    schedule_since: float | None
    each_since: float | None
    disabled: bool
    disabled_reason: str | None
    created_at: float

    @classmethod
    def from_row(cls, row: Row) -> Channel:
        data = dict(row)
        data["disabled"] = bool(data["disabled"])
        return cls(**data)

    @property
    def ref(self) -> ChannelRef:
        return ChannelRef(self.platform, self.channel_id, self.workspace_id)

    @property
    def schedule(self) -> DigestSchedule | None:
        if not self.digest_time or not self.timezone:
            return None
        days = tuple(d for d in (self.weekdays or "").split(",") if d)
        return DigestSchedule(self.digest_time, self.timezone, days)


@dataclass(frozen=True, slots=True)
class Subscription:
    id: int
    channel_key: str
    feed_id: int
    feed_url: str
    feed_title: str | None
    keywords: tuple[str, ...]
    pattern: str | None
    created_by: str | None
    created_at: float
    feed_disabled: bool = False
    feed_error: str | None = None
    feed_polled: bool = True  # False until the feed's first poll (its articles are on their way)

    @classmethod
    def from_row(cls, row: Row) -> Subscription:
        keywords = json.loads(row["keywords"]) if row["keywords"] else []
        return cls(
            id=int(row["id"]),
            channel_key=row["channel_key"],
            feed_id=int(row["feed_id"]),
            feed_url=row["feed_url"],
            feed_title=row["feed_title"],
            keywords=tuple(str(k) for k in keywords),
            pattern=row["pattern"],
            created_by=row["created_by"],
            created_at=float(row["created_at"]),
            feed_disabled=bool(row["feed_disabled"]),
            feed_error=row["feed_disabled_reason"] or row["feed_last_error"],
            feed_polled=row["feed_last_polled_at"] is not None,
        )


@dataclass(frozen=True, slots=True)
class Delivery:
    channel_key: str
    kind: DeliveryKind
    ref: str
    state: DeliveryState
    detail: str | None
    window_end: float | None
    attempts: int
    created_at: float
    posted_at: float | None
    lease_until: float | None = None  # the claim's lease, while pending

    @classmethod
    def from_row(cls, row: Row) -> Delivery:
        return cls(
            channel_key=row["channel_key"],
            kind=row["kind"],
            ref=row["ref"],
            state=row["state"],
            detail=row["detail"],
            window_end=row["window_end"],
            attempts=int(row["attempts"]),
            created_at=float(row["created_at"]),
            posted_at=row["posted_at"],
            lease_until=row["lease_until"],
        )


@dataclass(frozen=True, slots=True)
class PostRetry:
    """When an each-mode post that did not happen is tried again: a failed one at its
    ``retry_at``, one left pending (its process stopped while posting) after ``lease_s``;
    at most ``max_attempts`` tries in all."""

    max_attempts: int
    lease_s: float


@dataclass(frozen=True, slots=True)
class BriefClaim:
    """A won claim on an each-mode post: its ``attempt`` (1 the first time); ``taken_over``
    when it was left by a process that stopped while posting it (it may be posted twice)."""

    attempt: int
    taken_over: bool


@dataclass(frozen=True, slots=True)
class DigestClaim:
    """A won claim: post the digest of briefs made in (since, until]."""

    channel_key: str
    period: str
    since: float
    until: float


@dataclass(frozen=True, slots=True)
class StoredCandidate:
    """A briefed article from one of a channel's subscribed feeds (the digest's raw material)."""

    article_id: str
    feed_id: int  # the subscribed feed that carries it
    title: str
    url: str | None
    source: str | None
    feed_title: str | None
    published: str | None
    briefed_at: float  # when it became news for that feed: briefed, or brought by it later
    brief_json: str
    text: str
    keywords: tuple[str, ...] = ()  # the subscription's filters
    pattern: str | None = None


# A channel's candidates: the briefed articles its subscribed feeds carry. An article is news
# for a feed's subscribers from when it was briefed or when that feed brought it, the later.
_NEWS_AT = "CASE WHEN b.created_at > af.added_at THEN b.created_at ELSE af.added_at END"
_CANDIDATE_COLUMNS = (
    "a.id, af.feed_id, a.title, a.url, a.source, a.published, f.title AS feed_title, "
    f"{_NEWS_AT} AS briefed_at, b.json, s.keywords, s.pattern, "
    "CASE WHEN s.keywords IS NULL AND s.pattern IS NULL THEN '' ELSE a.text END AS text"
)
_CANDIDATE_JOINS = (
    "JOIN article_feeds af ON af.feed_id = s.feed_id JOIN articles a ON a.id = af.article_id "
    "JOIN briefs b ON b.article_id = a.id LEFT JOIN feeds f ON f.id = af.feed_id "
)

# A pending claim whose post never began, and whose owner's lease is over (parameter: now):
# the replica that claimed it stopped before posting; taking it over cannot post twice.
_ABANDONED = "(d.state = 'pending' AND d.posting_at IS NULL AND d.lease_until <= ?)"
# A tried each-mode post that may be tried again (parameters: max attempts, now, now - lease,
# now): failed and due again, abandoned before posting, or left posting for ``PostRetry.lease_s``.
_RETRYABLE = (
    "d.attempts < ? AND ((d.state = 'failed' AND d.retry_at <= ?) "
    f"OR (d.state = 'pending' AND d.claimed_at <= ?) OR {_ABANDONED})"
)

_SUBSCRIPTION_SELECT = (
    "SELECT s.*, f.url AS feed_url, f.title AS feed_title, f.disabled AS feed_disabled, "
    "f.disabled_reason AS feed_disabled_reason, f.last_error AS feed_last_error, "
    "f.last_polled_at AS feed_last_polled_at "
    "FROM subscriptions s JOIN feeds f ON f.id = s.feed_id "
)


class ChannelRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- channels ---------------------------------------------------------------------------

    async def ensure(self, ref: ChannelRef, now: float) -> Channel:
        """The channel, created on first use."""
        await self._db.execute(
            "INSERT INTO channels (key, platform, workspace_id, channel_id, created_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
            (ref.key, ref.platform, ref.workspace_id, ref.channel_id, now),
        )
        channel = await self.get(ref.key)
        assert channel is not None
        return channel

    async def get(self, key: str) -> Channel | None:
        row = await self._db.fetchone("SELECT * FROM channels WHERE key = ?", (key,))
        return Channel.from_row(row) if row else None

    async def scheduled(self) -> list[Channel]:
        """Enabled channels with a digest time."""
        rows = await self._db.fetchall(
            "SELECT * FROM channels WHERE digest_time IS NOT NULL AND disabled = 0 ORDER BY key"
        )
        return [Channel.from_row(r) for r in rows]

    async def set_schedule(self, key: str, schedule: DigestSchedule | None, now: float) -> None:
        """Set (or with None, turn off) the digest time. Re-enables a disabled channel: an admin
        changing it shows that the bot is welcome there again."""
        if schedule is None:
            await self._db.execute(
                "UPDATE channels SET digest_time = NULL, timezone = NULL, weekdays = NULL, "
                "schedule_since = NULL WHERE key = ?",
                (key,),
            )
            return
        await self._db.execute(
            "UPDATE channels SET digest_time = ?, timezone = ?, weekdays = ?, schedule_since = ?, "
            "disabled = 0, disabled_reason = NULL WHERE key = ?",
            (schedule.time, schedule.timezone, ",".join(schedule.weekdays) or None, now, key),
        )

    async def set_mode(self, key: str, mode: Mode, now: float) -> None:
        # each_since starts when each-mode starts, so switching it on does not flood the
        # channel with every brief made before.
        await self._db.execute(
            "UPDATE channels SET mode = ?, disabled = 0, disabled_reason = NULL, "
            "each_since = CASE WHEN ? = 'digest' THEN NULL "
            "  WHEN mode = 'digest' OR each_since IS NULL THEN ? ELSE each_since END "
            "WHERE key = ?",
            (mode, mode, now, key),
        )

    async def disable(self, key: str, reason: str) -> None:
        await self._db.execute(
            "UPDATE channels SET disabled = 1, disabled_reason = ? WHERE key = ?", (reason, key)
        )

    async def enable(self, key: str) -> None:
        await self._db.execute(
            "UPDATE channels SET disabled = 0, disabled_reason = NULL WHERE key = ?", (key,)
        )

    # -- subscriptions ----------------------------------------------------------------------

    async def subscribe(
        self,
        key: str,
        feed_id: int,
        *,
        keywords: Sequence[str] = (),
        pattern: str | None = None,
        created_by: str | None = None,
        now: float,
    ) -> tuple[Subscription, bool]:
        """Subscribe a channel to a feed; subscribing again replaces the filters.
        Returns the subscription and whether it is new."""
        words = json.dumps(list(keywords), ensure_ascii=False) if keywords else None
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT id FROM subscriptions WHERE channel_key = ? AND feed_id = ?", (key, feed_id)
            )
            if row is None:
                inserted = await tx.fetchone(
                    "INSERT INTO subscriptions (channel_key, feed_id, keywords, pattern, created_by, "
                    "created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                    (key, feed_id, words, pattern, created_by, now),
                )
                assert inserted is not None
                sub_id, created = int(inserted["id"]), True
            else:
                sub_id, created = int(row["id"]), False
                await tx.execute(
                    "UPDATE subscriptions SET keywords = ?, pattern = ? WHERE id = ?",
                    (words, pattern, sub_id),
                )
            await tx.execute("UPDATE channels SET disabled = 0, disabled_reason = NULL WHERE key = ?", (key,))
        sub = await self.subscription(key, sub_id)
        assert sub is not None
        return sub, created

    async def unsubscribe(self, key: str, subscription_id: int) -> Subscription | None:
        """Remove one of *this channel's* subscriptions; None when it has no such id."""
        sub = await self.subscription(key, subscription_id)
        if sub is None:
            return None
        await self._db.execute(
            "DELETE FROM subscriptions WHERE id = ? AND channel_key = ?", (subscription_id, key)
        )
        return sub

    async def subscription(self, key: str, subscription_id: int) -> Subscription | None:
        row = await self._db.fetchone(
            _SUBSCRIPTION_SELECT + "WHERE s.channel_key = ? AND s.id = ?", (key, subscription_id)
        )
        return Subscription.from_row(row) if row else None

    async def subscriptions(self, key: str) -> list[Subscription]:
        rows = await self._db.fetchall(_SUBSCRIPTION_SELECT + "WHERE s.channel_key = ? ORDER BY s.id", (key,))
        return [Subscription.from_row(r) for r in rows]

    # -- digests ----------------------------------------------------------------------------

    async def digest_since(self, key: str, now: float, exclude_period: str | None = None) -> float:
        """Where the channel's next digest starts: the end of its last one (pending, posted or
        empty), else a day before its first subscription."""
        row = await self._db.fetchone(
            "SELECT COALESCE("
            "  (SELECT MAX(window_end) FROM deliveries WHERE channel_key = ? AND kind = 'digest' "
            "     AND state IN ('pending', 'posted', 'skipped') AND COALESCE(ref <> ?, TRUE)),"
            "  (SELECT MIN(created_at) FROM subscriptions WHERE channel_key = ?) - ?,"
            "  ? - ?) AS since",
            (key, exclude_period, key, FIRST_DIGEST_LOOKBACK_S, now, FIRST_DIGEST_LOOKBACK_S),
        )
        assert row is not None
        return float(row["since"])

    async def claim_digest(
        self,
        key: str,
        period: str,
        now: float,
        max_attempts: int = 3,
        *,
        owner: str = "",
        lease_s: float = DEFAULT_LEASE_S,
    ) -> DigestClaim | None:
        """Claim the digest of ``period`` for posting, held by ``owner`` for ``lease_s``
        seconds until ``start_posting``; None when it is already posted, being built or posted
        by a live claim, skipped, or was left posting by a run that stopped mid-way (it may
        have reached the channel: not posting again is the promise). A failed one is retried
        until it has been tried ``max_attempts`` times; one whose claimer stopped before posting
        (its lease over) is taken over.

        The claim is one statement, so it is atomic across connections and processes."""
        changed = await self._db.execute(
            "INSERT INTO deliveries (channel_key, kind, ref, state, window_end, created_at, claimed_at, "
            "lease_owner, lease_until) VALUES (?, 'digest', ?, 'pending', ?, ?, ?, ?, ?) "
            "ON CONFLICT (channel_key, kind, ref) DO UPDATE SET state = 'pending', detail = NULL, "
            "window_end = excluded.window_end, attempts = deliveries.attempts + 1, "
            "claimed_at = excluded.claimed_at, lease_owner = excluded.lease_owner, "
            "lease_until = excluded.lease_until, posting_at = NULL "
            "WHERE deliveries.attempts < ? AND (deliveries.state = 'failed' OR (deliveries.state = 'pending' "
            "  AND deliveries.posting_at IS NULL AND deliveries.lease_until <= ?))",
            (key, period, now, now, now, owner, now + lease_s, max_attempts, now),
        )
        if changed.rowcount != 1:
            return None
        return DigestClaim(key, period, await self.digest_since(key, now, exclude_period=period), now)

    async def start_posting(self, key: str, kind: DeliveryKind, ref: str, owner: str, now: float) -> bool:
        """Mark a claimed delivery as being posted, if ``owner`` still holds the claim (its
        lease may have run out and another replica taken it over): whether to post. From
        here on the claim is never taken over as "not posted" (the post may reach the channel)."""
        changed = await self._db.execute(
            "UPDATE deliveries SET posting_at = ? WHERE channel_key = ? AND kind = ? AND ref = ? "
            "AND state = 'pending' AND posting_at IS NULL AND lease_owner = ?",
            (now, key, kind, ref, owner),
        )
        return changed.rowcount == 1

    async def abandoned_digests(self, now: float, max_attempts: int, since: float) -> list[str]:
        """Keys of enabled, scheduled channels with a digest claimed since ``since`` by a
        replica that stopped before posting it (its lease over): another may take it over."""
        rows = await self._db.fetchall(
            "SELECT DISTINCT c.key FROM channels c JOIN deliveries d ON d.channel_key = c.key "  # noqa: S608
            "WHERE c.disabled = 0 AND c.digest_time IS NOT NULL AND d.kind = 'digest' "
            f"AND d.attempts < ? AND d.created_at >= ? AND {_ABANDONED} ORDER BY c.key",
            (max_attempts, since, now),
        )
        return [str(r["key"]) for r in rows]

    async def failed_digests(self, max_attempts: int) -> list[str]:
        """Keys of enabled, scheduled channels whose latest digest failed and may be retried."""
        rows = await self._db.fetchall(
            "SELECT c.key FROM channels c JOIN deliveries d ON d.channel_key = c.key "
            "WHERE c.disabled = 0 AND c.digest_time IS NOT NULL AND d.kind = 'digest' "
            "AND d.state = 'failed' AND d.attempts < ? AND d.id = (SELECT MAX(id) FROM deliveries "
            "  WHERE channel_key = c.key AND kind = 'digest') ORDER BY c.key",
            (max_attempts,),
        )
        return [str(r["key"]) for r in rows]

    async def skip_digest(self, key: str, period: str, reason: str, now: float) -> None:
        """Record a digest that will not be posted (missed for too long). It covers no window:
        its briefs go into the next digest."""
        await self._db.execute(
            "INSERT INTO deliveries (channel_key, kind, ref, state, detail, created_at) "
            "VALUES (?, 'digest', ?, 'skipped', ?, ?) ON CONFLICT DO NOTHING",
            (key, period, reason, now),
        )

    async def candidates(self, key: str, since: float, until: float) -> list[StoredCandidate]:
        """Briefed articles of the channel's subscribed feeds that became news for the channel
        in (since, until] — briefed then, or brought then by a subscribed feed when briefed
        before — each with its subscription's filters (and its text only when there are
        filters). An article two subscribed feeds carry comes once per feed."""
        rows = await self._db.fetchall(
            f"SELECT {_CANDIDATE_COLUMNS} FROM subscriptions s {_CANDIDATE_JOINS}"  # noqa: S608
            f"WHERE s.channel_key = ? AND {_NEWS_AT} > ? AND {_NEWS_AT} <= ? "
            "ORDER BY briefed_at, a.rowid",
            (key, since, until),
        )
        return [_candidate(r) for r in rows]

    # -- each-mode briefs -------------------------------------------------------------------

    async def pending_briefs(
        self, platforms: Sequence[str], now: float, retry: PostRetry, limit: int = 200
    ) -> list[tuple[str, StoredCandidate]]:
        """(channel key, article) pairs to be posted to each/both-mode channels on these
        platforms (channels of a platform not running now wait for it): never tried, or
        tried and due for another try (``retry``)."""
        marks = ",".join("?" * len(platforms)) or "NULL"
        rows = await self._db.fetchall(
            f"SELECT c.key AS channel_key, {_CANDIDATE_COLUMNS} "  # noqa: S608
            f"FROM channels c JOIN subscriptions s ON s.channel_key = c.key {_CANDIDATE_JOINS}"
            f"WHERE c.mode IN ('each', 'both') AND c.disabled = 0 AND c.platform IN ({marks}) "
            f"AND {_NEWS_AT} >= c.each_since "
            "AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.channel_key = c.key "
            f"  AND d.kind = 'brief' AND d.ref = a.id AND NOT ({_RETRYABLE})) "
            "ORDER BY briefed_at, a.rowid LIMIT ?",
            (*platforms, retry.max_attempts, now, now - retry.lease_s, now, limit),
        )
        return [(str(r["channel_key"]), _candidate(r)) for r in rows]

    async def claim_brief(
        self,
        key: str,
        article_id: str,
        now: float,
        retry: PostRetry,
        *,
        owner: str = "",
        lease_s: float = DEFAULT_LEASE_S,
    ) -> BriefClaim | None:
        """Claim an each-mode brief for posting, held by ``owner`` for ``lease_s`` seconds
        until ``start_posting``: the first time, or again when its last try failed and its
        ``retry_at`` has come, when its claimer stopped before posting (lease over), or when it
        was left posting longer than ``retry.lease_s`` (the process posting it stopped). None
        when it is not to be posted now. Atomic across processes (one write transaction)."""
        async with self._db.transaction() as tx:
            first = await tx.execute(
                "INSERT INTO deliveries (channel_key, kind, ref, state, created_at, claimed_at, lease_owner, "
                "lease_until) VALUES (?, 'brief', ?, 'pending', ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (key, article_id, now, now, owner, now + lease_s),
            )
            if first.rowcount == 1:
                return BriefClaim(attempt=1, taken_over=False)
            row = await tx.fetchone(
                "SELECT d.state, d.attempts, d.posting_at FROM deliveries d WHERE d.channel_key = ? "  # noqa: S608
                f"AND d.kind = 'brief' AND d.ref = ? AND {_RETRYABLE}",
                (key, article_id, retry.max_attempts, now, now - retry.lease_s, now),
            )
            if row is None:
                return None
            await tx.execute(
                "UPDATE deliveries SET state = 'pending', detail = NULL, retry_at = NULL, claimed_at = ?, "
                "attempts = attempts + 1, lease_owner = ?, lease_until = ?, posting_at = NULL "
                "WHERE channel_key = ? AND kind = 'brief' AND ref = ?",
                (now, owner, now + lease_s, key, article_id),
            )
            taken_over = row["state"] == "pending" and row["posting_at"] is not None
            return BriefClaim(attempt=int(row["attempts"]) + 1, taken_over=taken_over)

    async def fail_brief(self, key: str, article_id: str, reason: str, retry_at: float | None) -> None:
        """An each-mode post failed: try again from ``retry_at``, or (None) never."""
        await self._db.execute(
            "UPDATE deliveries SET state = 'failed', detail = ?, retry_at = ? "
            "WHERE channel_key = ? AND kind = 'brief' AND ref = ?",
            (reason, retry_at, key, article_id),
        )

    async def skip_brief(self, key: str, article_id: str, reason: str, now: float) -> None:
        """Record an each-mode brief that the channel's filters leave out, so it is not looked at again."""
        await self._db.execute(
            "INSERT INTO deliveries (channel_key, kind, ref, state, detail, created_at) "
            "VALUES (?, 'brief', ?, 'skipped', ?, ?) ON CONFLICT (channel_key, kind, ref) "
            "DO UPDATE SET state = 'skipped', detail = excluded.detail WHERE deliveries.state = 'failed'",
            (key, article_id, reason, now),
        )

    # -- the ledger -------------------------------------------------------------------------

    async def finish(
        self,
        key: str,
        kind: DeliveryKind,
        ref: str,
        state: DeliveryState,
        now: float,
        detail: str | None = None,
    ) -> None:
        await self._db.execute(
            "UPDATE deliveries SET state = ?, detail = ?, posted_at = CASE WHEN ? = 'posted' THEN ? "
            "ELSE posted_at END WHERE channel_key = ? AND kind = ? AND ref = ?",
            (state, detail, state, now, key, kind, ref),
        )

    async def release(self, key: str, kind: DeliveryKind, ref: str) -> None:
        """Drop a pending claim that provably never reached the channel (stopped before posting)."""
        await self._db.execute(
            "DELETE FROM deliveries WHERE channel_key = ? AND kind = ? AND ref = ? AND state = 'pending'",
            (key, kind, ref),
        )

    async def delivery(self, key: str, kind: DeliveryKind, ref: str) -> Delivery | None:
        row = await self._db.fetchone(
            "SELECT * FROM deliveries WHERE channel_key = ? AND kind = ? AND ref = ?", (key, kind, ref)
        )
        return Delivery.from_row(row) if row else None

    # -- posted messages --------------------------------------------------------------------

    async def remember_posts(self, key: str, message_ids: Sequence[str], article_id: str, now: float) -> None:
        """Remember that these messages carried an article (unknown articles are ignored)."""
        await self._db.executemany(
            "INSERT INTO posts (channel_key, message_id, article_id, created_at) "
            "SELECT ?, ?, id, ? FROM articles WHERE id = ? "
            "ON CONFLICT (channel_key, message_id) DO UPDATE SET article_id = excluded.article_id",
            [(key, mid, now, article_id) for mid in message_ids if mid],
        )

    async def article_of_post(self, key: str, message_id: str) -> str | None:
        row = await self._db.fetchone(
            "SELECT article_id FROM posts WHERE channel_key = ? AND message_id = ?", (key, message_id)
        )
        return str(row["article_id"]) if row else None


def _candidate(row: Row) -> StoredCandidate:
    return StoredCandidate(
        article_id=row["id"],
        feed_id=int(row["feed_id"]),
        title=row["title"] or "",
        url=row["url"],
        source=row["source"],
        feed_title=row["feed_title"],
        published=row["published"],
        briefed_at=float(row["briefed_at"]),
        brief_json=row["json"],
        text=row["text"] or "",
        keywords=tuple(json.loads(row["keywords"])) if row["keywords"] else (),
        pattern=row["pattern"],
    )
