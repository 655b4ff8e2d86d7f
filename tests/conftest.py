"""Test-wide rules: nothing reaches beyond this machine, and ../shared is optional."""

from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.settings import StoreSettings
from bot.store import Store
from tests.postgres import HOW_TO_GET, PASSWORD_ENV, Cluster, find_bin_dir, running_cluster

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
DEV_SET = SHARED / "dev-set"
CORPORA = SHARED / "corpora"

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


class NetworkAccessError(RuntimeError):
    """A test tried to reach a non-loopback address."""


def _is_loopback(host: Any) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode()
    host = str(host).split("%")[0]
    if host in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback or ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def no_internet(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Fail any attempt to connect to, or even resolve, anything but loopback.

    Attempts are also recorded and checked at teardown, so code that swallows the error
    still fails the test.
    """
    attempts: list[str] = []

    def guard(address: Any) -> None:
        if isinstance(address, tuple) and not _is_loopback(address[0]):
            attempts.append(repr(address))
            raise NetworkAccessError(f"test tried to reach the network: {address!r}")

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            guard(address)
        return _real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            guard(address)
        return _real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_loopback(host):
            try:
                ipaddress.ip_address(str(host.decode() if isinstance(host, bytes) else host).split("%")[0])
            except ValueError:
                attempts.append(f"DNS {host!r}")
                raise NetworkAccessError(f"test tried to resolve a public name: {host!r}") from None
        return _real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield attempts
    assert not attempts, f"test tried to reach the network: {attempts}"


@pytest.fixture
def dev_set() -> Path:
    if not DEV_SET.is_dir():
        pytest.skip("../shared/dev-set is absent")
    return DEV_SET


@pytest.fixture
def corpora() -> Path:
    if not CORPORA.is_dir():
        pytest.skip("../shared/corpora is absent")
    return CORPORA


# -- databases --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoreTarget:
    """One test's database: its ``[store]`` settings and the environment that goes with them."""

    settings: StoreSettings
    env: Mapping[str, str] = field(default_factory=dict)

    @property
    def engine(self) -> str:
        return "postgresql" if self.settings.url.startswith("postgresql") else "sqlite"

    async def open(self, *, migrate: bool = True) -> Store:
        password = self.env.get(self.settings.password_env)
        return await Store.open(self.settings.location, password=password, migrate=migrate)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """A throwaway PostgreSQL cluster for the whole session, started on first use."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        if os.environ.get("CI"):  # .ci/run installs the server: never skip silently there
            pytest.fail(HOW_TO_GET)
        pytest.skip(HOW_TO_GET)
    with running_cluster(bin_dir) as cluster:
        # Migrated once: each test's database is a copy, ready at once.
        cluster.template = cluster.create_database()
        asyncio.run(_migrate(_pg_target(cluster, cluster.template)))
        yield cluster


def _pg_target(cluster: Cluster, name: str) -> StoreTarget:
    settings = StoreSettings(url=cluster.url(name), password_env=PASSWORD_ENV)
    return StoreTarget(settings, {PASSWORD_ENV: cluster.password})


async def _migrate(target: StoreTarget) -> None:
    await (await target.open()).close()


@pytest.fixture
def pg_target(pg_cluster: Cluster) -> Iterator[StoreTarget]:
    """A PostgreSQL database for one test, migrated, with nothing stored (dropped after it)."""
    name = pg_cluster.create_database(template=pg_cluster.template)
    yield _pg_target(pg_cluster, name)
    pg_cluster.drop_database(name)


@pytest.fixture
def pg_empty_target(pg_cluster: Cluster) -> Iterator[StoreTarget]:
    """An empty PostgreSQL database for one test: not even migrated."""
    name = pg_cluster.create_database()
    yield _pg_target(pg_cluster, name)
    pg_cluster.drop_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_target(request: pytest.FixtureRequest, tmp_path: Path) -> StoreTarget:
    """The test's database on each engine in turn."""
    if request.param == "postgresql":
        target: StoreTarget = request.getfixturevalue("pg_target")
        return target
    return StoreTarget(StoreSettings(url=f"sqlite:///{tmp_path / 'data' / 'briefbot.db'}"))
