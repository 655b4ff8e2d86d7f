from datetime import timedelta
from pathlib import Path

import pytest

from bot.settings import (
    PostgresLocation,
    Settings,
    SQLiteLocation,
    StoreSettings,
    load_settings,
    parse_duration,
)
from summarizer.errors import ConfigError
from tests.conftest import ROOT


def test_shipped_config_documents_exactly_the_defaults() -> None:
    shipped = load_settings(ROOT / "config" / "briefbot.toml", env={})
    assert shipped == Settings()


def test_omitted_keys_keep_their_defaults(tmp_path: Path) -> None:
    cfg = tmp_path / "my.toml"
    cfg.write_text('[store]\npath = "x.db"\n[feeds]\ndefault_interval = "5m"\n')
    settings = load_settings(cfg, env={})
    assert settings.store.path == "x.db"
    assert settings.feeds.default_interval == timedelta(minutes=5)
    assert settings.fetch == Settings().fetch


@pytest.mark.parametrize(
    ("toml", "named"),
    [
        ("[store]\npaht = 'x'\n", "[store] paht"),
        ("[stroe]\npath = 'x'\n", "[stroe]"),
        ("[fetch]\nmax_bytes = 'lots'\n", "[fetch] max_bytes"),
        ("[fetch]\nallow_private_networks = 'yes'\n", "[fetch] allow_private_networks"),
        ("[summarizer]\nbackend = 'gpt'\n", "[summarizer] backend"),
        ("[feeds]\ndefault_interval = 'soon'\n", "[feeds] default_interval"),
        ("[schedule]\ndefault_timezone = 'Mars/Olympus'\n", "[schedule] default_timezone"),
        ("[llm]\nmax_concurrency = 0\n", "[llm] max_concurrency"),
        ("[store]\npath = \n", "not valid TOML"),
        ("[chat]\nadmins = ['U012AB3CD']\n", "[chat] admins entry 'U012AB3CD'"),
        ("[chat]\nadmins = ['discord:Ann']\n", "[chat] admins entry 'discord:Ann'"),
    ],
)
def test_wrong_key_or_value_names_it(tmp_path: Path, toml: str, named: str) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text(toml)
    with pytest.raises(ConfigError, match=named.replace("[", r"\[").replace("]", r"\]")):
        load_settings(cfg, env={})


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml", env={})


def test_config_from_environment_variable(tmp_path: Path) -> None:
    cfg = tmp_path / "env.toml"
    cfg.write_text("[chat]\nadmins = ['slack:U1']\n")
    assert load_settings(None, env={"BRIEFBOT_CONFIG": str(cfg)}).chat.admins == ("slack:U1",)


@pytest.mark.parametrize(
    ("raw", "seconds"), [("15m", 900), ("6h", 21600), ("30s", 30), ("250ms", 0.25), (90, 90), ("1d", 86400)]
)
def test_durations(raw: object, seconds: float) -> None:
    assert parse_duration(raw).total_seconds() == seconds


@pytest.mark.parametrize("raw", ["-5m", "5 weeks", True, "m"])
def test_bad_durations(raw: object) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(raw)


@pytest.mark.parametrize(
    ("toml", "named"),
    [
        ('[llm]\ntimeout = "99999999999999999999d"\n', "[llm] timeout"),
        ("[llm]\ntimeout = inf\n", "[llm] timeout"),
        ("[fetch]\ntimeout = 1e300\n", "[fetch] timeout"),
        ("[schedule]\ndigest_grace = nan\n", "[schedule] digest_grace"),
        ('[feeds]\ndefault_interval = "400d"\n', "[feeds] default_interval"),
        ("[chat]\ndigest_max_items = 99999999999999999999\n", "[chat] digest_max_items"),
        ("[feeds]\nmax_failures = 9223372036854775808\n", "[feeds] max_failures"),
        ("[discord]\nguild_ids = [99999999999999999999]\n", "[discord] guild_ids"),
        ("[fetch]\nmax_bytes = 9223372036854775807\n", "[fetch] max_bytes"),
    ],
)
def test_numbers_too_large_to_use_are_config_errors_naming_the_key(
    tmp_path: Path, toml: str, named: str
) -> None:
    cfg = tmp_path / "huge.toml"
    cfg.write_text(toml)
    with pytest.raises(ConfigError, match=named.replace("[", r"\[").replace("]", r"\]")) as caught:
        load_settings(cfg, env={})
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("raw", ["99999999999999999999d", float("inf"), float("nan"), 1e300, "366d"])
def test_durations_beyond_a_year_or_not_finite_are_refused(raw: object) -> None:
    with pytest.raises(ValueError, match=r"duration"):
        parse_duration(raw)


