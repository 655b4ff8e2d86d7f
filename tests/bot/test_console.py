"""The terminal chat, end to end: ``briefbot run`` as a subprocess driven through a pipe (as a
script would) and through a pty (as a person would); web feeds served by a loopback server."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import io
import os
import pty
import re
import signal
import sqlite3
import sys
import termios
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.adapters.console import ConsoleOutput
from bot.schedules import period_key
from tests.bot.bot_process import BotProcess
from tests.fakes.feed_site import FeedSite, rss

ROOT = Path(__file__).resolve().parents[2]
DIGEST_POSTED = "Daily digest — "  # the title of a scheduled digest (not "Daily digest set: …")


async def first_digest(bot: BotProcess, articles: int) -> int:
    """Ask for the digest once the background briefing has briefed ``articles`` (the bot's
    "queue done briefed=N" log lines are the barrier); where in the output its answer starts."""
    deadline = time.monotonic() + 120
    while sum(map(int, re.findall(r"queue done briefed=(\d+)", bot.err))) < articles:
        assert time.monotonic() < deadline, bot.err[-3000:]
        await bot.expect(r"queue done briefed=\d+", stream="err", after=len(bot.err))
    mark = len(bot.out)
    await bot.send("/brief digest")
    await bot.expect("Digest so far", after=mark)
    return mark


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "briefbot.toml"
    path.write_text(f'[store]\npath = "{tmp_path / "data" / "briefbot.db"}"\n', encoding="utf-8")
    return path


FERRY = (
    "The ferry between Northport and Kell Island returned to service on Monday, three weeks after a storm "
    "damaged the landing stage at Kell. The operator, Blue Heron Lines, said the crossing would run every "
    "forty minutes. Harbour master Ines Kowalczyk said the repairs cost about two million crowns."
)


@pytest.mark.timeout(240)
async def test_a_scripted_session_subscribes_ingests_digests_and_answers(config: Path) -> None:
    bot = await BotProcess.start(config)
    try:
        await bot.expect("Type /brief help")
        assert "/brief subscribe sample" in bot.out  # a new, empty database offers the sample feed
        await bot.send("/brief subscribe sample")
        await bot.expect(r"Subscribed this channel to Briefbot sample news \(subscription 1\)")
        mark = await first_digest(bot, 8)  # the sample articles are briefed in the background
        digest = await bot.expect(r"Digest so far[^\n]*\n(\d+) stories", after=mark)
        assert int(digest.group(1)) < 8  # several outlets' reports of one event are one story
        await bot.expect(r"Sources \(\d\):", after=mark)

        mark = len(bot.out)
        await bot.send("@briefbot How much water may households use per day?")
        await bot.expect(r"120 litres[\s\S]*Sources:\n  \[1\] Drought forces water limits", after=mark)
        mark = len(bot.out)
        await bot.send("/brief ask who leads the Halden Teachers' Union?")
        await bot.expect("Natarajan", after=mark)
        mark = len(bot.out)
        await bot.send("/brief " + FERRY)
        await bot.expect(r"Who: .*Kowalczyk", after=mark)
        mark = len(bot.out)
        await bot.send("/brief frobnicate")
        await bot.expect("I don't know the command 'frobnicate'", after=mark)
        await bot.send("hello?")
        await bot.expect("Commands start with /brief", after=mark)
        mark = len(bot.out)
        await bot.send("/brief unsubscribe ²")  # looks like a digit, is not an id
        await bot.expect(r"'²' is not a subscription id.*\n.*/brief unsubscribe <id>", after=mark)
        assert "went wrong" not in bot.out[mark:]

        # End of input: the bot keeps running (its scheduler too) until it is signalled.
        assert bot.proc.stdin is not None
        bot.proc.stdin.close()
        await bot.expect("console input ended; the bot keeps running", stream="err")
        assert bot.proc.returncode is None
    finally:
        code, took = await bot.stop(signal.SIGTERM)
    assert code == 0
    assert took < 10


STORIES = [
    (
        "/valley/flood-wall",
        "Valley council approves new flood wall",
        "The Millbrook valley council approved a new flood wall on Tuesday after two winters of flooding. "
        "Council leader Dana Ruiz said the wall would protect four hundred homes along the river. Farmers "
        "upstream worry that the wall will push water onto their fields.",
    ),
    (
        "/valley/rail-strike",
        "Rail strike called off after late deal",
        "Train drivers in the northern region called off a planned strike on Wednesday after the rail "
        "operator agreed to a new pay offer. Union leader Omar Haddad said the members would vote on the "
        "deal next week.",
    ),
    (
        "/valley/orchard",
        "Millbrook orchard wins regional cider prize",
        "A family orchard in Millbrook won the regional cider prize on Saturday. Owner Hanna Berglund said "
        "the dry summer had given the apples an unusual sweetness, and that the orchard would open a "
        "tasting room next spring.",
    ),
]


def _serve(site: FeedSite, stories: list[tuple[str, str, str]]) -> str:
    """Each story as a page and as a feed item linking to it (every link on loopback: the bot
    process is not guarded by this test suite's network fixture)."""
    items = []
    for path, title, text in stories:
        link = site.add(
            path,
            f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1><p>{text}</p>"
            "</article></body></html>",
        )
        items.append({"title": title, "link": link, "text": f"<p>{text[:60]}</p>"})
    return site.add("/valley/rss", rss("Valley Post", items), "application/rss+xml")


@pytest.mark.timeout(240)
async def test_a_channel_follows_a_web_feed_and_briefbot_ingest_runs_beside_the_bot(tmp_path: Path) -> None:
    db = tmp_path / "data" / "briefbot.db"
    config = tmp_path / "briefbot.toml"
    config.write_text(f'[store]\npath = "{db}"\n\n[fetch]\nallow_private_networks = true\n', encoding="utf-8")
    async with FeedSite() as site:
        feed = _serve(site, STORIES[:2])
        bot = await BotProcess.start(config)
        try:
            await bot.expect("Type /brief help")
            await bot.send(f"/brief subscribe {feed}")
            await bot.expect(r"Subscribed this channel to Valley Post \(subscription 1\)")
            mark = await first_digest(bot, 2)  # the scheduler polls the new feed at once and briefs it
            await bot.expect(r"Digest so far[^\n]*\n2 stories", after=mark)
            await bot.expect(r"Rail strike called off", after=mark)
            await bot.expect(r"Valley council approves new flood wall", after=mark)
            assert site.hits.count("/valley/flood-wall") == 1  # the page itself was read

            # `briefbot ingest` on the same database while the bot runs: a new story appears.
            _serve(site, STORIES)
            ingest = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "ingest",
                "--all",
                "--config",
                str(config),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                cwd=tmp_path,
            )
            out, err = await asyncio.wait_for(ingest.communicate(), 120)
            assert ingest.returncode == 0, err.decode()
            assert "1 new articles" in out.decode(), out.decode()
            mark = len(bot.out)
            await bot.send("/brief digest")
            await bot.expect(r"Digest so far[^\n]*\n3 stories", after=mark)
            await bot.expect(r"Millbrook orchard wins regional cider prize", after=mark)
            mark = len(bot.out)
            await bot.send("/brief feeds")
            await bot.expect(rf"Valley Post[^\n]*\n[^\n]*{re.escape(feed)}", after=mark)
        finally:
            code, _ = await bot.stop(signal.SIGTERM)
    assert code == 0
    with sqlite3.connect(db) as conn:  # nothing twice, though two processes briefed
        assert conn.execute("SELECT COUNT(*) FROM articles").fetchone() == (3,)
        assert conn.execute("SELECT COUNT(*) FROM briefs").fetchone() == (3,)


