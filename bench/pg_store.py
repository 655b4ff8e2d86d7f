"""A benchmark's SQLite store, copied into PostgreSQL on a throwaway cluster (tests/postgres.py).

The schema is the same on both engines (migration for migration, tested), so every table is
copied column for column; PostgreSQL's trigger builds its full-text index as the articles
arrive, as it does when Briefbot stores them. ``open_store`` and ``store_config`` open either
copy the way Briefbot would. Used by ``bench/qa.py --engine postgresql``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.settings import PostgresLocation
from bot.store import Store
from tests.postgres import HOW_TO_GET, SUPERUSER, Cluster, find_bin_dir, running_cluster

# Parents before children (foreign keys); the search index is PostgreSQL's own.
TABLES = ("feeds", "articles", "briefs", "article_keys", "article_feeds")
PASSWORD_ENV = "BRIEFBOT_BENCH_DB_PASSWORD"


@dataclass(frozen=True)
class PostgresCopy:
    location: PostgresLocation
    password: str

    async def open(self) -> Store:
        return await Store.open(self.location, password=self.password)


@contextlib.contextmanager
def cluster() -> Iterator[Cluster]:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        sys.exit(HOW_TO_GET)
    with running_cluster(bin_dir) as running:
        yield running


def copy_store(running: Cluster, sqlite_path: Path) -> PostgresCopy:
    """A new database on ``running`` holding what the SQLite store at ``sqlite_path`` holds."""
    import psycopg

    name = running.create_database()
    copy = PostgresCopy(PostgresLocation(running.url(name)), running.password)
    asyncio.run(_migrate(copy))
    began = time.monotonic()
    src = sqlite3.connect(sqlite_path)
    with psycopg.connect(running.admin_conninfo(name)) as conn:
        for table in TABLES:
            columns = [c[1] for c in src.execute(f"PRAGMA table_info({table})")]
            names = ", ".join(columns)
            with conn.cursor().copy(f"COPY {table} ({names}) FROM STDIN") as out:
                for row in src.execute(f"SELECT {names} FROM {table}"):
                    out.write_row(row)
        # Rows came with their ids: later inserts must not reuse them.
        for table, column in (("feeds", "id"), ("articles", "rowid")):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                f"(SELECT COALESCE(MAX({column}), 0) + 1 FROM {table}), false)"
            )
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    count = src.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    src.close()
    print(
        f"copied {count} articles into PostgreSQL as {SUPERUSER}@{name} in {time.monotonic() - began:.0f} s",
        file=sys.stderr,
    )
    return copy


async def _migrate(copy: PostgresCopy) -> None:
    await (await copy.open()).close()


async def open_store(where: Path | PostgresCopy) -> Store:
    return await where.open() if isinstance(where, PostgresCopy) else await Store.open(where)


def store_config(where: Path | PostgresCopy) -> tuple[str, dict[str, str]]:
    """The ``[store]`` section of a briefbot.toml for ``where``, and the environment it needs."""
    if isinstance(where, PostgresCopy):
        toml = f"[store]\nurl = {json.dumps(where.location.url)}\npassword_env = {json.dumps(PASSWORD_ENV)}\n"
        return toml, {PASSWORD_ENV: where.password}
    return f"[store]\npath = {json.dumps(str(where))}\n", {}
