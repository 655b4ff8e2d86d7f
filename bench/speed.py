"""How fast the offline brief engine is, on one core.

    .venv/bin/python bench/speed.py            # ~550-word articles from ../shared, else built-in text
    .venv/bin/python bench/speed.py --n 300    # more articles in the batch run

Prints: model load time; median and p90 milliseconds (wall clock, and CPU time, which other
processes on a shared machine disturb less) per ~550-word article briefed one at a time (model
loaded); articles per second briefed as one batch; the wall time from starting
``briefbot brief --json FILE`` as a new process to its first brief on stdout; the peak
resident memory of this process and of that child process; and the whole
``briefbot brief --json`` run over the batch's articles against ``bench/naive_brief.py`` (the
plainest spaCy brief, the issue's yardstick) on the same file, run in turns, as a ratio of wall
times with the peak memory of each. The process pins itself to one CPU core (and BLAS to one
thread) so that the figures mean "one core".
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# One core, one BLAS thread: set before numpy is imported by spaCy.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))

from summarizer.brief import Article  # noqa: E402
from summarizer.local import LocalBackend  # noqa: E402

TARGET_WORDS = 550

# Our own invented filler, used only when ../shared is absent.
_FALLBACK = """Harbour Authority Approves Night Ferry Trial
The Portvale Harbour Authority on Tuesday approved a six-month trial of night ferries between
Portvale and the island town of Kessing, after months of pressure from commuters and hotel
owners. Authority chair Miriam Okafor said the trial aims to cut evening road traffic and to
test whether demand justifies a permanent service. The ferry operator, Blue Gull Lines, plans to
run two crossings an hour until midnight. Residents of Kessing remain divided over noise from
the new terminal, and the question of who pays for extra harbour lighting is still unresolved.
The city council of Portvale will review the trial's results in the spring, its leader Tomas
Brandt said, adding that the council hoped to agree a budget for lighting before the summer.
"""


def sample_articles(n: int) -> list[Article]:
    """About ``TARGET_WORDS``-word news articles: BBC texts from ../shared, else the fallback."""
    path = SHARED / "corpora" / "bbc_news_summary" / "articles.jsonl"
    articles: list[Article] = []
    if path.is_file():
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                words = len(row["text"].split())
                if TARGET_WORDS - 75 <= words <= TARGET_WORDS + 75:
                    articles.append(Article(id=row["id"], title=row.get("title") or "", text=row["text"]))
                if len(articles) == n:
                    break
    if not articles:
        text = _FALLBACK
        while len(text.split()) < TARGET_WORDS:
            text += "\n" + _FALLBACK
        articles = [Article(id=f"fallback-{i}", title="", text=text) for i in range(n)]
    while len(articles) < n:
        articles += articles[: n - len(articles)]
    return articles


def peak_rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # kilobytes on Linux


def first_brief_seconds(article: Article) -> float:
    """Wall time from starting ``briefbot brief --json`` to the first brief on its stdout."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "article.jsonl"
        path.write_text(json.dumps({"id": article.id, "title": article.title, "text": article.text}) + "\n")
        started = time.perf_counter()
        proc = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "briefbot"), "brief", "--json", str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert proc.stdout is not None
        line = proc.stdout.readline()
        elapsed = time.perf_counter() - started
        proc.wait(timeout=120)
    if not line.startswith("{"):
        raise SystemExit("briefbot brief printed no brief")
    return elapsed


def whole_run(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one process run to its end, output discarded."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{command[0]} failed with exit {proc.returncode}")
    return elapsed, usage.ru_maxrss / 1024


