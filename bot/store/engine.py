"""What a store engine offers the repositories, whichever database is underneath.

Two engines implement it: SQLite (``bot.store.sqlite``, the embedded default) and PostgreSQL
(``bot.store.postgres``, for several replicas on one database). The repositories write their
SQL once, in the portable subset both understand:

- placeholders are ``?``; the PostgreSQL engine rewrites them for its driver;
- upserts are ``INSERT … ON CONFLICT … DO NOTHING / DO UPDATE`` (qualify the table's own
  columns in ``DO UPDATE``: PostgreSQL finds a bare name ambiguous beside ``excluded``);
- ``RETURNING`` works on both;
- JSON is stored as text and decoded in Python; times are epoch seconds from the caller's clock
  (``REAL`` / ``DOUBLE PRECISION``), never the database server's;
- no engine-only functions: ``MIN``/``MAX`` with two arguments, ``IS NOT`` between values,
  ``INSERT OR IGNORE`` and ``? IS NULL`` (PostgreSQL cannot type a lone parameter) are out.

Where the SQL really differs, the engine carries it: the schema and its migrations, locking
(``transaction`` takes the write lock up front on both, or on PostgreSQL a share of it with
``keys``; claims of rows add ``dialect.skip_locked``) and full-text search
(``bot.store.search``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from summarizer.errors import BriefbotError

Params = Sequence[Any]
EngineName = Literal["sqlite", "postgresql"]


class StoreError(BriefbotError):
    """The database cannot be used: busy beyond the wait, damaged, unwritable, full or gone."""


class LeaseLost(Exception):
    """Work a replica had claimed was taken over by another (its lease ran out): its result is
    not written; the other replica's stands."""


class Row(Protocol):
    """A result row, by position (``row[0]``) or by column name (``row["id"]``); ``dict(row)``."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def keys(self) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class Changed:
    """What a write did."""

    rowcount: int


@dataclass(frozen=True, slots=True)
class Dialect:
    """The few SQL fragments that differ between engines."""

    name: EngineName
    # Appended to a ``SELECT`` that claims rows inside a statement or transaction: on
    # PostgreSQL two replicas claiming at once get different rows instead of waiting for each
    # other; SQLite has one writer at a time anyway.
    skip_locked: str


SQLITE = Dialect(name="sqlite", skip_locked="")
POSTGRESQL = Dialect(name="postgresql", skip_locked=" FOR UPDATE SKIP LOCKED")


class Transaction(Protocol):
    """Statements inside ``Database.transaction()``."""

    async def execute(self, sql: str, params: Params = ()) -> Changed: ...

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None: ...

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...


class Database(Protocol):
    dialect: Dialect
    target_version: int  # how many migrations this Briefbot knows for the engine

    async def execute(self, sql: str, params: Params = ()) -> Changed:
        """Run one statement on its own (autocommit)."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """One statement for many rows, all or nothing."""
        ...

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None: ...

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...

    def transaction(self, *, keys: Sequence[str] | None = None) -> AbstractAsyncContextManager[Transaction]:
        """Several statements, all or nothing, with the database's write lock taken up front:
        transactions never interleave, whichever process runs them.

        With ``keys`` (may be empty) a transaction that writes only rows its process alone may
        write (those it holds claims on) and decides nothing from other rows but those ``keys``
        name: on PostgreSQL it runs beside other such transactions that hold none of its keys,
        never beside one without keys, so that replicas storing their own results do not wait
        for each other. SQLite has one writer at a time: it ignores them."""
        ...

    async def schema_version(self) -> int:
        """How many migrations this database has had."""
        ...

    async def close(self) -> None: ...
