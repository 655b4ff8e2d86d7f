"""Slack HTTP mode under a slow-client flood: open files, how long they stay, and Slack's ack.

Issue 14 found 3,000 half-sent, unauthenticated requests held open for 150 s (3,012 open files
in the bot). This opens ``--connections`` connections that each send half a request head and
then nothing, to the real adapter (AsyncApp behind aiohttp, default ``HttpLimits``) running in
its own process, and prints:

* the bot's open files before, at the peak of the flood, and once it is over;
* how long until the server had closed every flood connection (the header timeout bounds it);
* how long a correctly signed ``/brief help`` sent in the middle of the flood took to be acked.

    .venv/bin/python bench/slowloris.py [--connections 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import resource
import sys
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.adapters.slack_app import HttpLimits, SlackAdapter, SlackTokens, make_web_client  # noqa: E402
from bot.settings import SlackSettings  # noqa: E402
from tests.fakes.chat_service import FakeChatService  # noqa: E402
from tests.fakes.slack import BOT_TOKEN, SIGNING_SECRET, EventsClient, FakeSlack  # noqa: E402

HALF_HEAD = b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nX-Slack-Signature: v0="


def raise_file_limit() -> int:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def run_bot(api_url: str, ports: mp.Queue) -> None:  # type: ignore[type-arg]
    raise_file_limit()

    async def main() -> None:
        settings = SlackSettings(mode="http", host="127.0.0.1", port=0, api_url=api_url)
        tokens = SlackTokens(BOT_TOKEN, "", SIGNING_SECRET)
        async with aiohttp.ClientSession() as session:
            client = make_web_client(api_url, BOT_TOKEN, session)
            adapter = SlackAdapter(
                settings=settings,
                tokens=tokens,
                service=FakeChatService(),
                client=client,
                http_limits=HttpLimits(),
            )
            await adapter.start()
            ports.put(adapter.http_port)
            await asyncio.Event().wait()

    asyncio.run(main())


async def bench(connections: int) -> None:
    limit = raise_file_limit()
    if limit < connections + 100:
        print(f"open-file limit {limit} < {connections + 100}: fewer connections than asked")
        connections = max(10, limit - 100)
    limits = HttpLimits()
    async with FakeSlack() as slack:
        slack.add_user("U1", "Ann")
        ports: mp.Queue = mp.get_context("spawn").Queue()  # type: ignore[type-arg]
        bot = mp.get_context("spawn").Process(target=run_bot, args=(slack.api_url, ports), daemon=True)
        bot.start()
        assert bot.pid is not None
        port = await asyncio.get_running_loop().run_in_executor(None, ports.get)
        baseline = open_files(bot.pid)
        events = EventsClient(f"http://127.0.0.1:{port}/slack/events")
        flood: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        started = time.monotonic()
        peak = baseline
        for n in range(connections):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(HALF_HEAD)
            flood.append((reader, writer))
            if n % 250 == 0:
                peak = max(peak, open_files(bot.pid))
        peak = max(peak, open_files(bot.pid))
        sent = time.monotonic()
        status, _ = await events.command(
            "help", user="U1", channel="C1", response_url=slack.response_url("r")
        )
        ack = time.monotonic() - sent

        async def until_closed(reader: asyncio.StreamReader) -> float:
            try:
                while await reader.read(4096):
                    pass
            except ConnectionError:
                pass
            return time.monotonic() - started

        closed_after = await asyncio.gather(*(until_closed(r) for r, _ in flood))
        after = open_files(bot.pid)
        for _, writer in flood:
            writer.close()
        await events.close()
        bot.kill()
        bot.join()
    print(
        f"limits: header_timeout={limits.header_timeout:g}s body_timeout={limits.body_timeout:g}s "
        f"max_strangers={limits.max_strangers}"
    )
    print(f"flood: {connections} half-sent unauthenticated connections")
    print(f"bot open files: before {baseline}, peak during the flood {peak}, after {after}")
    print(f"every flood connection closed by the bot within {max(closed_after):.1f} s of the flood's start")
    print(f"signed /brief help during the flood: HTTP {status}, acked in {ack * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--connections", type=int, default=3000)
    asyncio.run(bench(parser.parse_args().connections))


if __name__ == "__main__":
    main()
