"""The chat-side repositories on each engine: channels, subscriptions, the delivery ledger,
posted messages, conversation memory and the LLM cache run the same SQL on SQLite and PostgreSQL."""

from __future__ import annotations

from bot.replies import ChannelRef
from bot.store import DigestSchedule, Store
from bot.store.channels import FIRST_DIGEST_LOOKBACK_S, PostRetry
from summarizer.brief import Brief
from summarizer.llm import Usage
from tests.bot.chat_helpers import add_briefed

HALL = ChannelRef("slack", "C1", "T1")
RETRY = PostRetry(max_attempts=3, lease_s=60.0)


async def test_channel_settings_and_subscriptions(store: Store) -> None:
    channel = await store.channels.ensure(HALL, now=10.0)
    assert (channel.key, channel.mode, channel.schedule) == (HALL.key, "digest", None)
    assert await store.channels.ensure(HALL, now=99.0) == channel  # created once

    await store.channels.set_schedule(HALL.key, DigestSchedule("08:30", "Europe/Berlin", ("mon",)), now=11.0)
    await store.channels.set_mode(HALL.key, "both", now=12.0)
    await store.channels.set_mode(HALL.key, "each", now=13.0)  # still each-mode: since stays
    got = await store.channels.get(HALL.key)
    assert got is not None
    assert got.schedule == DigestSchedule("08:30", "Europe/Berlin", ("mon",))
    assert (got.mode, got.each_since) == ("each", 12.0)
    assert [c.key for c in await store.channels.scheduled()] == [HALL.key]
    await store.channels.disable(HALL.key, "channel_not_found")
    assert await store.channels.scheduled() == []

    feed, _ = await store.feeds.add("https://n.example/rss", 900, now=0.0)
    sub, created = await store.channels.subscribe(HALL.key, feed.id, keywords=["flood"], now=14.0)
    assert created
    assert (sub.keywords, sub.feed_url, sub.feed_polled) == (("flood",), feed.url, False)
    again, created = await store.channels.subscribe(HALL.key, feed.id, pattern=r"\bdam\b", now=15.0)
    assert (again.id, created, again.keywords, again.pattern) == (sub.id, False, (), r"\bdam\b")
    assert not (await store.channels.get(HALL.key)).disabled  # type: ignore[union-attr]
    assert await store.channels.unsubscribe("slack:T1:other", sub.id) is None  # not that channel's
    assert await store.channels.unsubscribe(HALL.key, sub.id) == again
    assert await store.channels.subscriptions(HALL.key) == []


async def test_a_digest_is_claimed_once_and_covers_what_came_since_the_last(store: Store) -> None:
    await store.channels.ensure(HALL, now=0.0)
    feed, _ = await store.feeds.add("https://n.example/rss", 900, now=0.0)
    await store.channels.subscribe(HALL.key, feed.id, now=1000.0)
    assert await store.channels.digest_since(HALL.key, now=5000.0) == 1000.0 - FIRST_DIGEST_LOOKBACK_S
    await add_briefed(store, feed.id, "a1", "Tram line approved", now=1500.0)

    claim = await store.channels.claim_digest(HALL.key, "2025-03-01", now=2000.0)
    assert claim is not None
    assert (claim.since, claim.until) == (1000.0 - FIRST_DIGEST_LOOKBACK_S, 2000.0)
    candidates = await store.channels.candidates(HALL.key, claim.since, claim.until)
    assert [c.article_id for c in candidates] == ["a1"]
    assert await store.channels.claim_digest(HALL.key, "2025-03-01", now=2001.0) is None  # taken
    await store.channels.finish(HALL.key, "digest", "2025-03-01", "failed", now=2002.0, detail="503")
    assert await store.channels.failed_digests(max_attempts=3) == []  # no schedule: not retried
    retry = await store.channels.claim_digest(HALL.key, "2025-03-01", now=2003.0)  # a failed one is retried
    assert retry is not None
    await store.channels.finish(HALL.key, "digest", "2025-03-01", "posted", now=2004.0)
    posted = await store.channels.delivery(HALL.key, "digest", "2025-03-01")
    assert posted is not None
    assert (posted.state, posted.attempts, posted.posted_at) == ("posted", 2, 2004.0)
    assert await store.channels.digest_since(HALL.key, now=3000.0) == 2003.0  # the next starts there

    await store.channels.skip_digest(HALL.key, "2025-03-02", "missed", now=3000.0)
    assert await store.channels.claim_digest(HALL.key, "2025-03-02", now=3001.0) is None
    await store.channels.claim_digest(HALL.key, "2025-03-03", now=3002.0)
    await store.channels.release(HALL.key, "digest", "2025-03-03")  # never reached the channel
    assert await store.channels.delivery(HALL.key, "digest", "2025-03-03") is None


