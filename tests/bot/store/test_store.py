from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.store import NewArticle, Store
from summarizer.brief import Actor, Brief, Place
from summarizer.errors import ConfigError
from summarizer.qa.search import SearchTerm
from tests.conftest import StoreTarget

TEXT = (
    "The river authority opened the new flood gates on Monday after a decade of planning. "
    "Engineers said the gates would protect four hundred homes in the lower town from winter "
    "storms, and the council promised a review of the costs next spring."
)


async def test_new_database_is_migrated_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "dir" / "b.db"
    store = await Store.open(path)
    await store.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] >= 1
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"feeds", "articles", "briefs", "subscriptions", "deliveries", "articles_fts"} <= tables


async def test_a_newer_schema_or_a_non_database_is_refused(tmp_path: Path) -> None:
    newer = tmp_path / "newer.db"
    with sqlite3.connect(newer) as conn:
        conn.execute("PRAGMA user_version = 999")
    with pytest.raises(ConfigError, match="newer than this Briefbot"):
        await Store.open(newer)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ConfigError, match="not a usable SQLite database"):
        await Store.open(junk)


async def test_articles_are_deduplicated_by_url_guid_and_content(store: Store) -> None:
    feed, created = await store.feeds.add("https://news.example/feed.xml", 900, now=1.0)
    assert created
    first = NewArticle(id="a1", canonical_url="https://news.example/a", feed_id=feed.id, guid="g1", text=TEXT)
    assert await store.articles.add(first, now=2.0) == ("a1", True)
    same_url = NewArticle(id="a2", canonical_url="https://news.example/a")
    same_guid = NewArticle(id="a3", feed_id=feed.id, guid="g1")
    same_text = NewArticle(id="a4", text="  " + TEXT.upper().replace(" ", "\n  ") + "  ")
    for dup in (same_url, same_guid, same_text):
        assert await store.articles.add(dup, now=3.0) == ("a1", False)
    assert await store.articles.count() == 1


async def test_queue_moves_new_fetched_briefed_and_survives_reopen(store_target: StoreTarget) -> None:
    store = await store_target.open()
    await store.articles.add(NewArticle(id="x", url="https://n.example/x", summary="short"), now=1.0)
    assert [a.id for a in await store.articles.in_state("new")] == ["x"]
    assert await store.articles.mark_fetched("x", text=TEXT, now=2.0, title="Gates open") is None
    await store.close()

    store = await store_target.open()  # a restart resumes from the stored state
    (fetched,) = await store.articles.in_state("fetched")
    assert fetched.title == "Gates open"
    brief = Brief(
        id="x",
        title="Gates open",
        tldr="Flood gates opened.",
        who=(Actor("Dana Ruiz", role="authority chair"),),
        where=(Place("Millbrook"),),
        backend="local:test",
    )
    await store.articles.save_brief(brief, now=3.0)
    assert await store.articles.get_brief("x") == brief
    assert (await store.articles.get("x")).state == "briefed"  # type: ignore[union-attr]
    (hit,) = await store.articles.search([SearchTerm("Millbrook", 1.0)], limit=5)  # the brief's words
    assert hit.id == "x"
    await store.close()


async def test_fetched_text_equal_to_another_article_is_a_duplicate(store: Store) -> None:
    await store.articles.add(NewArticle(id="a", text=TEXT), now=1.0)
    b_url = "https://n.example/b"
    await store.articles.add(NewArticle(id="b", url=b_url, canonical_url=b_url), now=1.0)
    assert await store.articles.mark_fetched("b", text=TEXT.upper(), now=2.0) == "a"
    assert await store.articles.count() == 1
    # The duplicate's id and URL now lead to the article it was merged into.
    merged = await store.articles.get("b")
    assert merged is not None
    assert merged.id == "a"
    assert await store.articles.resolve("b") == "a"
    assert (await store.articles.add(NewArticle(id="c", canonical_url="https://n.example/b"), 3.0)) == (
        "a",
        False,
    )


async def test_short_texts_are_not_merged_by_content(store: Store) -> None:
    """Feeds give many items the same stock blurb; that must not make them one article."""
    blurb = "Read the full story on our website."
    first = NewArticle(id="s1", canonical_url="https://n.example/1", text=blurb)
    second = NewArticle(id="s2", canonical_url="https://n.example/2", text=blurb)
    assert await store.articles.add_many([first, second], now=1.0) == [("s1", True), ("s2", True)]
    assert await store.articles.count() == 2


async def test_a_feed_that_changes_guids_keeps_one_article(store: Store) -> None:
    feed, _ = await store.feeds.add("https://news.example/feed.xml", 900, now=1.0)
    url = "https://news.example/story"
    first = NewArticle(id="k1", canonical_url=url, feed_id=feed.id, guid="guid-1")
    assert await store.articles.add(first, 1.0) == ("k1", True)
    regenerated = NewArticle(id="k1b", canonical_url=url, feed_id=feed.id, guid="guid-2")
    assert await store.articles.add(regenerated, 2.0) == ("k1", False)
    # Later the link changes too, but the GUID seen before still identifies the story.
    moved = NewArticle(id="k1c", canonical_url=url + "?page=1", feed_id=feed.id, guid="guid-2")
    assert await store.articles.add(moved, 3.0) == ("k1", False)
    assert await store.articles.count() == 1


