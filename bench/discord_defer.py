"""How fast the Discord adapter acknowledges slash commands while it is busy posting a digest.

100 interactions arrive together on the gateway while a 40-story digest is being posted to a
channel under Discord's message rate limit (5 per 5 s, with 50 ms per REST call). For each
interaction we time the moment the fake Discord dispatched it to the moment its deferral
(callback type 5) reached the fake's REST server. Target: every one deferred within 1 s (p99),
none lost (each also gets its follow-up).

The fake Discord runs in the same process and event loop as the bot, so its own work counts
against the bot: the figures are an upper bound. Usage: .venv/bin/python bench/discord_defer.py
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.adapters.discord_app import DiscordAdapter  # noqa: E402
from bot.replies import ChannelRef, DigestItem, DigestReply, Source  # noqa: E402
from bot.settings import DiscordSettings  # noqa: E402
from summarizer.brief import Actor, Brief, Place  # noqa: E402
from tests.fakes.chat_service import FakeChatService  # noqa: E402
from tests.fakes.discord import TOKEN, FakeDiscord, Guild  # noqa: E402

GUILD, CHANNEL, DIGEST_CHANNEL = 900_000_000_000_000_001, 900_000_000_000_000_010, 900_000_000_000_000_011
COMMANDS = (
    ("url", {"url": "https://news.example/story"}),
    ("ask", {"question": "Who is negotiating the port deal?"}),
    ("feeds", {}),
    ("digest", {}),
)


def digest(stories: int) -> DigestReply:
    """Invented stories of realistic size."""
    items = []
    for n in range(stories):
        brief = Brief(
            id=f"story-{n}",
            title=f"Regional council {n} approves harbour expansion after months of debate",
            tldr="The council voted 31 to 12 to fund a new container quay; opponents warn about "
            "dredging costs and the impact on the fishing fleet, and a court challenge is expected. " * 2,
            who=tuple(Actor(f"Official {k}", "deputy mayor for transport") for k in range(5)),
            where=(Place("Northport", "city hall"), Place("Kessel Bay")),
            objectives=("fund the new container quay", "create 400 port jobs", "finish dredging by 2028"),
            open_issues=("dredging costs", "impact on the fishing fleet", "a likely court challenge"),
        )
        sources = tuple(Source(f"s{k}", f"https://outlet{k}.example/{n}", f"Outlet {k}") for k in range(3))
        items.append(DigestItem(brief, brief.id, sources))
    return DigestReply("Daily digest — bench", tuple(items), period="bench")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


async def main(count: int, stories: int, work: float) -> int:
    guild = Guild(GUILD, channels=(CHANNEL, DIGEST_CHANNEL))
    async with FakeDiscord(guilds=[guild], message_bucket=(5, 5.0)) as fake:
        fake.delay("POST", r"^/channels/\d+/messages$", 0.05)
        fake.delay("POST", r"^/webhooks/", 0.05)
        service = FakeChatService(delay=work)
        settings = DiscordSettings(guild_ids=(GUILD,), api_url=fake.api_url, gateway_url=fake.gateway_url)
        adapter = DiscordAdapter(service, TOKEN, settings, guild_ready_timeout=0.05)
        await adapter.start()
        try:
            await asyncio.wait_for(adapter.wait_until_ready(), 10)
            where = ChannelRef("discord", str(DIGEST_CHANNEL), str(GUILD))
            posting = asyncio.create_task(adapter.poster.post(where, digest(stories)))
            await fake.wait_for(lambda: fake.channel_messages(DIGEST_CHANNEL), 10, "the digest to start")

            digest_before = len(fake.channel_messages(DIGEST_CHANNEL))
            started = time.perf_counter()
            ids = []
            for n in range(count):
                sub, options = COMMANDS[n % len(COMMANDS)]
                ids.append(await fake.slash(sub, guild_id=GUILD, channel_id=CHANNEL, **options))  # type: ignore[arg-type]
            burst = time.perf_counter() - started

            def answered() -> int:
                return len({m.interaction_id for m in fake.messages if m.interaction_id in set(ids)})

            with contextlib.suppress(AssertionError):
                await fake.wait_for(lambda: answered() == count, 120, "every follow-up")
            digest_ids = await asyncio.wait_for(posting, 120)
        finally:
            await adapter.stop()

        callbacks = {c.interaction_id: c for c in fake.callbacks if c.interaction_id in set(ids)}
        deferred = [c for c in callbacks.values() if c.type == 5 and c.status == 200]
        latencies = [c.delay for c in deferred]
        first_digest = fake.channel_messages(DIGEST_CHANNEL)[0].at
        last_digest = fake.channel_messages(DIGEST_CHANNEL)[-1].at
        limited = sum(1 for r in fake.requests if r.status == 429)
        print(
            f"interactions sent:     {count} (burst took {burst * 1000:.0f} ms), "
            f"service work {work * 1000:.0f} ms each"
        )
        print(
            f"deferred (type 5, OK): {len(deferred)}/{count}; within 1 s: {sum(x <= 1 for x in latencies)}; "
            f"within 3 s: {sum(x <= 3 for x in latencies)}"
        )
        if latencies:
            print(
                f"defer latency:         p50 {percentile(latencies, 50) * 1000:.0f} ms, "
                f"p99 {percentile(latencies, 99) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
            )
        print(f"answered (follow-up):  {answered()}/{count}; lost: {count - answered()}")
        print(
            f"digest:                {len(digest_ids)} messages, {stories} stories, posted over "
            f"{last_digest - first_digest:.1f} s; the burst came after message {digest_before}; "
            f"429s from the fake: {limited}"
        )
        ok = len(latencies) == count and percentile(latencies, 99) <= 1.0 and answered() == count
        print("target (p99 <= 1 s, none lost):", "met" if ok else "NOT met")
        return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--stories", type=int, default=40)
    parser.add_argument("--work", type=float, default=0.2, help="seconds each service call takes")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    raise SystemExit(asyncio.run(main(args.count, args.stories, args.work)))
