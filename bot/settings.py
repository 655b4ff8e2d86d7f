"""Typed settings: ``config/briefbot.toml`` (or ``--config PATH``) over embedded defaults.

Every key has a default here, so an empty file, or none at all, gives a working bot. Unknown
sections or keys and wrong types stop start-up with a ``ConfigError`` naming ``[section] key``.
Secrets never live in the file: only the *names* of environment variables do.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal, get_args, get_origin
from urllib.parse import parse_qsl, urlsplit

from summarizer.errors import ConfigError

DEFAULT_CONFIG = Path("config/briefbot.toml")
CONFIG_ENV = "BRIEFBOT_CONFIG"

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_ADMIN = re.compile(r"^(?:slack:[A-Za-z0-9]+|discord:\d+|console:\S+)$", re.IGNORECASE)
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}
MAX_DURATION = timedelta(days=365)
INT_MAX = 2**63 - 1  # what SQLite (and a C ssize_t) holds


def parse_duration(value: object) -> timedelta:
    """``"15m"``, ``"6h"``, ``"30s"``, ``"250ms"``, ``"1d"`` or a number of seconds, at most
    ``MAX_DURATION`` (a larger one is a typo, and past ``timedelta``'s range an overflow)."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as '15m'")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (m := _DURATION.match(value)):
        seconds = float(m.group(1)) * _UNITS[m.group(2)]
    else:
        raise ValueError(f"expected a duration such as '15m' or '6h', got {value!r}")
    if not math.isfinite(seconds):
        raise ValueError("expected a finite duration such as '15m'")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    if seconds > MAX_DURATION.total_seconds():
        raise ValueError(f"too long a duration (at most {MAX_DURATION.days}d)")
    return timedelta(seconds=seconds)


@dataclass(frozen=True)
class SummarizerSettings:
    backend: Literal["local", "llm"] = "local"
    spacy_model: str = "en_core_web_sm"
    workers: int = 0  # processes that brief with the local model; 0: auto (see briefbot.toml)


@dataclass(frozen=True)
class LLMSettings:
    base_url: str = ""
    model: str = ""
    api_key_env: str = "OPENAI_API_KEY"
    timeout: timedelta = timedelta(seconds=60)
    max_concurrency: int = 4
    max_retries: int = 3
    max_input_tokens: int = 6000


MIN_LEASE_S = 3
DEFAULT_STORE_PATH = "./data/briefbot.db"
DEFAULT_STORE_URL = f"sqlite:///{DEFAULT_STORE_PATH}"
_STORE_URL_FORMS = "expected 'sqlite:///path/to/briefbot.db' or 'postgresql://user@host:5432/dbname'"


@dataclass(frozen=True, slots=True)
class SQLiteLocation:
    path: str


@dataclass(frozen=True, slots=True)
class PostgresLocation:
    url: str  # a libpq connection URI, without a password


@dataclass(frozen=True)
class StoreSettings:
    url: str = DEFAULT_STORE_URL
    path: str = DEFAULT_STORE_PATH  # the older spelling of a sqlite url
    password_env: str = "BRIEFBOT_DB_PASSWORD"  # noqa: S105 - the name of a variable, not a secret
    # How long a replica's claim on a feed, an article or a post lasts unrenewed: the work of
    # a replica that died is taken over this long after its last renewal.
    lease: timedelta = timedelta(seconds=30)

    @property
    def location(self) -> SQLiteLocation | PostgresLocation:
        """The database these settings name: ``url``, or ``path`` where only that was changed."""
        if self.url == DEFAULT_STORE_URL and self.path != DEFAULT_STORE_PATH:
            return SQLiteLocation(self.path)
        return parse_store_url(self.url)


def parse_store_url(url: str) -> SQLiteLocation | PostgresLocation:
    """``sqlite:///relative.db``, ``sqlite:////absolute.db`` or a libpq URI (``postgresql://…``,
    also ``postgresql:///?service=NAME`` for a service file). The ValueError never repeats the
    URL: it may hold a password."""
    scheme, sep, rest = url.strip().partition("://")
    if scheme == "sqlite" and sep:
        if not rest.startswith("/") or not rest[1:].strip():
            raise ValueError(f"names no file; {_STORE_URL_FORMS}")
        return SQLiteLocation(rest[1:])
    if scheme in ("postgresql", "postgres") and sep:
        parts = urlsplit(url.strip())
        query = {key.lower() for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
        if parts.password is not None or "password" in query:
            raise ValueError(
                "must not contain a password: put it in the environment variable that "
                "[store] password_env names, or in a libpq service or password file"
            )
        return PostgresLocation(url.strip())
    raise ValueError(f"is not a database URL; {_STORE_URL_FORMS}")


@dataclass(frozen=True)
class FetchSettings:
    allow_private_networks: bool = False
    timeout: timedelta = timedelta(seconds=20)
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    per_host_concurrency: int = 2
    user_agent: str = "Briefbot/0.1 (self-hosted news briefing bot)"


@dataclass(frozen=True)
class FeedSettings:
    default_interval: timedelta = timedelta(minutes=15)
    max_failures: int = 8
    brief_concurrency: int = 2
    sample_feed: bool = True


@dataclass(frozen=True)
class ScheduleSettings:
    digest_grace: timedelta = timedelta(hours=6)
    default_timezone: str = "UTC"


@dataclass(frozen=True)
class ChatSettings:
    admins: tuple[str, ...] = ()
    admin_only: bool = True
    post_empty_digests: bool = False
    digest_max_items: int = 10


@dataclass(frozen=True)
class SlackSettings:
    mode: Literal["socket", "http"] = "socket"
    host: str = "0.0.0.0"  # noqa: S104 - HTTP mode must be reachable by Slack
    port: int = 3000
    api_url: str = "https://slack.com/api/"


@dataclass(frozen=True)
class DiscordSettings:
    guild_ids: tuple[int, ...] = ()
    api_url: str = "https://discord.com/api/v10"
    gateway_url: str = ""
    # Replicas split the gateway: Discord sends a guild's events to shard
    # (guild_id >> 22) % shard_count, DMs to shard 0. None: one unsharded connection.
    shard_count: int | None = None
    shard_ids: tuple[int, ...] = ()  # the shards this process connects; empty: all of them

    @property
    def shards(self) -> tuple[int, ...]:
        """The shard ids this process connects (empty when unsharded)."""
        if self.shard_count is None:
            return ()
        return self.shard_ids or tuple(range(self.shard_count))

    @property
    def sharding(self) -> str:
        """For people: "unsharded", "shard 1 of 2", "shards 0,2 of 4"."""
        if self.shard_count is None:
            return "unsharded"
        ids = self.shards
        return f"shard{'s' if len(ids) > 1 else ''} {','.join(map(str, ids))} of {self.shard_count}"

    @property
    def platform_name(self) -> str:
        """ "Discord", or "Discord (shard 1 of 2)" when this process holds some of the shards."""
        return "Discord" if self.shard_count is None else f"Discord ({self.sharding})"

    @property
    def registers_commands(self) -> bool:
        """Whether this process syncs the slash commands: unsharded, or holding shard 0. Exactly
        one process of a complete deployment holds shard 0 (it must: Discord sends DMs there
        alone), so the rule needs no coordination between replicas."""
        return self.shard_count is None or 0 in self.shards


@dataclass(frozen=True)
class LogSettings:
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


@dataclass(frozen=True)
class Settings:
    summarizer: SummarizerSettings = field(default_factory=SummarizerSettings)
    llm: LLMSettings = field(default_factory=LLMSettings)
    store: StoreSettings = field(default_factory=StoreSettings)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    feeds: FeedSettings = field(default_factory=FeedSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    chat: ChatSettings = field(default_factory=ChatSettings)
    slack: SlackSettings = field(default_factory=SlackSettings)
    discord: DiscordSettings = field(default_factory=DiscordSettings)
    logging: LogSettings = field(default_factory=LogSettings)
    source: Path | None = field(default=None, compare=False)

    def replace(self, section: str, **changes: Any) -> Settings:
        """A copy with some keys of one section changed (for command-line overrides)."""
        return dataclasses.replace(self, **{section: dataclasses.replace(getattr(self, section), **changes)})


def load_settings(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read settings from ``path``; else ``$BRIEFBOT_CONFIG``; else ``config/briefbot.toml`` if
    present; else the embedded defaults. An explicitly named file must exist."""
    env = os.environ if env is None else env
    explicit = path or env.get(CONFIG_ENV)
    if explicit:
        file = Path(explicit)
        if not file.is_file():
            raise ConfigError(f"config file not found: {file}")
    elif DEFAULT_CONFIG.is_file():
        file = DEFAULT_CONFIG
    else:
        return Settings()
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read: {exc}") from exc
    return dataclasses.replace(settings_from_dict(data, where=str(file)), source=file)


def settings_from_dict(data: Mapping[str, Any], where: str = "config") -> Settings:
    sections: dict[str, Any] = {}
    known = {f.name: f for f in dataclasses.fields(Settings) if f.name != "source"}
    hints = typing.get_type_hints(Settings)
    for name, table in data.items():
        if name not in known:
            raise ConfigError(f"{where}: unknown section [{name}] (known: {', '.join(known)})")
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: [{name}] must be a table")
        sections[name] = _section(hints[name], table, name, where)
    return Settings(**sections)


def _section(cls: type, table: Mapping[str, Any], name: str, where: str) -> Any:
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for key, raw in table.items():
        if key not in hints:
            raise ConfigError(f"{where}: unknown key [{name}] {key} (known: {', '.join(hints)})")
        try:
            values[key] = _coerce(hints[key], raw)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{where}: [{name}] {key} = {raw!r}: {exc}") from None
    section = cls(**values)
    _check(section, name, where)
    return section


def _coerce(hint: Any, raw: Any) -> Any:
    origin = get_origin(hint)
    if hint is timedelta:
        return parse_duration(raw)
    if origin is Literal:
        if raw not in get_args(hint):
            raise ValueError(f"expected one of {', '.join(repr(a) for a in get_args(hint))}")
        return raw
    if origin is tuple:
        (item,) = {a for a in get_args(hint) if a is not Ellipsis}
        if not isinstance(raw, list):
            raise TypeError("expected a list")
        return tuple(_coerce(item, x) for x in raw)
    if origin in (types.UnionType, typing.Union):
        # Only "X | None": TOML has no null, so a value that is there is an X.
        members = [a for a in get_args(hint) if a is not type(None)]
        if len(members) != 1:
            raise TypeError("unsupported setting type")
        return _coerce(members[0], raw)
    if hint is bool:
        if not isinstance(raw, bool):
            raise TypeError("expected true or false")
        return raw
    if hint is int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise TypeError("expected an integer")
        if abs(raw) > INT_MAX:
            raise ValueError("too large a number")
        return raw
    if hint is float:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise TypeError("expected a number")
        return float(raw)
    if hint is str:
        if not isinstance(raw, str):
            raise TypeError("expected a string")
        return raw
    raise TypeError(f"unsupported setting type {hint!r}")


MAX_FETCH_BYTES = 1_000_000_000  # no page or feed is larger; a cap beyond it is no cap
_POSITIVE = {
    ("llm", "max_concurrency"),
    ("llm", "max_input_tokens"),
    ("fetch", "max_bytes"),
    ("fetch", "per_host_concurrency"),
    ("feeds", "max_failures"),
    ("feeds", "brief_concurrency"),
    ("chat", "digest_max_items"),
}


def _check(section: Any, name: str, where: str) -> None:
    """Range checks that types alone cannot express."""
    for f in dataclasses.fields(section):
        value = getattr(section, f.name)
        if (name, f.name) in _POSITIVE and value < 1:
            raise ConfigError(f"{where}: [{name}] {f.name} = {value}: must be at least 1")
    if name == "fetch" and section.max_bytes > MAX_FETCH_BYTES:
        raise ConfigError(f"{where}: [fetch] max_bytes = {section.max_bytes}: at most {MAX_FETCH_BYTES}")
    if name == "fetch" and not 0 <= section.max_redirects <= 20:
        raise ConfigError(f"{where}: [fetch] max_redirects = {section.max_redirects}: must be 0..20")
    if name == "slack" and not 0 <= section.port <= 65535:
        raise ConfigError(f"{where}: [slack] port = {section.port}: not a port number")
    if name == "chat":
        for entry in section.admins:
            if not _ADMIN.match(entry.strip()):
                raise ConfigError(
                    f"{where}: [chat] admins entry {entry!r} is not 'platform:user_id', "
                    "e.g. 'slack:U012AB3CD' or 'discord:80351110224678912'"
                )
    if name == "store":
        _check_store(section, where)
    if name == "discord":
        _check_shards(section, where)
    if name == "summarizer" and section.workers < 0:
        raise ConfigError(f"{where}: [summarizer] workers = {section.workers}: cannot be negative")
    if name == "llm" and section.max_retries < 0:
        raise ConfigError(f"{where}: [llm] max_retries = {section.max_retries}: cannot be negative")
    if name == "schedule":
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(section.default_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"{where}: [schedule] default_timezone = {section.default_timezone!r}: "
                "not an IANA timezone (e.g. 'Europe/Berlin')"
            ) from None


def _check_store(store: StoreSettings, where: str) -> None:
    try:
        location = parse_store_url(store.url)
    except ValueError as exc:
        raise ConfigError(f"{where}: [store] url {exc}") from None
    if not store.path.strip():
        # SQLite takes "" for a temporary database that vanishes with the process.
        raise ConfigError(f"{where}: [store] path must name a file, e.g. './data/briefbot.db'")
    changed_path = store.path != DEFAULT_STORE_PATH
    if store.url != DEFAULT_STORE_URL and changed_path and location != SQLiteLocation(store.path):
        raise ConfigError(
            f"{where}: [store] url and [store] path name different databases: set only url "
            "(path is its older spelling)"
        )
    if store.lease < timedelta(seconds=MIN_LEASE_S):
        raise ConfigError(
            f"{where}: [store] lease = {store.lease.total_seconds():g}s: at least {MIN_LEASE_S}s "
            "(a replica renews its claims three times per lease)"
        )
    if not _ENV_NAME.match(store.password_env):
        raise ConfigError(
            f"{where}: [store] password_env = {store.password_env!r}: not an environment variable name"
        )


def _check_shards(discord: DiscordSettings, where: str) -> None:
    count, ids = discord.shard_count, discord.shard_ids
    example = "e.g. shard_count = 2 and shard_ids = [0] in one replica, [1] in the other"
    if count is None:
        if ids:
            raise ConfigError(
                f"{where}: [discord] shard_ids = {list(ids)} needs shard_count, the number of "
                f"shards across all replicas ({example})"
            )
        return
    if count < 1:
        raise ConfigError(f"{where}: [discord] shard_count = {count}: must be at least 1")
    outside = [i for i in ids if not 0 <= i < count]
    if outside:
        raise ConfigError(
            f"{where}: [discord] shard_ids {outside} not within 0..{count - 1} "
            f"(shard ids count from 0, below shard_count = {count})"
        )
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise ConfigError(
            f"{where}: [discord] shard_ids lists {repeated} more than once; each shard is "
            "connected once, by one replica"
        )
