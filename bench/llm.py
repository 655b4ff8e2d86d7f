"""What the LLM backend costs on top of the model, and whether 50 briefs keep the limit.

    .venv/bin/python bench/llm.py [--n 200]

Starts the fake OpenAI-compatible server (tests/fakes/openai_server.py) in its own process, so
its work is not counted as ours, and measures:

1. the model's own latency: the same request the backend sends, posted with bare httpx;
2. a brief through ``LLMBriefBackend`` (cache misses: every article differs);
3. the difference, i.e. what prompting, trimming, parsing, validating and grounding add
   (target: <= 5 ms per brief), also for a 200 KB article that must be trimmed;
4. 50 concurrent briefs against a server that takes 50 ms, with max_concurrency = 4: the
   most requests the server ever saw in flight.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer.brief import Article  # noqa: E402
from summarizer.llm import LLMBriefBackend, LLMClient, LLMConfig  # noqa: E402
from summarizer.llm.budget import fit_to_budget  # noqa: E402
from summarizer.llm.prompts import BRIEF_SCHEMA, brief_messages  # noqa: E402
from summarizer.local import LocalBackend  # noqa: E402
from tests.summarizer.llm.articles import BRIDGE, bridge_brief, huge_article  # noqa: E402

MAX_TOKENS = 6000


@contextlib.contextmanager
def fake_server(delay: float) -> Iterator[str]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        f.write(json.dumps(bridge_brief()))
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.openai_server", "--reply", f.name, "--delay", str(delay)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        Path(f.name).unlink()


async def timed(n: int, call: Callable[[int], Awaitable[object]]) -> list[float]:
    """Milliseconds per call, after a few warm-up calls."""
    for i in range(5):
        await call(-1 - i)
    out: list[float] = []
    for i in range(n):
        start = time.perf_counter()
        await call(i)
        out.append((time.perf_counter() - start) * 1000)
    return out


def variant(article: Article, i: int) -> Article:
    return dataclasses.replace(article, id=f"{article.id}-{i}", text=f"{article.text}\n\nUpdate {i}.")


async def overhead(base_url: str, n: int) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        client = LLMClient(http, LLMConfig(base_url=base_url, model="fake-model", max_concurrency=4))
        backend = LLMBriefBackend(client, LocalBackend(), max_input_tokens=MAX_TOKENS)
        url = base_url + "/chat/completions"

        for label, article in (("840 B article", BRIDGE), ("200 KB article", huge_article())):
            runs = n if len(article.text) < 10_000 else max(20, n // 10)
            bodies = {}  # built beforehand: the bare request must cost only the HTTP round trip
            for i in range(-5, runs):
                a = variant(article, i)
                bodies[i] = {
                    "model": "fake-model",
                    "messages": brief_messages(a.title, fit_to_budget(a.text, MAX_TOKENS, a.title).text),
                    "response_format": {
                        "type": "json_schema",
                        "json_schema": {"name": "reply", "strict": True, "schema": BRIEF_SCHEMA},
                    },
                }

            async def raw(i: int, bodies: dict[int, object] = bodies) -> None:
                (await http.post(url, json=bodies[i])).raise_for_status()

            async def brief(i: int, article: Article = article) -> None:
                result = await backend.brief(variant(article, i))
                assert result.backend == "llm:fake-model", result.backend

            model = await timed(runs, raw)
            ours = await timed(runs, brief)
            print(f"{label}: {runs} sequential briefs")
            print(f"  model alone (bare HTTP)   median {statistics.median(model):6.2f} ms")
            print(f"  through LLMBriefBackend   median {statistics.median(ours):6.2f} ms")
            added = statistics.median(ours) - statistics.median(model)
            added_mean = statistics.mean(ours) - statistics.mean(model)
            print(
                f"  added by the backend      median {added:6.2f} ms"
                f"   mean {added_mean:6.2f} ms   (target <= 5 ms)"
            )
        print(f"  (fallbacks: {backend.fallbacks}, grounding drops: {backend.dropped_items})")


async def concurrency(base_url: str) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        client = LLMClient(http, LLMConfig(base_url=base_url, model="fake-model", max_concurrency=4))
        backend = LLMBriefBackend(client, LocalBackend(), max_input_tokens=MAX_TOKENS)
        articles = [variant(BRIDGE, i) for i in range(50)]
        start = time.perf_counter()
        results = await backend.brief_many(articles)
        wall = time.perf_counter() - start
        stats = (await http.get(base_url.removesuffix("/v1") + "/_fake/stats")).json()
    llm = sum(1 for r in results if getattr(r, "backend", "") == "llm:fake-model")
    print("50 concurrent briefs, model latency 50 ms, max_concurrency = 4")
    print(f"  briefs from the model     {llm}/50")
    print(f"  requests seen by server   {stats['requests']}")
    print(f"  max in flight (server)    {stats['max_in_flight']}")
    print(f"  wall time                 {wall:.2f} s   (ideal 50/4 x 50 ms = 0.63 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200, help="sequential briefs per measurement")
    args = parser.parse_args()
    with fake_server(delay=0.0) as url:
        asyncio.run(overhead(url, args.n))
    with fake_server(delay=0.05) as url:
        asyncio.run(concurrency(url))


if __name__ == "__main__":
    main()