def against_naive(articles: list[Article], rounds: int) -> None:
    """``briefbot brief --json`` over ``articles`` against the naive script, in turns."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "articles.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for a in articles:
                fh.write(json.dumps({"id": a.id, "title": a.title, "text": a.text}) + "\n")
        ours_cmd = [str(ROOT / ".venv" / "bin" / "briefbot"), "brief", "--json", str(path)]
        naive_cmd = [sys.executable, str(ROOT / "bench" / "naive_brief.py"), str(path)]
        ratios, ours, naive = [], [], []
        for _ in range(rounds):
            a, b = whole_run(ours_cmd), whole_run(naive_cmd)
            ours.append(a)
            naive.append(b)
            ratios.append(a[0] / b[0])
    ours_s, naive_s = statistics.median(t for t, _ in ours), statistics.median(t for t, _ in naive)
    print(
        f"whole run  {len(articles)} articles: briefbot brief --json {ours_s:.1f}s "
        f"(peak {max(m for _, m in ours):.0f} MB), naive spaCy script "
        f"{naive_s:.1f}s (peak {max(m for _, m in naive):.0f} MB); ratio median "
        f"{statistics.median(ratios):.2f} of {rounds} (min {min(ratios):.2f}, max {max(ratios):.2f})"
    )
    print(
        f"SUMMARY whole_run_ratio={statistics.median(ratios):.2f} "
        f"whole_run_peak_rss_mb={max(m for _, m in ours):.0f}"
    )


def print_components(backend: LocalBackend, articles: list[Article]) -> None:
    """CPU milliseconds per article spent in each pipeline component and in the rules."""
    from summarizer.local.engine import build_brief, prepare

    nlp = backend.nlp
    ready = [prepare(a) for a in articles]
    cost: dict[str, float] = {}
    c0 = time.process_time()
    docs = [nlp.make_doc(r.parsed) for r in ready]
    cost["tokenizer"] = time.process_time() - c0
    for name, component in nlp.pipeline:
        c0 = time.process_time()
        if hasattr(component, "pipe"):
            docs = list(component.pipe(docs, batch_size=16))
        else:
            docs = [component(d) for d in docs]
        cost[name] = time.process_time() - c0
    c0 = time.process_time()
    for article, r, doc in zip(articles, ready, docs, strict=True):
        build_brief(doc, article, backend.name, r)
    cost["rules (briefbot)"] = time.process_time() - c0
    parts = ", ".join(f"{k} {v / len(articles) * 1000:.1f}" for k, v in cost.items())
    print(f"components CPU ms per article: {parts}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=200, help="articles in the batch run")
    parser.add_argument("--single", type=int, default=60, help="articles briefed one at a time")
    parser.add_argument("--model", default="en_core_web_sm")
    parser.add_argument("--components", action="store_true", help="CPU time per pipeline component")
    parser.add_argument("--rounds", type=int, default=3, help="turns of the whole-run comparison")
    args = parser.parse_args()

    articles = sample_articles(max(args.n, args.single))
    words = statistics.mean(len(a.text.split()) for a in articles)
    print(
        f"articles   {len(articles)}, mean {words:.0f} words, cpu affinity {sorted(os.sched_getaffinity(0))}"
    )

    started = time.perf_counter()
    backend = LocalBackend(model=args.model)
    print(f"load       {backend.name} in {time.perf_counter() - started:.2f}s")
    backend.brief_sync(articles[0])  # warm-up

    times, cpu_times = [], []
    for article in articles[: args.single]:
        t0, c0 = time.perf_counter(), time.process_time()
        backend.brief_sync(article)
        times.append((time.perf_counter() - t0) * 1000)
        cpu_times.append((time.process_time() - c0) * 1000)
    times.sort()
    p90 = times[int(0.9 * (len(times) - 1))]
    print(
        f"single     median {statistics.median(times):.1f} ms wall (p90 {p90:.1f}), "
        f"median {statistics.median(cpu_times):.1f} ms CPU per article"
    )

    batch = articles[: args.n]
    t0, c0 = time.perf_counter(), time.process_time()
    results = backend.brief_batch(batch)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    failed = sum(1 for r in results if not hasattr(r, "who"))
    print(
        f"batch      {len(batch) / elapsed:.1f} articles/s wall, {len(batch) / cpu:.1f} per CPU second "
        f"({len(batch)} in {elapsed:.2f}s, {failed} failed)"
    )
    if args.components:
        print_components(backend, batch)
    print(f"memory     peak RSS {peak_rss_mb(resource.RUSAGE_SELF):.0f} MB (this process, model loaded)")

    if (ROOT / ".venv" / "bin" / "briefbot").exists():
        starts = [first_brief_seconds(articles[0]) for _ in range(3)]
        print(
            f"cold start {statistics.median(starts):.2f}s median of 3 from process start to first brief; "
            f"child peak RSS {peak_rss_mb(resource.RUSAGE_CHILDREN):.0f} MB"
        )
        against_naive(batch, args.rounds)
    else:
        print("cold start skipped: .venv/bin/briefbot is absent (run make test first)")
    print(
        f"SUMMARY median_ms={statistics.median(times):.1f} median_cpu_ms={statistics.median(cpu_times):.1f} "
        f"batch_per_s={len(batch) / elapsed:.1f} batch_per_cpu_s={len(batch) / cpu:.1f} "
        f"peak_rss_mb={peak_rss_mb(resource.RUSAGE_SELF):.0f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