async def test_each_mode_briefs_are_posted_once_and_remembered(store: Store) -> None:
    await store.channels.ensure(HALL, now=0.0)
    feed, _ = await store.feeds.add("https://n.example/rss", 900, now=0.0)
    await store.channels.subscribe(HALL.key, feed.id, now=1.0)
    await add_briefed(store, feed.id, "old", "Before each mode", now=5.0)
    await store.channels.set_mode(HALL.key, "each", now=10.0)
    await add_briefed(store, feed.id, "new", "After each mode", now=20.0)
    await add_briefed(store, feed.id, "skip", "Filtered out", now=21.0)

    pending = await store.channels.pending_briefs(["slack"], now=25.0, retry=RETRY)
    assert [(key, c.article_id) for key, c in pending] == [(HALL.key, "new"), (HALL.key, "skip")]
    assert await store.channels.pending_briefs(["discord"], now=25.0, retry=RETRY) == []
    assert await store.channels.pending_briefs([], now=25.0, retry=RETRY) == []
    assert await store.channels.claim_brief(HALL.key, "new", now=30.0, retry=RETRY)
    assert not await store.channels.claim_brief(HALL.key, "new", now=31.0, retry=RETRY)
    await store.channels.skip_brief(HALL.key, "skip", "keywords", now=31.0)
    assert await store.channels.pending_briefs(["slack"], now=32.0, retry=RETRY) == []
    # The claim (lease 30 s from 30.0) of a replica that stopped before posting is taken over
    # once the lease is over: safely, the post never began; the first claimer cannot post now.
    taken = await store.channels.claim_brief(HALL.key, "new", now=61.0, retry=RETRY, owner="b")
    assert taken is not None
    assert (taken.attempt, taken.taken_over) == (2, False)
    assert not await store.channels.start_posting(HALL.key, "brief", "new", owner="", now=62.0)
    assert await store.channels.start_posting(HALL.key, "brief", "new", owner="b", now=62.0)
    # Left while posting: it may have reached the channel; taken over only after RETRY.lease_s.
    assert await store.channels.claim_brief(HALL.key, "new", now=100.0, retry=RETRY, owner="c") is None
    again = await store.channels.claim_brief(
        HALL.key, "new", now=61.0 + RETRY.lease_s, retry=RETRY, owner="c"
    )
    assert again is not None
    assert (again.attempt, again.taken_over) == (3, True)
    await store.channels.finish(HALL.key, "brief", "new", "posted", now=95.0)
    assert await store.channels.pending_briefs(["slack"], now=1000.0, retry=RETRY) == []

    await store.channels.remember_posts(HALL.key, ["m1", "m2", ""], "new", now=32.0)
    await store.channels.remember_posts(HALL.key, ["m3"], "unknown-article", now=32.0)
    assert await store.channels.article_of_post(HALL.key, "m2") == "new"
    assert await store.channels.article_of_post(HALL.key, "m3") is None


async def test_conversations_and_the_llm_record(store: Store) -> None:
    conversations = store.conversations
    conversations.max_turns = 2
    for n in range(3):
        await conversations.add("t", f"question {n}?", f"answer {n}", None, now=float(n))
    assert [t.question for t in await conversations.recent("t", limit=5)] == ["question 1?", "question 2?"]
    assert await conversations.prune(now=conversations.max_age_s + 1.5) == 1
    assert await conversations.count() == 1

    brief = Brief(id="x", title="T", tldr="Gist.", backend="llm:m")
    await store.llm.put("k", brief)
    await store.llm.put("k", brief)
    assert await store.llm.get("k") == brief
    await store.llm.add_usage("m", Usage(1, 100, 10))
    await store.llm.add_usage("m", Usage(2, 50, 5))
    assert await store.llm.usage() == {"m": Usage(3, 150, 15)}
