"""A throwaway PostgreSQL cluster for the test suite: ``initdb`` + ``pg_ctl`` on a temporary
directory, listening on 127.0.0.1 at a free port and on no unix socket.

The server refuses to run as root, so under root (CI) it runs as ``nobody`` in a directory that
user owns. Its superuser has a password (scram-sha-256 over TCP), so connecting exercises the
same password path a deployment uses. Durability is off: the cluster lives for one test session.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

HOW_TO_GET = (
    "PostgreSQL server binaries (initdb, pg_ctl) not found: install them to run the PostgreSQL "
    "tests, e.g. `apt-get install postgresql` (Debian/Ubuntu), or point BRIEFBOT_TEST_PG_BIN at "
    "the directory that holds them"
)
SUPERUSER = "briefbot_test"
PASSWORD_ENV = "BRIEFBOT_TEST_DB_PASSWORD"  # the name tests give [store] password_env
_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "unix_socket_directories": "''",  # nothing in a shared place such as /var/run/postgresql
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "shared_buffers": "32MB",
    "log_min_messages": "warning",
}


def find_bin_dir() -> Path | None:
    """Where initdb and pg_ctl are: $BRIEFBOT_TEST_PG_BIN, Debian's newest server, or PATH."""
    candidates: list[Path] = []
    if explicit := os.environ.get("BRIEFBOT_TEST_PG_BIN"):
        candidates.append(Path(explicit))
    debian = Path("/usr/lib/postgresql").glob("*/bin")
    candidates += sorted(debian, key=lambda p: _version(p.parent.name), reverse=True)
    if on_path := shutil.which("initdb"):
        candidates.append(Path(on_path).resolve().parent)
    for directory in candidates:
        if (directory / "initdb").is_file() and (directory / "pg_ctl").is_file():
            return directory
    return None


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


@dataclass
class Cluster:
    bin_dir: Path
    root: Path
    port: int
    password: str
    _as_user: pwd.struct_passwd | None
    template: str = "template1"  # what create_database copies by default
    _names: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def url(self, dbname: str) -> str:
        """The [store] url of a database: no password in it, as in a deployment."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    def admin_conninfo(self, dbname: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname={dbname} password={self.password}"

    def create_database(self, template: str = "template1") -> str:
        """A new database, a copy of ``template``; returns its name."""
        import psycopg

        name = f"t{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.admin_conninfo(), autocommit=True) as conn:
            # A file copy is several times faster than PostgreSQL 15's default for small databases.
            strategy = " STRATEGY FILE_COPY" if conn.info.server_version >= 150000 else ""
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"{strategy}')
        return name

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_conninfo(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        user = self._as_user
        return subprocess.run(
            args,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
            user=user.pw_uid if user else None,
            group=user.pw_gid if user else None,
            extra_groups=[] if user else None,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "TZ": "UTC"},
            cwd=self.root,
        )

    def stop(self) -> None:
        data = str(self.root / "data")
        self._run(str(self.bin_dir / "pg_ctl"), "stop", "-D", data, "-m", "immediate", "-w")


@contextlib.contextmanager
def running_cluster(bin_dir: Path, settings: Mapping[str, str] | None = None) -> Iterator[Cluster]:
    """Start a cluster (with ``settings`` added to postgresql.conf); stop it and remove every
    file at the end."""
    as_user = pwd.getpwnam("nobody") if os.geteuid() == 0 else None
    # Under /tmp when another user runs the server: $TMPDIR may be a directory only root can enter.
    root = Path(tempfile.mkdtemp(prefix="briefbot-pg-", dir="/tmp" if as_user else None))
    try:
        if as_user is not None:
            os.chown(root, as_user.pw_uid, as_user.pw_gid)
        password = secrets.token_hex(16)
        pwfile = root / "pwfile"
        pwfile.write_text(password + "\n")
        if as_user is not None:
            os.chown(pwfile, as_user.pw_uid, as_user.pw_gid)
        cluster = Cluster(bin_dir, root, 0, password, as_user)
        init = cluster._run(
            str(bin_dir / "initdb"),
            "-D",
            str(root / "data"),
            "-U",
            SUPERUSER,
            f"--pwfile={pwfile}",
            "--auth-host=scram-sha-256",
            "--auth-local=reject",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        )
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed: {init.stderr or init.stdout}")
        pwfile.unlink()
        conf = root / "data" / "postgresql.conf"
        for attempt in range(3):  # the free port may be taken between choosing and binding
            cluster.port = _free_port()
            conf_lines = {**_SETTINGS, **(settings or {}), "port": str(cluster.port)}
            with conf.open("a") as out:
                out.writelines(f"{key} = {value}\n" for key, value in conf_lines.items())
            started = cluster._run(
                str(bin_dir / "pg_ctl"), "start", "-D", str(root / "data"), "-l", str(root / "log"), "-w"
            )
            if started.returncode == 0:
                break
            if attempt == 2:
                log = (root / "log").read_text(errors="replace") if (root / "log").exists() else ""
                raise RuntimeError(f"pg_ctl start failed: {started.stderr or started.stdout}\n{log}")
        try:
            yield cluster
        finally:
            cluster.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
