"""Building and rendering one big digest.

    .venv/bin/python bench/digest.py [--articles 2000] [--feeds 40] [--runs 5]

A channel follows 40 feeds (10 of them with keyword filters, 5 with a regular expression) and
2,000 briefed articles arrived since its last digest: invented stories, many of them told by
several outlets, so that grouping by story has real work to do. Measures the whole path the
scheduler takes — the store query, brief parsing, filters, story grouping, ranking — plus the
plain-text rendering (target: <= 1 s together). "cold" clears the parsed-brief cache first,
as for the first channel of a digest round; "warm" is a later channel sharing the articles.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.digest.collect import collect_digest, parse_brief  # noqa: E402
from bot.render.text import render  # noqa: E402
from bot.replies import ChannelRef  # noqa: E402
from bot.store import NewArticle, Store  # noqa: E402
from bot.store.channels import FIRST_DIGEST_LOOKBACK_S  # noqa: E402
from summarizer.brief import Actor, Brief, Place  # noqa: E402

VERBS = ["approves", "rejects", "delays", "opens", "closes", "expands", "cuts", "funds", "reviews", "bans"]
THINGS = [
    "tram line",
    "flood wall",
    "school budget",
    "port tariff",
    "wind farm",
    "water limits",
    "rail strike",
    "museum wing",
    "bridge repair",
    "clinic hours",
    "fishing quota",
    "housing plan",
    "bus fares",
]
FIRST = ["Ana", "Bram", "Chidi", "Dana", "Elif", "Farid", "Greta", "Hiro", "Ines", "Jonas", "Kofi", "Lena"]
TOWNS = [
    f"{a}{b}"
    for a in ("North", "South", "East", "West", "Port ", "Lake ")
    for b in ("haven", "ford", "bury", "field", "mouth", "wick", "stead")
]


SYLLABLES = ["ka", "lo", "mer", "vin", "tas", "ro", "del", "qui", "sar", "po", "len", "dra", "mu", "ter"]


def word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def story(rng: random.Random) -> tuple[str, list[str], list[str]]:
    """One invented event: a headline, the people in it, where it happened."""
    town = rng.choice([*TOWNS, *(word(rng) for _ in range(42))])
    headline = f"{town} council {rng.choice(VERBS)} {rng.choice(THINGS)} as {word(rng)} budget stalls"
    people = [f"{rng.choice(FIRST)} {word(rng)}" for _ in range(rng.randint(1, 3))]
    return headline, people, [town]


async def populate(store: Store, channel: ChannelRef, articles: int, feeds: int, rng: random.Random) -> float:
    now = time.time()
    await store.channels.ensure(channel, now - 7200)
    feed_ids = []
    for f in range(feeds):
        feed, _ = await store.feeds.add(
            f"https://outlet{f}.example/rss", 900, now - 7200, title=f"Outlet {f}"
        )
        feed_ids.append(feed.id)
        keywords = ("council", "budget") if f < 10 else ()
        pattern = r"\b(?:tram|rail|bus)\b" if 10 <= f < 15 else None
        await store.channels.subscribe(
            channel.key, feed.id, keywords=keywords, pattern=pattern, now=now - 7200
        )
    made = 0
    while made < articles:
        headline, people, places = story(rng)
        for _ in range(min(rng.choice([1, 1, 1, 2, 3, 5]), articles - made)):
            aid = f"a{made}"
            feed = rng.choice(feed_ids)
            title = rng.choice([headline, f"{headline}, officials say", f"Report: {headline}"])
            text = f"{title}. " + " ".join(
                f"{rng.choice(people)} said the {rng.choice(THINGS)} in {places[0]} would change."
                for _ in range(25)
            )
            await store.articles.add(
                NewArticle(
                    id=aid,
                    feed_id=feed,
                    guid=aid,
                    url=f"https://outlet{feed}.example/{aid}",
                    title=title,
                    source=f"Outlet {feed}",
                    text=text,
                ),
                now - 3600,
            )
            brief = Brief(
                id=aid,
                title=title,
                tldr=text[:200],
                who=tuple(Actor(p, role="official") for p in people),
                where=tuple(Place(p) for p in places),
                objectives=("settle the plan",),
                open_issues=("who pays",),
                backend="bench",
            )
            await store.articles.save_brief(brief, now - 3600 + made * 0.01)
            made += 1
    return now


async def main(articles: int, feeds: int, runs: int) -> None:
    rng = random.Random(7)
    channel = ChannelRef("console", "bench")
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(f"{tmp}/bench.db")
        now = await populate(store, channel, articles, feeds, rng)
        since = now - 7200 - FIRST_DIGEST_LOOKBACK_S
        results: dict[str, list[float]] = {"cold": [], "warm": []}
        for _ in range(runs):
            for kind in ("cold", "warm"):
                if kind == "cold":
                    parse_brief.cache_clear()
                began = time.perf_counter()
                reply = await collect_digest(
                    store, channel.key, since, now, max_items=10, title="Daily digest"
                )
                text = render(reply)
                results[kind].append(time.perf_counter() - began)
        stored = await store.channels.candidates(channel.key, since, now)
        await store.close()

    kept = len(stored)
    print(
        f"digest of {articles} new articles from {feeds} subscriptions (15 filtered): "
        f"{len(reply.items)} stories shown, {sum(len(i.sources) for i in reply.items)} sources, "
        f"{len(text)} characters of text"
    )
    for kind, times in results.items():
        print(
            f"  build + render, {kind}: median {statistics.median(times) * 1000:.0f} ms, "
            f"max {max(times) * 1000:.0f} ms over {runs} runs (target: <= 1000 ms) -> "
            f"{'OK' if max(times) <= 1.0 else 'SLOW'}"
        )
    assert kept == articles


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--feeds", type=int, default=40)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.articles, args.feeds, args.runs))
