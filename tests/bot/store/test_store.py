from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.store import NewArticle, Store
from summarizer.brief import Actor, Brief, Place
from summarizer.errors import ConfigError

TEXT = "The river authority opened the new flood gates on Monday after a decade of planning."


@pytest.fixture
async def store(tmp_path: Path) -> Store:
    s = await Store.open(tmp_path / "data" / "b.db")
    yield s  # type: ignore[misc]
    await s.close()


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
    same_text = NewArticle(
        id="a4",
        text="  the RIVER authority opened the new flood gates on Monday after a decade of planning.  ",
    )
    for dup in (same_url, same_guid, same_text):
        assert await store.articles.add(dup, now=3.0) == ("a1", False)
    assert await store.articles.count() == 1


async def test_queue_moves_new_fetched_briefed_and_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    store = await Store.open(path)
    await store.articles.add(NewArticle(id="x", url="https://n.example/x", summary="short"), now=1.0)
    assert [a.id for a in await store.articles.in_state("new")] == ["x"]
    assert await store.articles.mark_fetched("x", text=TEXT, now=2.0, title="Gates open") is None
    await store.close()

    store = await Store.open(path)  # a restart resumes from the stored state
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
    rows = await store.db.fetchall(
        "SELECT a.id FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid "
        "WHERE articles_fts MATCH ?",
        ("Millbrook",),
    )
    assert [r["id"] for r in rows] == ["x"]
    await store.close()


async def test_fetched_text_equal_to_another_article_is_a_duplicate(store: Store) -> None:
    await store.articles.add(NewArticle(id="a", text=TEXT), now=1.0)
    await store.articles.add(NewArticle(id="b", url="https://n.example/b"), now=1.0)
    assert await store.articles.mark_fetched("b", text=TEXT.upper(), now=2.0) == "a"
    assert await store.articles.get("b") is None


async def test_failing_feed_is_disabled_with_its_reason(store: Store) -> None:
    feed, _ = await store.feeds.add("https://broken.example/rss", 60, now=0.0)
    for i in range(3):
        after = await store.feeds.record_failure(
            feed.id, now=float(i), error="HTTP 500", next_poll_at=float(i + 1), max_failures=3
        )
    assert after is not None
    assert after.disabled
    assert "failed 3 times" in (after.disabled_reason or "")
    assert await store.feeds.due(now=100.0) == []
    assert await store.feeds.enable(feed.id, now=100.0)
    assert [f.id for f in await store.feeds.due(now=100.0)] == [feed.id]
