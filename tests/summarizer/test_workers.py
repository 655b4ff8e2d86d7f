"""LocalBackend on worker processes: the same briefs, a parent without the model, lost workers."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from summarizer.brief import Article, Brief
from summarizer.errors import SummarizeError
from summarizer.local import LocalBackend
from summarizer.local.workers import auto_workers, split
from tests.summarizer.fixtures import FISHING_TALKS, HARBOUR_VOTE

ROOT = Path(__file__).resolve().parents[2]


def worker_pids(parent: int | None = None) -> list[int]:
    """The brief workers of ``parent`` (this process): children running multiprocessing's spawn_main."""
    parent = os.getpid() if parent is None else parent
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent and b"spawn_main" in cmdline:
            pids.append(int(entry.name))
    return pids


@pytest.fixture
async def pooled() -> AsyncIterator[LocalBackend]:
    backend = LocalBackend(workers=2)
    yield backend
    backend.close()


def test_split_keeps_order_and_balances() -> None:
    items = [Article(id=str(i), text="") for i in range(7)]
    runs = split(items, 3)
    assert [len(r) for r in runs] == [3, 2, 2]
    assert [a for r in runs for a in r] == items
    assert split(items[:1], 4) == [items[:1]]


@pytest.mark.parametrize(("cores", "expected"), [(1, 1), (2, 1), (3, 2), (16, 2)])
def test_auto_leaves_one_core_to_the_bot(monkeypatch: pytest.MonkeyPatch, cores: int, expected: int) -> None:
    # On two cores the bot's own work and two workers contend: auto briefs in-process there.
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)), raising=False)
    assert auto_workers() == expected


async def test_workers_give_the_same_briefs_in_order_with_errors_in_place(
    pooled: LocalBackend, backend: LocalBackend
) -> None:
    articles = [
        Article(id="a", text=FISHING_TALKS, title="Talks"),
        Article(id="b", text=""),
        Article(id="c", text=HARBOUR_VOTE),
        Article(id="d", text=FISHING_TALKS + HARBOUR_VOTE),
        Article(id="e", text="Too short to brief."),
    ]
    results = await pooled.brief_many(articles)
    assert [type(r) for r in results] == [Brief, SummarizeError, Brief, Brief, SummarizeError]
    assert [r.id for r in results if isinstance(r, Brief)] == ["a", "c", "d"]
    expected = backend.brief_batch(articles)
    assert [r.to_dict() for r in results if isinstance(r, Brief)] == [
        r.to_dict() for r in expected if isinstance(r, Brief)
    ]
    assert str(results[1]) == str(expected[1])
    assert pooled.workers == 2
    with pytest.raises(SummarizeError, match="empty"):
        await pooled.brief(Article(id="x", text=" "))


def test_the_process_that_hands_out_work_loads_no_model() -> None:
    script = (
        "import asyncio, json, sys\n"
        "from summarizer.brief import Article\n"
        "from summarizer.local import LocalBackend\n"
        "from tests.summarizer.fixtures import FISHING_TALKS, HARBOUR_VOTE\n"
        "async def main():\n"
        "    backend = LocalBackend(workers=2)\n"
        "    texts = [FISHING_TALKS, HARBOUR_VOTE]\n"
        "    results = await backend.brief_many([Article(id=str(i), text=t) for i, t in enumerate(texts)])\n"
        "    backend.close()\n"
        "    return [r.backend for r in results]\n"
        "names = asyncio.run(main())\n"
        "print(json.dumps({'names': names, 'spacy': 'spacy' in sys.modules}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    result = json.loads(out.stdout)
    assert result == {"names": ["local:en_core_web_sm-3.8.0"] * 2, "spacy": False}


async def test_a_worker_lost_while_idle_is_replaced_before_the_next_batch(pooled: LocalBackend) -> None:
    articles = [Article(id=str(i), text=FISHING_TALKS) for i in range(4)]
    assert all(isinstance(r, Brief) for r in await pooled.brief_many(articles))
    victims = worker_pids()
    assert victims
    os.kill(victims[0], signal.SIGKILL)
    await asyncio.sleep(1.0)  # the pool notices its dead worker
    assert all(isinstance(r, Brief) for r in await pooled.brief_many(articles))


async def test_a_worker_killed_mid_batch_costs_that_batch_not_the_backend(pooled: LocalBackend) -> None:
    long = (FISHING_TALKS + HARBOUR_VOTE) * 3
    await pooled.brief_many([Article(id=f"warm-{i}", text=HARBOUR_VOTE) for i in range(2)])
    batch = asyncio.create_task(pooled.brief_many([Article(id=str(i), text=long) for i in range(60)]))
    await asyncio.sleep(0.3)
    for pid in worker_pids():
        os.kill(pid, signal.SIGKILL)
    results = await batch
    assert len(results) == 60
    assert all(isinstance(r, SummarizeError) for r in results)
    assert "stopped unexpectedly" in str(results[0])
    after = await pooled.brief_many([Article(id="after", text=HARBOUR_VOTE)])
    assert isinstance(after[0], Brief)


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has exited


async def test_workers_exit_when_the_bot_is_killed() -> None:
    script = (
        "import asyncio, sys\n"
        "from summarizer.brief import Article\n"
        "from summarizer.local import LocalBackend\n"
        "from tests.summarizer.fixtures import HARBOUR_VOTE\n"
        "async def main():\n"
        "    backend = LocalBackend(workers=2)\n"
        "    await backend.brief_many([Article(id=str(i), text=HARBOUR_VOTE) for i in range(2)])\n"
        "    print('ready', flush=True)\n"
        "    await asyncio.sleep(600)\n"
        "asyncio.run(main())\n"
    )
    with subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True) as bot:
        try:
            assert bot.stdout is not None
            assert bot.stdout.readline().strip() == "ready"
            workers = worker_pids(bot.pid)
            assert len(workers) == 2
            bot.kill()  # SIGKILL: no clean-up runs in the bot
            bot.wait()
            for _ in range(100):
                if not any(running(pid) for pid in workers):
                    break
                await asyncio.sleep(0.1)
            assert not any(running(pid) for pid in workers)
        finally:
            bot.kill()
