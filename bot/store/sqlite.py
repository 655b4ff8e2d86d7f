"""The SQLite engine: one connection (WAL) behind an async API that never blocks the event loop.

aiosqlite runs the connection on its own thread. A lock serialises statements so that a
transaction opened by one coroutine never picks up another's statements.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from bot.store.engine import SQLITE, Changed, Params, Row, StoreError
from bot.store.schema import MIGRATIONS
from summarizer.errors import ConfigError

log = logging.getLogger(__name__)


LOCK_WAIT_S = 10  # how long a writer waits for another (`briefbot ingest` beside `briefbot run`)


def describe(exc: sqlite3.Error) -> str:
    """What a SQLite error means for whoever runs Briefbot, in a few words."""
    text = str(exc)
    lowered = text.lower()
    if "locked" in lowered or "busy" in lowered:
        return f"it is busy: another process kept it locked for over {LOCK_WAIT_S} s; try again"
    if "readonly" in lowered or "read-only" in lowered or "unable to open" in lowered:
        return (
            "cannot write there (is the file or its directory read-only? SQLite also needs to create "
            f"files beside the database) ({text})"
        )
    if "full" in lowered:
        return f"no space left for it ({text})"
    if isinstance(exc, sqlite3.OperationalError) and "decode" not in lowered:
        return text
    return f"it is damaged ({text}); restore it from a backup, or move it away to start afresh"


class SQLiteDatabase:
    dialect = SQLITE
    target_version = len(MIGRATIONS)

    def __init__(self, conn: aiosqlite.Connection, path: str = "") -> None:
        self._conn = conn
        self._path = path
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str | Path, *, migrate: bool = True) -> SQLiteDatabase:
        """Open (creating file and directory) and, unless told not to, bring the schema up to date."""
        target = str(path)
        where = f"[store] path = {target!r}"
        if target != ":memory:":
            # Tried first without aiosqlite: when its connection fails, its worker thread
            # outlives the event loop and prints "Event loop is closed" tracebacks.
            await asyncio.to_thread(_try_open, target, where)
        try:
            conn = await aiosqlite.connect(target, isolation_level=None)
        except sqlite3.Error as exc:
            raise ConfigError(f"{where}: cannot open the database: {describe(exc)}") from exc
        conn.row_factory = sqlite3.Row
        db = cls(conn, target)
        try:
            await db._setup(migrate)
        except sqlite3.DatabaseError as exc:
            await conn.close()
            if isinstance(exc, sqlite3.OperationalError):
                raise ConfigError(f"{where}: cannot use the database: {describe(exc)}") from exc
            raise ConfigError(f"{where}: not a usable SQLite database: {exc}") from exc
        except BaseException:
            await conn.close()  # its worker thread would otherwise keep the process alive
            raise
        return db

    async def _setup(self, migrate: bool) -> None:
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=NORMAL",  # durable across process crashes in WAL mode
            "PRAGMA foreign_keys=ON",
            f"PRAGMA busy_timeout={LOCK_WAIT_S * 1000}",  # `briefbot ingest` may run beside `briefbot run`
        ):
            await self._conn.execute(pragma)
        if migrate:
            await self._migrate()
        else:
            await self.schema_version()  # a file that is not a database fails here, not later

    async def schema_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def _migrate(self) -> None:
        async with self._lock:
            row = await (await self._conn.execute("PRAGMA user_version")).fetchone()
            version = int(row[0]) if row else 0
            if version > len(MIGRATIONS):
                raise ConfigError(
                    f"the database is at schema version {version}, newer than this Briefbot "
                    f"({len(MIGRATIONS)}); upgrade Briefbot"
                )
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                # Creating a new database is routine; upgrading an existing one is news.
                level = logging.INFO if version else logging.DEBUG
                log.log(level, "migrating database to_version=%d", number)
                # executescript commits first; the script and the version bump run as one
                # transaction so a crash cannot leave a half-applied migration.
                await self._conn.executescript(
                    f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;"
                )

    async def close(self) -> None:
        await self._conn.close()

    async def execute(self, sql: str, params: Params = ()) -> Changed:
        """Run one statement on its own (autocommit)."""
        async with self._lock, self._errors():
            return await _execute(self._conn, sql, params)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        async with self.transaction():
            await self._conn.executemany(sql, rows)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        async with self._lock, self._errors():
            cursor = await self._conn.execute(sql, params)
            rows = await cursor.fetchall()
            await cursor.close()
            return list(rows)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        async with self._lock, self._errors():
            cursor = await self._conn.execute(sql, params)
            row = await cursor.fetchone()
            await cursor.close()
            return row

    @asynccontextmanager
    async def transaction(self, *, keys: Sequence[str] | None = None) -> AsyncIterator[SQLiteTransaction]:
        """Several statements, all or nothing (``BEGIN IMMEDIATE``: the write lock up front,
        waiting up to ``LOCK_WAIT_S`` for another process that holds it), with ``keys`` or
        without: SQLite has one writer at a time."""
        async with self._lock, self._errors():
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield SQLiteTransaction(self._conn)
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")

    @asynccontextmanager
    async def _errors(self) -> AsyncIterator[None]:
        """SQLite's errors as a ``StoreError`` naming the database and what to do. A broken
        constraint and a full-text query FTS5 cannot parse stay as they are: they are about
        the caller's statement, not the database."""
        try:
            yield
        except sqlite3.IntegrityError:
            raise
        except sqlite3.Error as exc:
            if str(exc).startswith("fts5:"):
                raise
            raise StoreError(f"the database {self._path}: {describe(exc)}") from exc


class SQLiteTransaction:
    """Statements inside ``SQLiteDatabase.transaction()``; the lock is already held."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> Changed:
        return await _execute(self._conn, sql, params)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        cursor = await self._conn.execute(sql, params)
        row = await cursor.fetchone()
        await cursor.close()
        return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        cursor = await self._conn.execute(sql, params)
        rows = await cursor.fetchall()
        await cursor.close()
        return list(rows)


def _try_open(target: str, where: str) -> None:
    """Create the database's directory and open the file once; ``ConfigError`` saying why not."""
    path = Path(target)
    if path.is_dir():
        raise ConfigError(f"{where} is a directory; name a database file, e.g. {target}/briefbot.db")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{where}: cannot create its directory: {exc}") from exc
    try:
        sqlite3.connect(target).close()
    except sqlite3.Error as exc:
        raise ConfigError(f"{where}: cannot open the database: {describe(exc)}") from exc


async def _execute(conn: aiosqlite.Connection, sql: str, params: Params) -> Changed:
    cursor = await conn.execute(sql, params)
    changed = Changed(cursor.rowcount)
    await cursor.close()
    return changed
