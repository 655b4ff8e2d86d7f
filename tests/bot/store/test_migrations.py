"""Existing databases are upgraded in place at start-up, keeping their data."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.store import NewArticle, Store
from bot.store.schema import MIGRATIONS

BRIEF = (
    '{"id": "%s", "title": "%s", "url": null, "published": null, "tldr": "A story.", "who": [], '
    '"where": [], "objectives": [], "open_issues": [], "backend": "test"}'
)


def database_at(path: Path, version: int) -> sqlite3.Connection:
    """A database as Briefbot left it at schema ``version`` (the migrations that had shipped)."""
    conn = sqlite3.connect(path, isolation_level=None)
    for number, script in enumerate(MIGRATIONS[:version], start=1):
        conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
    return conn


async def test_version_2_upgrades_in_place_and_keeps_which_feeds_carried_what(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with database_at(path, 2) as conn:
        conn.executemany(
            "INSERT INTO feeds (id, url, interval_s, created_at) VALUES (?, ?, 900, 1.0)",
            [(1, "https://one.example/rss"), (2, "https://two.example/rss")],
        )
        # "shared" came from feed 1 and was announced by feed 2 later (kept as a GUID key);
        # "pasted" came from no feed at all.
        for article_id, feed_id in (("shared", 1), ("own", 2), ("pasted", None)):
            conn.execute(
                "INSERT INTO articles (id, feed_id, guid, title, text, state, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, 'text', 'briefed', 100.0, 100.0)",
                (article_id, feed_id, article_id if feed_id else None, article_id.title()),
            )
            conn.execute(
                "INSERT INTO briefs (article_id, json, backend, created_at) VALUES (?, ?, 'test', 100.0)",
                (article_id, BRIEF % (article_id, article_id.title())),
            )
        conn.execute("INSERT INTO article_keys VALUES ('guid', '2' || char(31) || 'g-shared', 'shared')")
        conn.execute(
            "INSERT INTO channels (key, platform, channel_id, created_at) "
            "VALUES ('console::x', 'console', 'x', 1.0)"
        )
        conn.execute(
            "INSERT INTO subscriptions (channel_key, feed_id, created_at) VALUES ('console::x', 2, 1.0)"
        )
    conn.close()

    store = await Store.open(path)
    try:
        assert await store.articles.count() == 3
        assert (await store.feeds.get(2)) is not None
        # The channel follows feed 2 only: it has both of feed 2's articles, as of when they
        # were stored, and nothing old becomes news again.
        found = await store.channels.candidates("console::x", 0.0, 200.0)
        assert sorted(c.article_id for c in found) == ["own", "shared"]
        assert all(c.briefed_at == 100.0 for c in found)
        assert await store.channels.candidates("console::x", 100.0, 200.0) == []
        # A GUID the feed gives a different story too no longer has to be unique.
        reused = NewArticle(id="other", canonical_url="https://two.example/other", feed_id=2, guid="own")
        assert await store.articles.add(reused, 300.0) == ("other", True)
    finally:
        await store.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        members = conn.execute("SELECT article_id, feed_id FROM article_feeds ORDER BY 1, 2").fetchall()
    assert members == [("other", 2), ("own", 2), ("shared", 1), ("shared", 2)]
