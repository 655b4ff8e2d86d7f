"""A database that cannot be used is named in one line by the command the user ran, never in
a traceback: a damaged file, a directory, a read-only place, an empty path."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.fakes.web import story

NOBODY = 65534


def briefbot(*args: str, user: int | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "bot", *args]
    if user is not None:
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *command]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180, check=False)


def config(where: Path, path: str) -> Path:
    file = where / "briefbot.toml"
    file.write_text(f"[store]\npath = {json.dumps(path)}\n")
    return file


def user_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if not line.startswith("ts=")]


def test_a_damaged_database_is_named_in_one_line(tmp_path: Path) -> None:
    db = tmp_path / "b.db"
    settings = config(tmp_path, str(db))
    articles = tmp_path / "a.jsonl"
    articles.write_text(
        "".join(
            json.dumps({"id": f"s{n}", "title": story(n).title, "text": story(n).text}) + "\n"
            for n in range(8)
        )
    )
    assert briefbot("ingest", str(articles), "--config", str(settings)).returncode == 0
    # Damage the pages that hold the articles (their b-tree page type), not the schema: the
    # database still opens, and breaks when the articles are read.
    data = bytearray(db.read_bytes())
    for page in range(4096, len(data), 4096):
        if b"approved" in data[page : page + 4096]:
            data[page] = 0
    db.write_bytes(data)

    done = briefbot("ask", "Who approved the plan?", "--config", str(settings))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    (line,) = user_lines(done.stderr)
    assert str(db) in line
    assert "damaged" in line


def test_a_store_path_naming_a_directory_is_one_line(tmp_path: Path) -> None:
    done = briefbot("ingest", "--config", str(config(tmp_path, str(tmp_path))))
    assert done.returncode == 1
    assert user_lines(done.stderr) == [
        f"briefbot: [store] path = {str(tmp_path)!r} is a directory; name a database file, "
        f"e.g. {tmp_path}/briefbot.db"
    ]


def test_an_empty_store_path_stops_start_up_naming_the_key(tmp_path: Path) -> None:
    """SQLite would take "" for a temporary database that vanishes with the process."""
    for path in ("", "  "):
        done = briefbot("ingest", "--config", str(config(tmp_path, path)))
        assert done.returncode == 2
        (line,) = user_lines(done.stderr)
        assert "[store] path" in line
        assert "empty" in line
    assert not list(tmp_path.glob("*.db"))


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory another user can enter (pytest's own tmp_path is private to us)."""
    where = Path(tempfile.mkdtemp(prefix="briefbot-ro-"))
    where.chmod(0o755)
    yield where
    where.chmod(0o755)
    shutil.rmtree(where, ignore_errors=True)


def test_a_read_only_database_directory_is_called_read_only(shared_dir: Path) -> None:
    root = os.geteuid() == 0
    if root and shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: permissions cannot be tried")
    user = NOBODY if root else None
    data = shared_dir / "data"
    data.mkdir()
    db = data / "b.db"
    settings = config(shared_dir, str(db))
    settings.chmod(0o644)
    if root:
        os.chown(data, NOBODY, NOBODY)
    assert briefbot("feeds", "list", "--config", str(settings), user=user).returncode == 0
    assert db.is_file()
    data.chmod(0o555)  # the database stays writable; SQLite cannot create its -wal file beside it

    done = briefbot("feeds", "list", "--config", str(settings), user=user)
    assert done.returncode == 1
    (line,) = user_lines(done.stderr)
    assert "read-only" in line
    assert "not a usable SQLite database" not in line
