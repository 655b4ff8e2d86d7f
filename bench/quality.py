"""Brief quality against the shared gold sets, scored exactly as ``score.py`` scores them.

    .venv/bin/python bench/quality.py                 # dev-set gold briefs + CoNLL-2003 dev
    .venv/bin/python bench/quality.py --split test    # CoNLL-2003 test (report only, never tune on it)
    .venv/bin/python bench/quality.py --only gold -v  # print each brief's items as well

The model is loaded once and articles are briefed in-process, but the scoring is the shared
``../shared/dev-set/score.py`` itself, imported by path at run time: its ``run_cmd`` (which
would start ``briefbot brief --json`` on a temporary JSONL file) is swapped for an in-process
call that builds the same articles and the same JSON lines as the command line does. So the
figures printed here equal those of

    python ../shared/dev-set/score.py gold --set ../shared/dev-set --cmd ".venv/bin/briefbot brief --json"
    python ../shared/dev-set/score.py conll --file ../shared/corpora/conll2003/test.txt \
        --cmd ".venv/bin/briefbot brief --json"

(``--check-cli`` runs those two commands too, to show it.)
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SCORE_PY = SHARED / "dev-set" / "score.py"
sys.path.insert(0, str(ROOT))

from summarizer.brief import Article, Brief  # noqa: E402
from summarizer.local import LocalBackend  # noqa: E402


def load_scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("briefscore", SCORE_PY)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {SCORE_PY}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def in_process_runner(backend: LocalBackend) -> Any:
    """A drop-in for ``score.run_cmd``: same articles in, same JSON objects out, no subprocess."""

    def run_cmd(cmd: str, rows: list[dict[str, Any]]) -> tuple[dict[str, Any], float]:
        articles = [Article(id=str(r["id"]), title=r.get("title") or "", text=r["text"]) for r in rows]
        started = time.perf_counter()
        results = backend.brief_batch(articles)
        elapsed = time.perf_counter() - started
        out: dict[str, Any] = {}
        for article, result in zip(articles, results, strict=True):
            if isinstance(result, Brief):
                out[article.id] = result.to_dict()
            else:
                out[article.id] = {"id": article.id, "error": str(result)}
        return out, elapsed

    return run_cmd


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--split", choices=("dev", "test"), default="dev", help="CoNLL-2003 split")
    parser.add_argument("--only", choices=("gold", "conll"), help="run one of the two benchmarks")
    parser.add_argument("--model", default="en_core_web_sm")
    parser.add_argument("-v", "--verbose", action="store_true", help="print the dev-set briefs' items")
    parser.add_argument(
        "--check-cli", action="store_true", help="also score `briefbot brief --json` through score.py"
    )
    args = parser.parse_args()

    if not SCORE_PY.is_file():
        print(f"skipped: {SCORE_PY} is absent (the shared dev-set and corpora live in ../shared)")
        return 0
    scorer = load_scorer()
    started = time.perf_counter()
    backend = LocalBackend(model=args.model)
    print(f"backend {backend.name} loaded in {time.perf_counter() - started:.2f}s")
    scorer.run_cmd = in_process_runner(backend)

    conll_file = SHARED / "corpora" / "conll2003" / f"{args.split}.txt"
    if args.only in (None, "gold"):
        print("\n== dev-set gold briefs (../shared/dev-set)")
        scorer.cmd_gold(
            argparse.Namespace(
                set=[str(SHARED / "dev-set")],
                corpus_root=str(SHARED / "corpora"),
                cmd="in-process",
                min_macro=None,
                verbose=args.verbose,
            )
        )
    if args.only in (None, "conll"):
        print(f"\n== CoNLL-2003 {args.split}, document level (who = PER+ORG, where = LOC)")
        if conll_file.is_file():
            scorer.cmd_conll(
                argparse.Namespace(file=str(conll_file), cmd="in-process", limit=None, min_f1=None)
            )
        else:
            print(f"skipped: {conll_file} is absent")

    if args.check_cli:
        cli = f"{ROOT / '.venv' / 'bin' / 'briefbot'} brief --json"
        print("\n== the same through the command line (score.py running briefbot)")
        for mode in (
            ["gold", "--set", str(SHARED / "dev-set")],
            ["conll", "--file", str(conll_file)],
        ):
            proc = subprocess.run(
                [sys.executable, str(SCORE_PY), *mode, "--cmd", cli], capture_output=True, text=True
            )
            summary = [line for line in proc.stdout.splitlines() if line.startswith("SUMMARY")]
            print(" ".join(mode[:1]), summary[-1] if summary else proc.stderr[-2000:])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
