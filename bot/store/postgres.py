"""The PostgreSQL engine: a psycopg 3 connection pool behind the store's async API, so that
several Briefbot processes (replicas) share one database.

- Statements arrive with SQLite's ``?`` placeholders and are rewritten for psycopg once each.
- Single statements run in autocommit, each atomic on its own, as on SQLite.
- ``transaction()`` takes a transaction-scoped advisory lock first: transactions of all
  replicas run one at a time, as ``BEGIN IMMEDIATE`` makes them on SQLite, so the repositories'
  check-then-write transactions stay correct without retry loops. Work that must spread over
  replicas is claimed row by row (``dialect.skip_locked``), and the transactions that store its
  results (``transaction(keys=…)``: one per article fetched, one per batch briefed) take that
  lock *shared*, plus an exclusive lock on each of their keys: they run beside each other.
  Taken exclusively by every result, the lock was what the replicas queued on: 3 replicas
  briefing 600 articles kept 9 connections waiting for it on average (320 s of waiting in a
  36 s run, bench/replicas.py --detail), as each transaction holds it over several round
  trips of a process whose event loop shares the GIL with the model.
- Migrations run under a session advisory lock, so replicas starting at once migrate once.
- Statements are not prepared on the server (``prepare_threshold=None``): that keeps the store
  usable behind PgBouncer in transaction mode.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from psycopg import AsyncConnection, AsyncCursor
from psycopg.rows import RowMaker
from psycopg_pool import AsyncConnectionPool

from bot.store.engine import POSTGRESQL, Changed, Params, Row, StoreError
from bot.store.postgres_schema import POSTGRES_MIGRATIONS
from summarizer.errors import ConfigError

log = logging.getLogger(__name__)

POOL_SIZE = 6  # connections per process: the scheduler, ingest batches and chat commands at once
CONNECT_TIMEOUT_S = 10
# Advisory lock keys ("briefbot" as a 64-bit number, and the next one).
WRITE_LOCK = 0x6272696566626F74
MIGRATION_LOCK = WRITE_LOCK + 1
KEY_LOCKS = 0x62726966  # the class of a transaction's key locks (two-int4 keys: another key space)


class PgRow:
    """A result row read like ``sqlite3.Row``: by position, by column name, ``dict(row)``."""

    __slots__ = ("_index", "_values")

    def __init__(self, index: Mapping[str, int], values: Sequence[Any]) -> None:
        self._index = index
        self._values = values

    def __getitem__(self, key: int | str, /) -> Any:
        return self._values[key if isinstance(key, int) else self._index[key]]

    def keys(self) -> list[str]:
        return list(self._index)

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __repr__(self) -> str:
        return f"PgRow({dict(zip(self._index, self._values, strict=False))!r})"


def _pg_rows(cursor: AsyncCursor[Any]) -> RowMaker[PgRow]:
    index: dict[str, int] = {}
    for i, column in enumerate(cursor.description or ()):
        index.setdefault(column.name, i)  # like sqlite3.Row: the first of two equal names

    def make(values: Sequence[Any]) -> PgRow:
        return PgRow(index, values)

    return make


@functools.lru_cache(maxsize=1024)
def to_psycopg(sql: str) -> str:
    """``?`` placeholders become ``%s``, and a literal ``%`` becomes ``%%``; quoted strings and
    identifiers are left as they are (bar their ``%``, which psycopg reads everywhere)."""
    out: list[str] = []
    quote: str | None = None
    for char in sql:
        if char == "%":
            out.append("%%")
        elif quote is not None:
            out.append(char)
            if char == quote:
                quote = None  # a doubled quote closes and reopens: the same result
        elif char in "'\"":
            quote = char
            out.append(char)
        elif char == "?":
            out.append("%s")
        else:
            out.append(char)
    return "".join(out)


Connection = AsyncConnection[PgRow]


class PostgresDatabase:
    dialect = POSTGRESQL
    target_version = len(POSTGRES_MIGRATIONS)

    def __init__(self, pool: AsyncConnectionPool[Connection]) -> None:
        self._pool = pool

    @classmethod
    async def open(cls, url: str, *, password: str | None = None, migrate: bool = True) -> PostgresDatabase:
        """Connect to ``url`` (a libpq URI without a password: ``password`` comes from the
        environment, else libpq reads its own password or service file) and, unless told not
        to, bring the schema up to date."""
        options = _connect_options(url, password)
        try:
            first = await Connection.connect(url, **options)
        except psycopg.Error as exc:
            hint = _AUTH_HINT if not password and "password" in str(exc) else ""
            raise ConfigError(
                f"[store] url = {url!r}: cannot connect to PostgreSQL: {_first_line(exc)}{hint}"
            ) from None
        async with first:
            if migrate:
                await _migrate(first)
            else:
                await _version(first)
        pool = AsyncConnectionPool(
            url,
            connection_class=Connection,
            kwargs=options,
            min_size=1,
            max_size=POOL_SIZE,
            open=False,
            check=AsyncConnectionPool.check_connection,  # a server restart costs no failed statement
            name="briefbot",
        )
        await pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
        return cls(pool)

    async def close(self) -> None:
        await self._pool.close()

    async def schema_version(self) -> int:
        async with _errors(), self._pool.connection() as conn:
            return await _version(conn)

    async def execute(self, sql: str, params: Params = ()) -> Changed:
        async with _errors(), self._pool.connection() as conn:
            cursor = await conn.execute(to_psycopg(sql), params)
            return Changed(cursor.rowcount)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        async with _errors(), self._pool.connection() as conn, conn.transaction():
            await _write_lock(conn, None)
            async with conn.cursor() as cursor:
                await cursor.executemany(to_psycopg(sql), list(rows))

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        async with _errors(), self._pool.connection() as conn:
            cursor = await conn.execute(to_psycopg(sql), params)
            return await cursor.fetchone()

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        async with _errors(), self._pool.connection() as conn:
            cursor = await conn.execute(to_psycopg(sql), params)
            return [*await cursor.fetchall()]

    @asynccontextmanager
    async def transaction(self, *, keys: Sequence[str] | None = None) -> AsyncIterator[PostgresTransaction]:
        async with _errors(), self._pool.connection() as conn, conn.transaction():
            await _write_lock(conn, keys)
            yield PostgresTransaction(conn)


class PostgresTransaction:
    """Statements inside ``PostgresDatabase.transaction()``; the write lock is already held."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> Changed:
        cursor = await self._conn.execute(to_psycopg(sql), params)
        return Changed(cursor.rowcount)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        cursor = await self._conn.execute(to_psycopg(sql), params)
        return await cursor.fetchone()

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        cursor = await self._conn.execute(to_psycopg(sql), params)
        return [*await cursor.fetchall()]


