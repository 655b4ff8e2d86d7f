"""``briefbot run`` starts what the settings and the environment enable: the terminal always,
Slack with its tokens, Discord with its token, both at once in one process and one loop.

The platforms are the fakes on loopback, reached only through the contract: ``[slack] api_url``,
``[discord] api_url``/``gateway_url`` and the token environment variables.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import re
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import serve
from bot.credentials import load_credentials
from bot.settings import Settings, load_settings
from summarizer.errors import ConfigError
from tests.bot.adapters.real_stack import goal
from tests.bot.bot_process import BotProcess
from tests.fakes import slack as fake_slack
from tests.fakes.discord import TOKEN, FakeDiscord, Guild
from tests.fakes.slack import FakeSlack
from tests.fakes.web import story

pytestmark = pytest.mark.timeout(240)

GUILD = 910_000_000_000_000_001
CHANNEL = 910_000_000_000_000_010
SLACK_ENV = {"SLACK_BOT_TOKEN": fake_slack.BOT_TOKEN, "SLACK_APP_TOKEN": fake_slack.APP_TOKEN}
DISCORD_ENV = {"DISCORD_TOKEN": TOKEN}


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        fake.add_user("U1", "Ann")
        yield fake


@pytest.fixture
async def discord() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(guilds=[Guild(GUILD, channels=(CHANNEL,))]) as fake:
        yield fake


def write_config(
    tmp_path: Path, slack: FakeSlack | None = None, discord: FakeDiscord | None = None, gateway: str = ""
) -> Path:
    lines = [
        f'[store]\npath = "{tmp_path / "data" / "briefbot.db"}"',
        "[fetch]\nallow_private_networks = true",  # the articles are on the loopback web
    ]
    if slack is not None:
        lines.append(f'[slack]\nmode = "socket"\napi_url = "{slack.api_url}"')
    if discord is not None:
        gateway = gateway or discord.gateway_url
        lines.append(
            f'[discord]\nguild_ids = [{GUILD}]\napi_url = "{discord.api_url}"\ngateway_url = "{gateway}"'
        )
    path = tmp_path / "briefbot.toml"
    path.write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- the whole program ---------------------------------------------------------------------------


async def test_run_starts_slack_and_discord_together_with_the_terminal_and_sigterm_stops_all(
    tmp_path: Path, slack: FakeSlack, discord: FakeDiscord
) -> None:
    article = story(11)
    bot = await BotProcess.start(write_config(tmp_path, slack, discord), {**SLACK_ENV, **DISCORD_ENV})
    try:
        await bot.expect(r"Also connected to Slack \(socket mode\) and Discord\.")
        assert slack.socket_open
        assert discord.identifies == 1
        assert [scope for scope, _ in discord.command_syncs] == [GUILD]

        # Slack, over Socket Mode: acknowledged at once, then the brief replaces the working note.
        pasted = " ".join(article.paragraphs)
        envelope = await slack.send_command(pasted, user="U1", channel="C1", response_key="s1")
        await asyncio.wait_for(envelope.acked.wait(), 3)
        [brief] = await slack.wait_until(
            lambda: [m for m in slack.bot_messages("C1") if m.updates], timeout=90
        )
        assert any(b["type"] == "header" for b in brief.blocks)
        assert "Working on it" not in brief.text

        # Discord, in the same process, loop and store: deferred, then an answer about that article.
        interaction = await discord.slash(
            "ask", guild_id=GUILD, channel_id=CHANNEL, question="What does the plan aim to do?"
        )
        [answer] = await discord.wait_for(
            lambda: [m for m in discord.messages if m.interaction_id == interaction], timeout=90
        )
        assert discord.callbacks[0].type == 5  # deferred first
        assert goal(article) in answer.content

        # And the terminal still answers.
        await bot.send("@briefbot What does the plan aim to do?")
        await bot.expect(r"Sources:")
        assert bot.proc.stdin is not None
        bot.proc.stdin.close()  # end of input: the bot keeps running until signalled
        await bot.expect("console input ended; the bot keeps running", stream="err")
        assert bot.proc.returncode is None
    finally:
        code, took = await bot.stop(signal.SIGTERM)
    assert code == 0, bot.err[-3000:]
    assert took < 10
    await slack.wait_until(lambda: not slack.socket_open, timeout=5)
    assert discord.session is not None
    assert discord.session.ws is None  # the gateway connection was closed too
    assert "Traceback" not in bot.err
    # A clean run: nothing from Briefbot itself to worry an operator (libraries may still
    # grumble on a loaded machine, e.g. about a late heartbeat).
    assert not re.search(r"level=(WARNING|ERROR) logger=(bot|briefbot|slack_bolt)\b", bot.err), bot.err


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DISCORD_TOKEN": "not-the-token"}, "briefbot: Discord rejected the bot token in DISCORD_TOKEN"),
        (
            {"SLACK_BOT_TOKEN": "xoxb-revoked", "SLACK_APP_TOKEN": fake_slack.APP_TOKEN},
            "briefbot: Slack refused SLACK_BOT_TOKEN (invalid_auth)",
        ),
    ],
)
async def test_a_refused_token_stops_run_with_one_clear_line(
    tmp_path: Path, slack: FakeSlack, discord: FakeDiscord, env: dict[str, str], message: str
) -> None:
    bot = await BotProcess.start(write_config(tmp_path, slack, discord), env)
    code = await bot.wait(90)
    assert code == 1
    assert bot.err.strip().splitlines()[-1] == message
    assert "Traceback" not in bot.err


# -- start-up and shutdown in one process ----------------------------------------------------------


async def run_serve(settings: Settings, env: dict[str, str]) -> int:
    return await serve(settings, load_credentials(settings, env), io.StringIO(""), io.StringIO())


async def test_slack_without_its_second_secret_names_the_missing_variable(
    tmp_path: Path, slack: FakeSlack
) -> None:
    settings = load_settings(write_config(tmp_path, slack))
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN"):
        await run_serve(settings, {"SLACK_BOT_TOKEN": fake_slack.BOT_TOKEN})


async def test_an_unreachable_discord_gateway_stops_start_up_with_its_address(
    tmp_path: Path, discord: FakeDiscord
) -> None:
    nowhere = f"ws://127.0.0.1:{unused_port()}/gateway"
    settings = load_settings(write_config(tmp_path, discord=discord, gateway=nowhere))
    began = time.monotonic()
    with pytest.raises(ConfigError, match=re.escape(nowhere)):
        await run_serve(settings, DISCORD_ENV)
    assert time.monotonic() - began < 40


async def test_both_platforms_failing_at_once_still_stop_cleanly(
    tmp_path: Path, slack: FakeSlack, discord: FakeDiscord
) -> None:
    settings = load_settings(write_config(tmp_path, slack, discord))
    env = {"SLACK_BOT_TOKEN": "xoxb-revoked", "SLACK_APP_TOKEN": fake_slack.APP_TOKEN, "DISCORD_TOKEN": "bad"}
    with pytest.raises(ConfigError, match=r"Slack refused|Discord rejected"):
        await run_serve(settings, env)
    assert not slack.socket_open


async def test_the_gateway_refusing_the_token_later_ends_run_with_an_error(
    tmp_path: Path, discord: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    """A revoked token (close code 4004) is not retried by discord.py: rather than run on
    without Discord, the process ends with status 1 so that a supervisor notices."""
    settings = load_settings(write_config(tmp_path, discord=discord))
    caplog.set_level(logging.INFO, logger="bot.app")
    running = asyncio.create_task(run_serve(settings, DISCORD_ENV))
    await discord.wait_for(lambda: "chat platforms connected" in caplog.text, timeout=60, what="start-up")
    await discord.force_disconnect(code=4004)
    code = await asyncio.wait_for(running, 30)
    assert code == 1
    assert "stopping: the Discord gateway" in caplog.text
    assert "4004" in caplog.text


async def test_a_signal_while_connecting_stops_at_once(tmp_path: Path, discord: FakeDiscord) -> None:
    # A gateway that accepts the connection and then says nothing: start-up is left waiting.
    held: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    settings = load_settings(
        write_config(tmp_path, discord=discord, gateway=f"ws://127.0.0.1:{port}/gateway")
    )
    try:
        running = asyncio.create_task(run_serve(settings, DISCORD_ENV))
        await discord.wait_for(lambda: held, timeout=60, what="the gateway connection")
        began = time.monotonic()
        assert not running.done()  # serve() handles the signal only while it runs
        os.kill(os.getpid(), signal.SIGTERM)
        assert await asyncio.wait_for(running, 15) == 0
        assert time.monotonic() - began < 10
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_slack_in_http_mode_and_discord_serve_from_one_loop(
    tmp_path: Path, slack: FakeSlack, discord: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    config = write_config(tmp_path, slack, discord)
    config.write_text(
        config.read_text().replace('mode = "socket"', 'mode = "http"\nhost = "127.0.0.1"\nport = 0'),
        encoding="utf-8",
    )
    settings = load_settings(config)
    env = {
        "SLACK_BOT_TOKEN": fake_slack.BOT_TOKEN,
        "SLACK_SIGNING_SECRET": fake_slack.SIGNING_SECRET,
        **DISCORD_ENV,
    }
    caplog.set_level(logging.INFO)
    out = io.StringIO()
    running = asyncio.create_task(serve(settings, load_credentials(settings, env), io.StringIO(""), out))
    try:
        # The greeting follows the "connected" log line (after a store query): wait for it.
        greeting = "Also connected to Slack (http mode) and Discord."
        await discord.wait_for(lambda: greeting in out.getvalue(), timeout=60, what="start-up")
        assert "chat platforms connected" in caplog.text
        port = re.search(r"slack http mode listening port=(\d+)", caplog.text)
        assert port is not None
        events = fake_slack.EventsClient(f"http://127.0.0.1:{port.group(1)}/slack/events")
        try:
            status, _ = await events.command(
                "help", user="U1", channel="C1", response_url=slack.response_url("h")
            )
            assert status == 200
            [help_] = await slack.wait_until(lambda: slack.responses_to("h"))
            assert "/brief subscribe" in help_["text"] + str(help_["blocks"])
        finally:
            await events.close()
        interaction = await discord.slash("feeds", guild_id=GUILD, channel_id=CHANNEL)
        [feeds] = await discord.wait_for(
            lambda: [m for m in discord.messages if m.interaction_id == interaction]
        )
        assert "Feeds this channel follows" in json.dumps(feeds.embeds)
    finally:
        began = time.monotonic()
        if not running.done():  # (only while serve() handles the signal: else it would end pytest)
            os.kill(os.getpid(), signal.SIGTERM)
        assert await asyncio.wait_for(running, 20) == 0
    assert time.monotonic() - began < 10
    assert discord.session is not None
    assert discord.session.ws is None


def unused_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- replicas ---------------------------------------------------------------------------------------

# A server on each of two shards: Discord routes a guild to shard (guild_id >> 22) % shard_count.
SHARDED_GUILDS = (930_000_000_000_000_000 >> 23 << 23, (930_000_000_000_000_000 >> 23 << 23) + (1 << 22))


async def test_two_replicas_split_discord_by_shard_and_register_commands_once(tmp_path: Path) -> None:
    """``[discord] shard_count``/``shard_ids``: two ``briefbot run`` on one store, one shard each."""
    database = tmp_path / "data" / "briefbot.db"
    guild_ids = ", ".join(map(str, SHARDED_GUILDS))
    bots: list[BotProcess] = []
    async with FakeDiscord(guilds=[Guild(g, channels=(g + 10,)) for g in SHARDED_GUILDS]) as fake:
        try:
            for shard in (0, 1):
                config = tmp_path / f"replica-{shard}" / "briefbot.toml"
                config.parent.mkdir()
                config.write_text(
                    f'[store]\npath = "{database}"\n\n[discord]\nguild_ids = [{guild_ids}]\n'
                    f'api_url = "{fake.api_url}"\ngateway_url = "{fake.gateway_url}"\n'
                    f"shard_count = 2\nshard_ids = [{shard}]\n",
                    encoding="utf-8",
                )
                bots.append(bot := await BotProcess.start(config, DISCORD_ENV))
                await bot.expect(rf"Also connected to Discord \(shard {shard} of 2\)\.")
                assert f"guilds=1 sharding='shard {shard} of 2'" in bot.err  # its own server only
            assert sorted(s.shard for s in fake.sessions.values()) == [(0, 2), (1, 2)]
            assert [scope for scope, _ in fake.command_syncs] == list(SHARDED_GUILDS)  # by replica 0
            assert "discord commands left to the replica holding shard 0" in bots[1].err
            for guild in SHARDED_GUILDS:  # each server's command is answered, once
                asked = await fake.slash("feeds", guild_id=guild, channel_id=guild + 10)
                await fake.wait_for(lambda a=asked: [m for m in fake.messages if m.interaction_id == a], 60)
                assert len([c for c in fake.callbacks if c.interaction_id == asked]) == 1
        finally:
            for bot in bots:
                code, _ = await bot.stop(signal.SIGTERM)
                assert code == 0, bot.err[-3000:]
    assert not any("Traceback" in bot.err for bot in bots)
