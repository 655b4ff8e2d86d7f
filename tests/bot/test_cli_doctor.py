"""`briefbot doctor` names the store's engine and schema version, and changes nothing."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from bot.store import Store
from bot.store.schema import MIGRATIONS
from tests.conftest import ROOT, StoreTarget

LATEST = len(MIGRATIONS)


def _doctor(tmp_path: Path, store_toml: str, env: Mapping[str, str] | None = None) -> tuple[int, str]:
    cfg = tmp_path / "briefbot.toml"
    cfg.write_text(f"[store]\n{store_toml}\n")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "doctor", "--config", str(cfg)],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stdout


def test_sqlite_before_and_after_the_first_start(tmp_path: Path) -> None:
    db = tmp_path / "data" / "b.db"
    code, out = _doctor(tmp_path, f"url = 'sqlite:///{db}'")
    assert code == 0
    assert f"store: sqlite:///{db} (sqlite; no database yet: created at the first start)" in out
    assert not db.exists()  # doctor created nothing

    async def create() -> None:
        await (await Store.open(db)).close()

    asyncio.run(create())
    code, out = _doctor(tmp_path, f"path = '{db}'")
    assert code == 0
    assert f"store: sqlite:///{db} (sqlite, schema version {LATEST} of {LATEST})" in out


def test_postgresql_is_reported_without_being_migrated(pg_empty_target: StoreTarget, tmp_path: Path) -> None:
    settings = pg_empty_target.settings
    toml = f"url = '{settings.url}'\npassword_env = '{settings.password_env}'"
    code, out = _doctor(tmp_path, toml, pg_empty_target.env)
    assert code == 0
    assert f"(postgresql, schema version 0 of {LATEST}: migrated at the next start)" in out

    async def migrate() -> None:
        await (await pg_empty_target.open()).close()

    asyncio.run(migrate())
    code, out = _doctor(tmp_path, toml, pg_empty_target.env)
    assert code == 0
    assert f"store: {settings.url} (postgresql, schema version {LATEST} of {LATEST})" in out


def test_an_unreachable_database_fails_the_check(tmp_path: Path) -> None:
    code, out = _doctor(tmp_path, "url = 'postgresql://briefbot@127.0.0.1:1/briefbot'")
    assert code == 1
    assert "store: ERROR [store] url = 'postgresql://briefbot@127.0.0.1:1/briefbot': cannot connect" in out
