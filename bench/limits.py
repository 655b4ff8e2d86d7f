"""Resources that configuration can drive: an LLM server's answer size, and the worker count.

Issue 14 found a model server answering with a 1 MB gzip that unpacks to 1 GiB drove
``briefbot brief`` and ``briefbot doctor`` to 2.1 GB resident, and ``[summarizer] workers =
1000`` was accepted (64 processes, 9.6 GB). This runs the real command line (subprocesses) and
prints, for each:

* ``brief --backend llm`` and ``doctor`` against a fake OpenAI-compatible server whose every
  answer is such a bomb: exit code, what it said, and the command's peak resident memory;
* ``ingest`` of a few invented articles with ``workers = 1000``: how many worker processes ran
  at once, and the peak of their summed resident memory (with the parent's).

    .venv/bin/python bench/limits.py [--bomb-mib 1024] [--articles 40] [--workers 1000]

(``most worker processes`` counts the bot's children: the workers and multiprocessing's
resource tracker.)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.openai_server import FakeOpenAI, gzip_bomb  # noqa: E402
from tests.fakes.web import story  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE / 1e6
    except OSError:
        return 0.0


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return found


def processes(args: list[str]) -> tuple[int, str, str, int, float]:
    """Run ``briefbot args``; exit code, stdout, stderr, the most child processes seen at once,
    and the peak of their summed resident memory with the parent's (MB), sampled every 0.2 s."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    most, peak_sum = 0, 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal most, peak_sum
        while not done.is_set():
            kids = children(proc.pid)
            most = max(most, len(kids))
            peak_sum = max(peak_sum, rss_mb(proc.pid) + sum(rss_mb(k) for k in kids))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    done.set()
    sampler.join()
    return proc.returncode, out.decode(), err.decode(), most, peak_sum


def peak_of(args: list[str]) -> tuple[int, str, str, float]:
    """Like ``run``, but the peak RSS from the kernel's own accounting (wait4)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out = proc.stdout.read() if proc.stdout else b""
    err = proc.stderr.read() if proc.stderr else b""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, out.decode(), err.decode(), usage.ru_maxrss / 1000


def said(text: str) -> str:
    lines = [line for line in text.splitlines() if "larger than" in line or "ERROR" in line]
    return (lines[0] if lines else text.strip().splitlines()[-1] if text.strip() else "")[:160]


async def bomb(mib: int, folder: Path) -> None:
    started = time.monotonic()
    payload = gzip_bomb(mib * 1024 * 1024)
    assert payload.encoded is not None
    print(
        f"bomb: {len(payload.encoded) / 1e6:.1f} MB of gzip that unpacks to {mib} MiB "
        f"(made in {time.monotonic() - started:.1f} s)"
    )
    async with FakeOpenAI(models_reply=payload, responder=lambda _: payload) as fake:
        cfg = folder / "llm.toml"
        cfg.write_text(
            f'[summarizer]\nbackend = "llm"\n[llm]\nbase_url = "{fake.base_url}"\nmodel = "fake-model"\n'
            f'timeout = "120s"\nmax_retries = 0\n[store]\npath = "{folder / "llm.db"}"\n'
        )
        article = folder / "article.txt"
        s = story(1)
        article.write_text(f"{s.title}\n\n{s.text}\n")
        loop = asyncio.get_running_loop()
        for args in (["brief", "--json", str(article)], ["doctor"]):
            code, out, err, peak = await loop.run_in_executor(None, peak_of, [*args, "--config", str(cfg)])
            shown = said(out + err)
            backend = ""
            if args[0] == "brief" and code == 0:
                backend = f" brief backend={json.loads(out.splitlines()[-1])['backend']}"
            print(f"{args[0]:<6} exit {code}, peak RSS {peak:.0f} MB{backend}; said: {shown}")


def workers(count: int, articles: int, folder: Path) -> None:
    cfg = folder / "workers.toml"
    cfg.write_text(f'[summarizer]\nworkers = {count}\n[store]\npath = "{folder / "w.db"}"\n')
    archive = folder / "articles.jsonl"
    archive.write_text(
        "\n".join(
            json.dumps({"id": f"a{n}", "title": story(n).title, "text": story(n).text})
            for n in range(articles)
        )
        + "\n"
    )
    code, out, err, most, peak_sum = processes(["ingest", str(archive), "--config", str(cfg)])
    warning = next((line for line in err.splitlines() if "workers" in line), "(no log line)")
    print(f"workers = {count}, ingest of {articles} articles: exit {code}, {out.strip()}")
    print(
        f"  most worker processes at once {most}; peak summed RSS {peak_sum:.0f} MB; cores {os.cpu_count()}"
    )
    print(f"  log: {warning[:200]}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bomb-mib", type=int, default=1024)
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--workers", type=int, default=1000, help="[summarizer] workers to ask for")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(bomb(options.bomb_mib, Path(tmp)))
        workers(options.workers, options.articles, Path(tmp))


if __name__ == "__main__":
    main()
