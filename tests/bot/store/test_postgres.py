"""The PostgreSQL engine: migrations, connecting, and what replicas sharing a database rely on."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from bot.settings import PostgresLocation
from bot.store import NewArticle, Store
from bot.store.postgres import to_psycopg
from bot.store.postgres_schema import POSTGRES_MIGRATIONS
from bot.store.schema import MIGRATIONS
from summarizer.errors import ConfigError
from tests.conftest import StoreTarget
from tests.postgres import Cluster

TEXT = (
    "The ferry operator cancelled the evening crossings after the storm damaged the pier, and "
    "the harbour master said repairs would take at least a week while divers inspect the piles."
)


async def _versions(store: Store) -> list[int]:
    return [int(r[0]) for r in await store.db.fetchall("SELECT version FROM schema_version ORDER BY version")]


async def test_a_new_database_is_migrated_once_by_openers_starting_together(
    pg_empty_target: StoreTarget,
) -> None:
    stores = await asyncio.gather(*(pg_empty_target.open() for _ in range(3)))
    try:
        assert await _versions(stores[0]) == list(range(1, len(POSTGRES_MIGRATIONS) + 1))
        for store in stores:
            assert await store.db.schema_version() == store.db.target_version == len(POSTGRES_MIGRATIONS)
        feed, created = await stores[1].feeds.add("https://n.example/rss", 900, now=1.0)
        assert created
        assert (await stores[2].feeds.get(feed.id)) == feed  # one database behind them all
    finally:
        for store in stores:
            await store.close()


async def test_opening_without_migrating_reports_the_version_and_changes_nothing(
    pg_empty_target: StoreTarget,
) -> None:
    store = await pg_empty_target.open(migrate=False)
    try:
        assert await store.db.schema_version() == 0
        row = await store.db.fetchone("SELECT to_regclass('feeds') IS NULL")
        assert row is not None
        assert row[0] is True
    finally:
        await store.close()


async def test_a_newer_schema_is_refused(pg_target: StoreTarget) -> None:
    store = await pg_target.open()
    await store.db.execute("INSERT INTO schema_version (version, applied_at) VALUES (999, 0)")
    await store.close()
    with pytest.raises(ConfigError, match="newer than this Briefbot"):
        await pg_target.open()


async def test_the_schema_is_the_same_on_both_engines(pg_target: StoreTarget, tmp_path: Path) -> None:
    """Same migrations count, same tables, columns, nullability, kinds of type and index names:
    a migration added for one engine must be written for the other."""
    assert len(POSTGRES_MIGRATIONS) == len(MIGRATIONS)
    await (await Store.open(tmp_path / "s.db")).close()  # created and migrated
    lite = sqlite3.connect(tmp_path / "s.db")
    kinds = {"INTEGER": "integer", "REAL": "float", "TEXT": "text"}
    sqlite_tables = {
        name: {(c[1], kinds[c[2]], bool(c[3] or c[5])) for c in lite.execute(f"PRAGMA table_info({name})")}
        for (name,) in lite.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'articles_fts%'"
        )
    }
    sqlite_indexes = {n for (n,) in lite.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    sqlite_indexes = {n for n in sqlite_indexes if not n.startswith("sqlite_autoindex")}
    lite.close()

    store = await pg_target.open()
    pg_kinds = {"bigint": "integer", "integer": "integer", "double precision": "float", "text": "text"}
    pg_tables: dict[str, set[tuple[str, str, bool]]] = {}
    for r in await store.db.fetchall(
        "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name NOT IN ('articles_search', 'schema_version')"
    ):
        column = (r["column_name"], pg_kinds[r["data_type"]], r["is_nullable"] == "NO")
        pg_tables.setdefault(r["table_name"], set()).add(column)
    pg_indexes = {r[0] for r in await store.db.fetchall("SELECT indexname FROM pg_indexes")}
    await store.close()

    assert pg_tables == sqlite_tables
    assert sqlite_indexes <= pg_indexes


async def test_a_password_in_the_url_never_reaches_the_file_and_a_wrong_one_is_named(
    pg_target: StoreTarget,
) -> None:
    wrong = replace(pg_target, env={pg_target.settings.password_env: "not-the-password-5521"})
    with pytest.raises(ConfigError, match=r"\[store\] url = .*password authentication failed") as caught:
        await wrong.open()
    assert "not-the-password-5521" not in str(caught.value)
    missing = replace(pg_target, env={})
    with pytest.raises(ConfigError, match="BRIEFBOT_DB_PASSWORD"):  # says where a password comes from
        await missing.open()


async def test_an_unreachable_server_is_named(pg_cluster: Cluster) -> None:
    closed = PostgresLocation("postgresql://briefbot@127.0.0.1:1/briefbot")
    with pytest.raises(ConfigError, match=r"\[store\] url = 'postgresql://briefbot@127.0.0.1:1/briefbot'"):
        await Store.open(closed)


async def test_a_libpq_service_file_names_the_database_and_its_password(
    pg_target: StoreTarget, pg_cluster: Cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dbname = pg_target.settings.url.rsplit("/", 1)[1]
    services = tmp_path / "pg_service.conf"
    services.write_text(
        f"[briefbot]\nhost=127.0.0.1\nport={pg_cluster.port}\nuser=briefbot_test\ndbname={dbname}\n"
        f"password={pg_cluster.password}\n"
    )
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    store = await Store.open(PostgresLocation("postgresql://?service=briefbot"))
    try:
        assert await store.db.schema_version() == len(POSTGRES_MIGRATIONS)
    finally:
        await store.close()


@pytest.fixture
async def two_replicas(pg_target: StoreTarget) -> AsyncIterator[tuple[Store, Store]]:
    one, two = await pg_target.open(), await pg_target.open()
    yield one, two
    await one.close()
    await two.close()


async def test_replicas_adding_the_same_articles_at_once_store_each_once(
    two_replicas: tuple[Store, Store],
) -> None:
    """Deduplication reads, then writes: transactions must not interleave across processes."""
    one, two = two_replicas
    news = [
        NewArticle(id=f"a{n}", canonical_url=f"https://n.example/{n}", text=f"{TEXT} Story {n}.")
        for n in range(20)
    ]
    results = await asyncio.gather(*(store.articles.add(item, 1.0) for item in news for store in (one, two)))
    assert sorted(key for key, created in results if created) == sorted(a.id for a in news)
    assert await one.articles.count() == 20


async def test_replicas_store_their_results_beside_each_other_but_never_beside_a_read_then_write(
    two_replicas: tuple[Store, Store],
) -> None:
    """Fetched texts, briefs and lease renewals take a share of the write lock: a replica
    storing its results never waits for another's (nor for its own, renewing its leases),
    while a transaction that reads and then writes (adding an article) waits for them all."""
    one, two = two_replicas
    for n in range(2):
        await one.articles.add(NewArticle(id=f"x{n}", url=f"https://n.example/{n}"), 1.0)
    assert [x.id for x in await one.articles.claim("new", "one", now=2.0, lease_s=30.0, limit=1)] == ["x0"]
    assert [x.id for x in await two.articles.claim("new", "two", now=2.0, lease_s=30.0, limit=1)] == ["x1"]
    async with one.db.transaction(keys=[]) as tx:  # one is writing its result for x0 just now
        await tx.execute("UPDATE articles SET updated_at = 3.0 WHERE id = 'x0'")
        stored = two.articles.mark_fetched("x1", text=TEXT, now=4.0, owner="two")
        assert await asyncio.wait_for(stored, timeout=5) is None
        await asyncio.wait_for(one.renew_claims("one", until=90.0), timeout=5)
        adding = asyncio.create_task(two.articles.add(NewArticle(id="x2", url="https://n.example/2"), 5.0))
        await asyncio.sleep(0.5)
        assert not adding.done()
    await asyncio.wait_for(adding, timeout=5)
    assert (await two.articles.get("x1")).state == "fetched"  # type: ignore[union-attr]
    assert await two.articles.count() == 3


async def test_a_claim_skips_rows_another_replica_holds(pg_target: StoreTarget, pg_cluster: Cluster) -> None:
    """The pattern replicas use to share work: claim one due row in one statement."""
    store = await pg_target.open()
    try:
        for n in range(2):
            await store.feeds.add(f"https://n.example/{n}.xml", 900, now=float(n))
        claim = (
            "UPDATE feeds SET last_polled_at = ? WHERE id = (SELECT id FROM feeds "
            f"WHERE last_polled_at IS NULL ORDER BY id LIMIT 1{store.db.dialect.skip_locked}) RETURNING id"
        )
        first = (await store.feeds.list_all())[0]
        dbname = pg_target.settings.url.rsplit("/", 1)[1]
        async with await psycopg.AsyncConnection.connect(pg_cluster.admin_conninfo(dbname)) as other:
            # Another replica is working on the first feed (its transaction holds the row).
            await other.execute("SELECT id FROM feeds WHERE id = %s FOR UPDATE", (first.id,))
            claimed = await asyncio.wait_for(store.db.fetchone(claim, (5.0,)), timeout=5)
            assert claimed is not None
            assert claimed["id"] != first.id
    finally:
        await store.close()


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = %s AND b = %s"),
        ("SELECT '?', \"q?\" FROM t WHERE c = ?", "SELECT '?', \"q?\" FROM t WHERE c = %s"),
        ("SELECT 'it''s ?' || ? FROM t", "SELECT 'it''s ?' || %s FROM t"),
        ("SELECT 5 % 2, '100%' WHERE x = ?", "SELECT 5 %% 2, '100%%' WHERE x = %s"),
    ],
)
def test_placeholders_are_rewritten_outside_quotes(sql: str, expected: str) -> None:
    assert to_psycopg(sql) == expected
