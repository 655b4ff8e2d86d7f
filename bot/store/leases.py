"""Claims with leases: how several Briefbot processes (replicas) on one database share work.

A replica *claims* rows of work — a due feed to poll, a queued article to fetch or brief, a
delivery to post — by writing its owner id and a lease end into them, in one statement that
skips rows another claim holds (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite has one
writer at a time). While it works it renews its leases (``renew``); it writes the result only
while it still owns the row, which releases the claim. A replica that dies stops renewing: once
its leases end, the others claim that work again. Stopping cleanly hands the leases back at once
(``release``).

Times are epoch seconds from the replicas' own clocks: keep them in sync (NTP), with the
lease ([store] lease) well above their drift.
"""

from __future__ import annotations

import os
import secrets
import socket

from bot.store.engine import Database

DEFAULT_LEASE_S = 30.0  # [store] lease
LOCAL_OWNER = "local"  # the owner id of a process alone on its database (tests, the command line)

# A row no one holds: never claimed, released, or its lease over (parameter: now).
FREE = "(lease_until IS NULL OR lease_until <= ?)"


def new_owner() -> str:
    """An owner id for this process: host, pid and a random part (a restarted process, or
    another container that reuses the pid, never passes for the one before)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


async def renew(db: Database, owner: str, until: float) -> None:
    """Extend every lease ``owner`` holds on feeds and articles to ``until``. Beside the
    replicas' results (``keys``); a row this process is writing its result to just now is
    skipped (``skip_locked``), not waited for: that write releases the claim anyway, and waiting
    could close a circle with it."""
    async with db.transaction(keys=[]) as tx:
        for table in ("feeds", "articles"):
            await tx.execute(
                f"UPDATE {table} SET lease_until = ? WHERE id IN ("  # noqa: S608 - constants
                f"SELECT id FROM {table} WHERE lease_owner = ?{db.dialect.skip_locked})",
                (until, owner),
            )


async def release(db: Database, owner: str) -> None:
    """Hand back every lease ``owner`` holds on feeds, articles and deliveries not being
    posted: its work is claimable now."""
    async with db.transaction() as tx:
        for table in ("feeds", "articles"):
            await tx.execute(
                f"UPDATE {table} SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?",  # noqa: S608
                (owner,),
            )
        await tx.execute(
            "UPDATE deliveries SET lease_until = 0 WHERE lease_owner = ? AND state = 'pending' "
            "AND posting_at IS NULL",
            (owner,),
        )


async def release_dead_local(db: Database, me: str) -> int:
    """Release the claims of earlier processes on this machine that are gone (a crash, a
    ``kill -9``): a restarted Briefbot resumes their work at once instead of after the lease.
    Only on SQLite, where every process is on one machine; on PostgreSQL two replicas may share
    a host name (and pid 1 in containers), so leases there run out by themselves."""
    if db.dialect.name != "sqlite":
        return 0
    rows = await db.fetchall(
        "SELECT lease_owner FROM feeds WHERE lease_owner IS NOT NULL UNION "
        "SELECT lease_owner FROM articles WHERE lease_owner IS NOT NULL UNION "
        "SELECT lease_owner FROM deliveries WHERE lease_owner IS NOT NULL AND state = 'pending'"
    )
    dead = [str(r[0]) for r in rows if str(r[0]) != me and _gone(str(r[0]))]
    for owner in dead:
        await release(db, owner)
    return len(dead)


def _gone(owner: str) -> bool:
    """Whether ``owner`` (from ``new_owner``) was a process on this machine that has ended,
    or that this process replaced (the same pid: a restarted container)."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False
