"""Claims with leases, on each engine: two replicas (two stores on one database) never hold the
same feed, article or delivery; a dead replica's work is taken over when its lease is over; a
result is written only by the claim's owner."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator

import pytest

from bot.replies import ChannelRef
from bot.store import DigestSchedule, NewArticle, Store
from bot.store.engine import LeaseLost
from bot.store.leases import new_owner
from summarizer.brief import Brief
from tests.conftest import StoreTarget

LEASE = 30.0
TEXT = (
    "The ferry operator cancelled the evening crossings after the storm damaged the pier, and "
    "the harbour master said repairs would take at least a week while divers inspect the piles. {}"
)


@pytest.fixture
async def two(store_target: StoreTarget) -> AsyncIterator[tuple[Store, Store]]:
    one, other = await store_target.open(), await store_target.open()
    yield one, other
    await one.close()
    await other.close()


async def test_each_due_feed_is_claimed_by_one_replica_and_a_dead_ones_are_taken_over(
    two: tuple[Store, Store],
) -> None:
    a, b = two
    ids = [(await a.feeds.add(f"https://n{i}.example/rss", 900, now=0.0))[0].id for i in range(3)]
    held_a = await a.feeds.claim_due("a", now=10.0, lease_s=LEASE, limit=2)
    held_b = await b.feeds.claim_due("b", now=10.0, lease_s=LEASE, limit=5)
    assert [f.id for f in held_a] == ids[:2]
    assert [f.id for f in held_b] == ids[2:]
    assert await a.feeds.claim_due("a", now=11.0, lease_s=LEASE, limit=5) == []
    # B polls its feed: written, and the feed is no longer due. A cannot write B's feed.
    assert not await a.feeds.record_success(
        ids[2], now=12.0, next_poll_at=912.0, etag=None, last_modified=None, owner="a"
    )
    assert await b.feeds.record_success(
        ids[2], now=12.0, next_poll_at=912.0, etag=None, last_modified=None, owner="b"
    )
    # A renews one lease and dies: B takes over the other feed when its lease is over, not before.
    await a.renew_claims("a", until=10.0 + 3 * LEASE)
    assert await b.feeds.claim_due("b", now=10.0 + LEASE - 1, lease_s=LEASE, limit=5) == []
    assert [f.id for f in await b.feeds.claim_due("b", now=10.0 + 3 * LEASE, lease_s=LEASE, limit=5)] == ids[
        :2
    ]
    late = await a.feeds.record_failure(
        ids[0], now=200.0, error="HTTP 500", next_poll_at=300.0, max_failures=3, owner="a"
    )
    assert late is None  # A woke up too late: B's poll stands
    assert (await b.feeds.get(ids[0])).failures == 0  # type: ignore[union-attr]


async def test_each_queued_article_is_claimed_once_however_many_claim_at_once(
    two: tuple[Store, Store],
) -> None:
    a, b = two
    for n in range(40):
        await a.articles.add(NewArticle(id=f"x{n}", url=f"https://n.example/{n}"), now=1.0)

    async def claim(store: Store, owner: str) -> list[str]:
        got: list[str] = []
        while batch := await store.articles.claim("new", owner, now=5.0, lease_s=LEASE, limit=3):
            got += [x.id for x in batch]
            await asyncio.sleep(0)
        return got

    claimed = await asyncio.gather(*(claim(s, f"r{i}") for i, s in enumerate([a, b, a, b])))
    flat = [x for got in claimed for x in got]
    assert sorted(flat) == sorted(f"x{n}" for n in range(40))  # every one, none twice


async def test_an_article_is_written_only_by_the_replica_that_holds_it(two: tuple[Store, Store]) -> None:
    a, b = two
    for n in range(2):
        await a.articles.add(NewArticle(id=f"x{n}", url=f"https://n.example/{n}"), now=1.0)
    held = await a.articles.claim("new", "a", now=5.0, lease_s=LEASE, limit=5)
    assert [x.lease_owner for x in held] == ["a", "a"]
    with pytest.raises(LeaseLost):
        await b.articles.mark_fetched("x0", text=TEXT.format(0), now=6.0, owner="b")
    assert await a.articles.mark_fetched("x0", text=TEXT.format(0), now=6.0, owner="a") is None
    fetched = await b.articles.claim("fetched", "b", now=7.0, lease_s=LEASE, limit=5)
    assert [x.id for x in fetched] == ["x0"]  # fetching released it: anyone may brief it now
    # A dies holding x1; B takes it over after the lease. A's late result is not written.
    assert await b.articles.claim("new", "b", now=5.0 + LEASE - 1, lease_s=LEASE, limit=5) == []
    assert [x.id for x in await b.articles.claim("new", "b", now=5.0 + LEASE, lease_s=LEASE, limit=5)] == [
        "x1"
    ]
    assert not await a.articles.mark_failed("x1", "timeout", now=40.0, owner="a")
    late = [Brief(id="x0", title="T", tldr="Late."), Brief(id="x1", title="T", tldr="Late.")]
    assert await a.articles.save_briefs(late, now=41.0, owner="a") == set()
    assert await b.articles.save_briefs([Brief(id="x0", title="T", tldr="Once.")], now=42.0, owner="b") == {
        "x0"
    }
    assert (await a.articles.get_brief("x0")).tldr == "Once."  # type: ignore[union-attr]
    assert await a.articles.get_brief("x1") is None
    # Stopping hands the rest back at once.
    await b.release_claims("b")
    assert [x.id for x in await a.articles.claim("new", "a", now=43.0, lease_s=LEASE, limit=5)] == ["x1"]


async def test_replicas_fetching_the_same_text_at_once_keep_one_article_of_it(
    two: tuple[Store, Store],
) -> None:
    """Replicas store fetched texts beside each other (not one at a time): two articles whose
    pages turn out to carry the same story, fetched at the same moment by two replicas, still
    end as one article that both URLs lead to, without an error in either."""
    a, b = two
    pairs = 8
    for side, store in (("a", a), ("b", b)):
        for n in range(pairs):
            url = f"https://{side}.example/{n}"
            await a.articles.add(NewArticle(id=f"{side}{n}", url=url, canonical_url=url), now=1.0)
        held = await store.articles.claim("new", side, now=2.0, lease_s=LEASE, limit=pairs)
        assert [x.id for x in held] == [f"{side}{n}" for n in range(pairs)]
    results = await asyncio.gather(
        *(
            store.articles.mark_fetched(f"{side}{n}", text=TEXT.format(f"Story {n}."), now=4.0, owner=side)
            for n in range(pairs)
            for side, store in (("a", a), ("b", b))
        )
    )
    for n in range(pairs):
        merged = {results[2 * n], results[2 * n + 1]}
        assert merged in ({None, f"a{n}"}, {None, f"b{n}"})  # one found the other and joined it
        survivor = next(iter(merged - {None}))
        for side in "ab":
            found = await b.articles.find_url(f"https://{side}.example/{n}")
            assert found is not None
            assert found.id == survivor
            assert found.state == "fetched"
    assert await a.articles.count() == pairs


async def test_a_digest_claimed_by_a_replica_that_stopped_before_posting_is_taken_over_once(
    two: tuple[Store, Store],
) -> None:
    a, b = two
    hall = ChannelRef("console", "hall")
    await a.channels.ensure(hall, now=0.0)
    await a.channels.set_schedule(hall.key, DigestSchedule("09:00", "UTC"), now=0.0)
    assert await a.channels.claim_digest(hall.key, "p1", now=100.0, owner="a", lease_s=LEASE)
    assert await b.channels.claim_digest(hall.key, "p1", now=101.0, owner="b", lease_s=LEASE) is None
    assert await b.channels.abandoned_digests(now=100.0 + LEASE - 1, max_attempts=3, since=0.0) == []
    assert await b.channels.abandoned_digests(now=100.0 + LEASE, max_attempts=3, since=0.0) == [hall.key]
    assert await b.channels.abandoned_digests(now=100.0 + LEASE, max_attempts=3, since=101.0) == []  # too old
    assert await b.channels.claim_digest(hall.key, "p1", now=100.0 + LEASE, owner="b", lease_s=LEASE)
    assert not await a.channels.start_posting(hall.key, "digest", "p1", "a", now=131.0)  # too late
    assert await b.channels.start_posting(hall.key, "digest", "p1", "b", now=131.0)
    # B dies while posting: it may have reached the channel, so no one posts it again.
    assert await a.channels.abandoned_digests(now=1000.0, max_attempts=3, since=0.0) == []
    assert await a.channels.claim_digest(hall.key, "p1", now=1000.0, owner="a", lease_s=LEASE) is None


async def test_a_restarted_process_resumes_the_work_of_a_dead_one_at_once_on_sqlite(
    store_target: StoreTarget,
) -> None:
    store = await store_target.open()
    try:
        await store.articles.add(NewArticle(id="x", url="https://n.example/x"), now=1.0)
        child = subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
        )
        dead = new_owner().replace(f":{os.getpid()}:", f":{int(child.stdout)}:")
        assert await store.articles.claim("new", dead, now=5.0, lease_s=LEASE, limit=5)
        me = new_owner()
        released = await store.release_dead_claims(me)
        after = await store.articles.claim("new", me, now=6.0, lease_s=LEASE, limit=5)
        if store_target.engine == "sqlite":
            assert (released, [x.id for x in after]) == (1, ["x"])
        else:  # replicas may share a host name on PostgreSQL: only the lease frees the work
            assert (released, after) == (0, [])
    finally:
        await store.close()