async def test_an_article_without_a_feed_joins_the_first_feed_that_announces_it(store: Store) -> None:
    url = "https://news.example/pasted"
    assert await store.articles.add(NewArticle(id="p1", canonical_url=url, text=TEXT), 1.0) == ("p1", True)
    one, _ = await store.feeds.add("https://news.example/one.xml", 900, now=1.0)
    two, _ = await store.feeds.add("https://news.example/two.xml", 900, now=1.0)
    for feed in (one, two):
        item = NewArticle(id=f"i{feed.id}", canonical_url=url, feed_id=feed.id, guid="g")
        assert await store.articles.add(item, 2.0) == ("p1", False)
    stored = await store.articles.get("p1")
    assert stored is not None
    assert stored.feed_id == one.id  # the first feed keeps it


async def test_failed_articles_are_retried_after_a_growing_delay_up_to_a_cap(store: Store) -> None:
    await store.articles.add(NewArticle(id="f", url="https://n.example/f"), now=0.0)
    await store.articles.mark_failed("f", "the server answered 503", now=10.0)
    assert await store.articles.requeue_failed(now=50.0, max_attempts=3, delay_s=100.0) == 0
    assert await store.articles.requeue_failed(now=110.0, max_attempts=3, delay_s=100.0) == 1
    assert (await store.articles.get("f")).state == "new"  # type: ignore[union-attr]
    await store.articles.mark_failed("f", "again", now=200.0)  # attempt 2: waits 200 s
    assert await store.articles.requeue_failed(now=399.0, max_attempts=3, delay_s=100.0) == 0
    assert await store.articles.requeue_failed(now=400.0, max_attempts=3, delay_s=100.0) == 1
    await store.articles.mark_failed("f", "and again", now=500.0)  # attempt 3: the cap
    assert await store.articles.requeue_failed(now=1e9, max_attempts=3, delay_s=100.0) == 0
    failed = await store.articles.get("f")
    assert failed is not None
    assert (failed.state, failed.attempts, failed.error) == ("failed", 3, "and again")


async def test_failing_feed_is_disabled_with_its_reason(store: Store) -> None:
    feed, _ = await store.feeds.add("https://broken.example/rss", 60, now=0.0)
    for i in range(3):
        after = await store.feeds.record_failure(
            feed.id, now=float(i), error="HTTP 500", next_poll_at=float(i + 1), max_failures=3
        )
    assert after is not None
    assert after.disabled
    assert "failed 3 times" in (after.disabled_reason or "")
    assert await store.feeds.claim_due("r1", now=100.0, lease_s=30.0, limit=10) == []
    assert await store.feeds.enable(feed.id, now=100.0)
    assert [f.id for f in await store.feeds.claim_due("r1", now=100.0, lease_s=30.0, limit=10)] == [feed.id]


async def test_removing_a_feed_keeps_its_articles(store: Store) -> None:
    feed, _ = await store.feeds.add("https://news.example/feed.xml", 900, now=1.0)
    for n in range(2):
        url = f"https://news.example/{n}"
        await store.articles.add(
            NewArticle(id=f"r{n}", canonical_url=url, feed_id=feed.id, guid="same"[: n + 3]), 1.0
        )
    assert await store.feeds.remove(feed.id)
    assert not await store.feeds.remove(feed.id)
    kept = [await store.articles.get(f"r{n}") for n in range(2)]
    assert [a.feed_id for a in kept if a is not None] == [None, None]


async def test_an_event_is_new_once_until_it_expires(store_target: StoreTarget) -> None:
    one = await store_target.open()
    two = await store_target.open()  # another process (or replica) on the same database
    try:
        assert await one.events.first_time(["event:Ev1", "msg:C1:1.1"], now=100.0, ttl_s=60.0)
        assert not await two.events.first_time(["event:Ev1"], now=110.0, ttl_s=60.0)
        # The same message delivered again under another event id (a DM that is a mention).
        assert not await two.events.first_time(["event:Ev2", "msg:C1:1.1"], now=120.0, ttl_s=60.0)
        assert await one.events.first_time(["event:Ev1"], now=161.0, ttl_s=60.0)  # expired: new again
        # The same event reaching both at once (a retry racing the original): one sees it first.
        firsts = await asyncio.gather(
            *(store.events.first_time(["event:Ev3"], now=170.0, ttl_s=60.0) for store in [one, two] * 5)
        )
        assert sorted(firsts) == [False] * 9 + [True]
        rows = await one.db.fetchone("SELECT COUNT(*) FROM seen_events WHERE expires_at <= 161.0")
        assert rows is not None
        assert rows[0] == 0  # expired entries are dropped, the table does not grow for ever
    finally:
        await one.close()
        await two.close()