@pytest.mark.timeout(360)
async def test_a_digest_set_ahead_in_another_timezone_arrives_exactly_once_across_restarts(
    config: Path,
) -> None:
    zone = ZoneInfo("Asia/Kolkata")  # UTC+05:30, unlike this machine
    first = await BotProcess.start(config)
    try:
        await first.expect("Type /brief help")
        await first.send("/brief subscribe sample")
        await first.expect("Subscribed this channel")
        # Seconds ahead, not the next minute: schedules take seconds.
        due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=20)
        at = due.astimezone(zone).strftime("%H:%M:%S")
        await first.send(f"/brief schedule {at} Asia/Kolkata")
        await first.expect(rf"Daily digest set: {at} Asia/Kolkata, every day\. Next: ")
    finally:
        assert (await first.stop(signal.SIGINT))[0] == 0
    stopped_before_due = datetime.now(UTC) < due

    second = await BotProcess.start(config)  # restarted (before the digest is due, normally)
    try:
        await second.expect(DIGEST_POSTED, timeout=(due - datetime.now(UTC)).total_seconds() + 90)
        # The barrier: catch-up has looked at every channel; a second post would come from it.
        await second.expect(r"catch-up done channels=1", stream="err")
    finally:
        assert (await second.stop(signal.SIGINT))[0] == 0

    third = await BotProcess.start(config)  # restarted after it was posted: catch-up must not repeat it
    try:
        await third.expect("Type /brief help")
        await third.expect(r"catch-up done channels=1 posted=0", stream="err")
        await third.send("/brief feeds")
        await third.expect(r"Feeds this channel follows \(digest")
    finally:
        assert (await third.stop(signal.SIGINT))[0] == 0

    # Exactly once across the three runs; by the one running at the time it was due (the first,
    # had stopping it taken longer than the margin).
    counts = [p.out.count(DIGEST_POSTED) for p in (first, second, third)]
    assert counts == ([0, 1, 0] if stopped_before_due else [1, 0, 0]), counts
    with sqlite3.connect(config.parent / "data" / "briefbot.db") as conn:
        rows = conn.execute("SELECT ref, state FROM deliveries WHERE kind = 'digest'").fetchall()
    assert rows == [(period_key(due.astimezone(zone)), "posted")]
    posted_by = second if stopped_before_due else first
    digest = posted_by.out[posted_by.out.index(DIGEST_POSTED) :]
    assert "Calder Bridge" in digest
    assert "Sources (" in digest