def _store(tmp_path: Path, toml: str) -> StoreSettings:
    cfg = tmp_path / "store.toml"
    cfg.write_text(f"[store]\n{toml}\n")
    return load_settings(cfg, env={}).store


@pytest.mark.parametrize(
    ("toml", "location"),
    [
        ("", SQLiteLocation("./data/briefbot.db")),
        ("path = 'old/b.db'", SQLiteLocation("old/b.db")),  # the older key keeps working
        ("url = 'sqlite:///rel/b.db'", SQLiteLocation("rel/b.db")),
        ("url = 'sqlite:////abs/b.db'", SQLiteLocation("/abs/b.db")),
        ("url = 'sqlite:///same.db'\npath = 'same.db'", SQLiteLocation("same.db")),
        ("url = 'postgresql://bot@db.internal:5432/briefbot'", PostgresLocation("postgresql://bot@db.internal:5432/briefbot")),
        ("url = 'postgres://bot@db/briefbot?sslmode=require'", PostgresLocation("postgres://bot@db/briefbot?sslmode=require")),
        ("url = 'postgresql://?service=briefbot'", PostgresLocation("postgresql://?service=briefbot")),
    ],
)  # fmt: skip
def test_store_url_or_path_names_the_database(tmp_path: Path, toml: str, location: object) -> None:
    assert _store(tmp_path, toml).location == location


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("url = 'postgresql://bot:hunter2secret@db/briefbot'", "[store] url must not contain a password"),
        ("url = 'postgresql://bot@db/b?password=hunter2secret'", "[store] url must not contain a password"),
        ("url = 'mysql://bot:hunter2secret@db/briefbot'", "[store] url is not a database URL"),
        ("url = 'briefbot.db'", "[store] url is not a database URL"),
        ("url = 'sqlite://'", "[store] url names no file"),
        ("url = 'sqlite:///a.db'\npath = 'b.db'", "[store] url and [store] path name different databases"),
        ("path = ''", "[store] path must name a file"),
        ("password_env = 'MY PASSWORD'", "[store] password_env = 'MY PASSWORD'"),
    ],
)  # fmt: skip
def test_a_bad_store_setting_is_named_and_a_password_never_repeated(
    tmp_path: Path, toml: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        _store(tmp_path, toml)
    assert message in str(caught.value)
    assert "hunter2secret" not in str(caught.value)


def test_discord_shards(tmp_path: Path) -> None:
    cfg = tmp_path / "shards.toml"
    cfg.write_text("[discord]\nshard_count = 4\nshard_ids = [2, 0]\n")
    discord = load_settings(cfg, env={}).discord
    assert (discord.shard_count, discord.shards, discord.registers_commands) == (4, (2, 0), True)
    cfg.write_text("[discord]\nshard_count = 4\nshard_ids = [3]\n")
    assert load_settings(cfg, env={}).discord.registers_commands is False
    cfg.write_text("[discord]\nshard_count = 3\n")  # every shard, in this one process
    assert load_settings(cfg, env={}).discord.shards == (0, 1, 2)
    assert Settings().discord.shards == ()  # unsharded, as one process always was
    assert Settings().discord.registers_commands is True


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("shard_count = 0", r"\[discord\] shard_count = 0: must be at least 1"),
        ("shard_count = -2\nshard_ids = [0]", r"shard_count = -2: must be at least 1"),
        ("shard_ids = [0]", r"\[discord\] shard_ids = \[0\] needs shard_count"),
        ("shard_count = 2\nshard_ids = [2]", r"shard_ids \[2\] not within 0\.\.1"),
        ("shard_count = 2\nshard_ids = [0, -1]", r"shard_ids \[-1\] not within 0\.\.1"),
        ("shard_count = 3\nshard_ids = [1, 2, 1]", r"shard_ids lists \[1\] more than once"),
        ("shard_count = '2'", r"\[discord\] shard_count = '2': expected an integer"),
        ("shard_count = 2\nshard_ids = 1", r"\[discord\] shard_ids = 1: expected a list"),
        ("shard_count = 2\nshard_ids = [true]", r"\[discord\] shard_ids = \[True\]: expected an integer"),
    ],
)
def test_bad_discord_shards_are_named(tmp_path: Path, toml: str, message: str) -> None:
    cfg = tmp_path / "shards.toml"
    cfg.write_text(f"[discord]\n{toml}\n")
    with pytest.raises(ConfigError, match=message):
        load_settings(cfg, env={})