_AUTH_HINT = (
    " (the password comes from the environment variable [store] password_env names, default "
    "BRIEFBOT_DB_PASSWORD, or from a libpq password or service file)"
)


def _connect_options(url: str, password: str | None) -> dict[str, Any]:
    given = psycopg.conninfo.conninfo_to_dict(url)
    options: dict[str, Any] = {"autocommit": True, "prepare_threshold": None, "row_factory": _pg_rows}
    if "connect_timeout" not in given:
        options["connect_timeout"] = CONNECT_TIMEOUT_S
    if "application_name" not in given:
        options["application_name"] = "briefbot"
    if password:
        options["password"] = password
    return options


@asynccontextmanager
async def _errors() -> AsyncIterator[None]:
    """The server gone, restarting or out of connections: a ``StoreError`` saying so, as
    SQLite's are (the caller retries later or reports it). A broken constraint or a bad
    statement stays what it is: it is about the statement, not the database."""
    try:
        yield
    except (psycopg.OperationalError, psycopg.InterfaceError) as exc:  # a pool timeout is one too
        raise StoreError(f"the PostgreSQL database is unavailable: {_first_line(exc)}") from exc


async def _write_lock(conn: Connection, keys: Sequence[str] | None) -> None:
    """The write lock, exclusive; with ``keys``, shared, and each key exclusive (in one order
    in every transaction, so that two of them never wait for each other in a circle)."""
    if keys is None:
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
        return
    ordered = sorted(set(keys))
    each = ", pg_advisory_xact_lock(%s, hashtext(%s))" * len(ordered)
    params = [WRITE_LOCK, *(value for key in ordered for value in (KEY_LOCKS, key))]
    await conn.execute(f"SELECT pg_advisory_xact_lock_shared(%s){each}", params)


async def _version(conn: Connection) -> int:
    cursor = await conn.execute("SELECT to_regclass('schema_version') IS NOT NULL")
    exists = await cursor.fetchone()
    if exists is None or not exists[0]:
        return 0
    cursor = await conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version")
    row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def _migrate(conn: Connection) -> None:
    """Apply the missing migrations, each with its version record in one transaction; one
    process at a time (the others wait, then find nothing left to do)."""
    await conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
    try:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            "version INTEGER PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)"
        )
        version = await _version(conn)
        if version > len(POSTGRES_MIGRATIONS):
            raise ConfigError(
                f"the database is at schema version {version}, newer than this Briefbot "
                f"({len(POSTGRES_MIGRATIONS)}); upgrade Briefbot"
            )
        for number, script in enumerate(POSTGRES_MIGRATIONS[version:], start=version + 1):
            log.log(logging.INFO if version else logging.DEBUG, "migrating database to_version=%d", number)
            async with conn.transaction():
                await conn.execute(script)  # several statements: possible without parameters
                await conn.execute(
                    "INSERT INTO schema_version (version, applied_at) VALUES (%s, %s)", (number, time.time())
                )
    finally:
        await conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