@pytest.mark.timeout(120)
async def test_quit_stops_the_bot(config: Path) -> None:
    bot = await BotProcess.start(config)
    await bot.expect("Type /brief help")
    await bot.send("/brief feeds")
    await bot.send("quit")
    code = await bot.wait(30)
    assert code == 0
    assert "Feeds this channel follows" in bot.out


@pytest.mark.timeout(120)
async def test_the_model_is_loaded_before_the_bot_takes_any_work(config: Path) -> None:
    """The first brief after a start does not wait for the model (nor does a replica that
    joins busy ones hold claimed work while it loads): the model is loaded before the
    scheduler starts, and the log says how long it took."""
    bot = await BotProcess.start(config)
    loaded = await bot.expect(r"brief model loaded seconds=\d", stream="err")
    await bot.expect("scheduler started", stream="err", after=loaded.end())
    await bot.send("quit")
    assert await bot.wait(30) == 0


def _own_terminal() -> None:
    """In the child: a session of its own with the pty as controlling terminal, so that the
    terminal turns Ctrl-C into SIGINT for it, as a shell would arrange."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


@pytest.mark.timeout(120)
async def test_in_a_terminal_there_is_a_prompt_and_ctrl_c_stops_the_bot(config: Path) -> None:
    leader, follower = pty.openpty()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--config",
        str(config),
        stdin=follower,
        stdout=follower,
        stderr=asyncio.subprocess.DEVNULL,
        cwd=config.parent,
        preexec_fn=_own_terminal,
    )
    os.close(follower)
    out = ""

    async def expect(text: str, timeout: float = 60) -> None:
        nonlocal out
        deadline = time.monotonic() + timeout
        while text not in out:
            assert time.monotonic() < deadline, f"{text!r} not in {out!r}"
            with contextlib.suppress(BlockingIOError, OSError):
                out += os.read(leader, 4096).decode(errors="replace")
            await asyncio.sleep(0.05)

    os.set_blocking(leader, False)
    try:
        await expect("briefbot> ")
        os.write(leader, b"/brief mode\n")
        await expect("Mode: digest.")
        os.write(leader, b"\x03")  # Ctrl-C, as the terminal delivers it
        code = await asyncio.wait_for(proc.wait(), 15)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        os.close(leader)
    assert code == 0


def test_console_output_cannot_drive_the_terminal() -> None:
    out = io.StringIO()
    ConsoleOutput(out, interactive=False).write("Digest\x1b]0;PWNED\x07\x1b[2J \u202eevil\x9b31m\nnext line")
    assert out.getvalue() == "Digest]0;PWNED[2J evil31m\nnext line\n\n"


async def test_an_over_long_line_is_refused_whole_and_its_tail_never_runs(config: Path) -> None:
    bot = await BotProcess.start(config)
    try:
        await bot.expect("Type /brief help")
        await bot.send("/brief schedule 07:00 UTC")
        await bot.expect("Daily digest set: 07:00 UTC")
        # Pasted text whose 250,001st character starts a command.
        head = "/brief " + "word " * 50_000
        mark = len(bot.out)
        await bot.send(head[:250_000] + "/brief schedule off")
        await bot.expect("longer than 250,000 characters was ignored; none of it was run", after=mark)
        # Text in Latin-1 (a byte that is not UTF-8) is read, not the end of the input.
        assert bot.proc.stdin is not None
        bot.proc.stdin.write(b"@briefbot who runs the caf\xe9 on the quay?\n")
        await bot.send("/brief schedule")
        await bot.expect(r"Digest: 07:00 UTC", after=mark)
        assert "turned off" not in bot.out
        assert "went wrong" not in bot.out
    finally:
        await bot.stop()
