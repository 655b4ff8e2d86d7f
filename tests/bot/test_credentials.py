"""Secrets come from the environment, once, in one place; a token that is set but cannot be used
is never ignored without a word: the start-up log and ``briefbot doctor`` say what is missing and
what runs instead."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.credentials import Credentials, load_credentials
from bot.settings import Settings
from tests.bot.bot_process import BotProcess

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("env", "note"),
    [
        ({"SLACK_BOT_TOKEN": ""}, "Slack is not started: SLACK_BOT_TOKEN is set but empty"),
        ({"SLACK_BOT_TOKEN": "  ", "SLACK_APP_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN is set but empty"),
        ({"SLACK_APP_TOKEN": "xapp-1"}, "Slack is not started: SLACK_APP_TOKEN without SLACK_BOT_TOKEN"),
        ({"SLACK_SIGNING_SECRET": "s"}, "SLACK_SIGNING_SECRET without SLACK_BOT_TOKEN"),
        ({"DISCORD_TOKEN": " "}, "Discord is not started: DISCORD_TOKEN is set but empty"),
        ({"DISCORD_TOKEN": "\t\n"}, "Discord is not started: DISCORD_TOKEN is set but empty"),
    ],
)
def test_a_token_set_but_unusable_is_named(env: dict[str, str], note: str) -> None:
    credentials = load_credentials(Settings(), env)
    assert credentials.slack is None
    assert not credentials.discord_token
    assert any(note in n for n in credentials.notes), credentials.notes


def test_usable_tokens_start_their_platform_without_notes() -> None:
    env = {"SLACK_BOT_TOKEN": " xoxb-1 ", "SLACK_APP_TOKEN": "xapp-1", "DISCORD_TOKEN": "d-1"}
    credentials = load_credentials(Settings(), env)
    assert credentials.slack is not None
    assert credentials.slack.bot_token == "xoxb-1"
    assert credentials.discord_token == "d-1"
    assert credentials.notes == ()
    assert load_credentials(Settings(), {}).notes == ()  # nothing set: nothing to say


def test_no_secret_shows_in_a_repr() -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-secret", "SLACK_APP_TOKEN": "xapp-secret", "DISCORD_TOKEN": "secret-d"}
    settings = Settings().replace("llm", api_key_env="MY_KEY")
    credentials = load_credentials(settings, {**env, "MY_KEY": "secret-k"})
    assert credentials.llm_api_key == "secret-k"
    assert "secret" not in repr(credentials)
    assert "secret" not in str(credentials)


async def test_run_logs_what_is_missing_and_what_runs(tmp_path: Path) -> None:
    config = tmp_path / "briefbot.toml"
    config.write_text(f'[store]\npath = "{tmp_path / "briefbot.db"}"\n', encoding="utf-8")
    bot = await BotProcess.start(config, {"SLACK_BOT_TOKEN": "", "DISCORD_TOKEN": " "})
    try:
        await bot.expect("Type /brief help")
    finally:
        code, _ = await bot.stop(signal.SIGTERM)
    assert code == 0
    assert "Also connected" not in bot.out
    for platform, name in (("Slack", "SLACK_BOT_TOKEN"), ("Discord", "DISCORD_TOKEN")):
        line = f"msg={platform} is not started: {name} is set but empty; running: the terminal chat"
        assert line in bot.err, bot.err[-2000:]


def doctor(tmp_path: Path, env: dict[str, str], toml: str = "") -> subprocess.CompletedProcess[str]:
    """``briefbot doctor`` with only ``env``'s platform variables (not those of whoever runs this)."""
    config = tmp_path / "briefbot.toml"
    config.write_text(f'[store]\npath = "{tmp_path / "briefbot.db"}"\n{toml}', encoding="utf-8")
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    command = [sys.executable, "-m", "bot", "doctor", "--config", str(config)]
    return subprocess.run(
        command, cwd=ROOT, env={**inherited, **env}, capture_output=True, text=True, timeout=120, check=False
    )


def test_doctor_says_what_runs_and_what_is_missing(tmp_path: Path) -> None:
    done = doctor(tmp_path, {"SLACK_APP_TOKEN": "xapp-1", "DISCORD_TOKEN": "d-1"})
    assert done.returncode == 0, done.stderr
    assert "chat: the terminal, Discord" in done.stdout
    assert "chat: Slack is not started: SLACK_APP_TOKEN without SLACK_BOT_TOKEN" in done.stdout
    assert "xapp-1" not in done.stdout + done.stderr


def test_doctor_says_how_many_discord_replicas_may_run(tmp_path: Path) -> None:
    unsharded = doctor(tmp_path, {"DISCORD_TOKEN": "d-1"})
    assert "chat: Discord is unsharded: run it in one replica only" in unsharded.stdout
    sharded = doctor(tmp_path, {"DISCORD_TOKEN": "d-1"}, "[discord]\nshard_count = 2\nshard_ids = [1]\n")
    assert sharded.returncode == 0, sharded.stderr
    assert "chat: the terminal, Discord (shard 1 of 2)" in sharded.stdout
    assert "slash commands are registered by the replica holding shard 0" in sharded.stdout
    wrong = doctor(tmp_path, {"DISCORD_TOKEN": "d-1"}, "[discord]\nshard_count = 2\nshard_ids = [2]\n")
    assert wrong.returncode != 0
    assert "[discord] shard_ids [2] not within 0..1" in wrong.stderr


def test_doctor_fails_on_a_slack_token_without_its_partner(tmp_path: Path) -> None:
    done = doctor(tmp_path, {"SLACK_BOT_TOKEN": "xoxb-1"})
    assert done.returncode == 1
    assert "chat: ERROR [slack] mode = 'socket' needs SLACK_APP_TOKEN" in done.stdout


def test_credentials_default_is_empty() -> None:
    assert Credentials().slack is None
    assert Credentials().notes == ()
