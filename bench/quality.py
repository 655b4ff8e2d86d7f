"""Brief quality against the shared gold sets, scored exactly as ``score.py`` scores them.

    .venv/bin/python bench/quality.py                 # everything below, CoNLL dev and test
    .venv/bin/python bench/quality.py --only gold -v  # the dev set, with each brief's items
    .venv/bin/python bench/quality.py --only cv       # cross-validated and silver -> dev figures

Four sets of figures for the local brief:

1. the 43 dev-set gold briefs, with the committed models (fitted on silver) and settings
   (chosen on these 43: so these figures flatter);
2. 5-fold cross-validation on the dev set: the settings chosen on four fifths, each fifth
   scored with the settings it had no say in;
3. silver -> dev: models fitted and settings chosen on the 268 silver briefs alone (settings on
   out-of-fold predictions), scored on the 43 gold briefs;
4. CoNLL-2003 dev (tuned on) and test (never tuned on), document level;

and the roles on the 268 silver briefs (the other silver figures are on the models' own
training data).

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
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SCORE_PY = SHARED / "dev-set" / "score.py"
sys.path.insert(0, str(ROOT))

from summarizer.brief import Article, Brief  # noqa: E402
from summarizer.local import LocalBackend  # noqa: E402
from summarizer.local.training.select import load_scorer  # noqa: E402


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


def print_figures(figures: dict[str, tuple[float, float, float]], tag: str) -> None:
    fields = ("who", "where", "objectives", "open_issues")
    for key in fields:
        p, r, f = figures[key]
        print(f"{key:12s} P={p:.3f} R={r:.3f} F1={f:.3f}")
    macro = statistics.mean(figures[k][2] for k in fields)
    print(
        f"SUMMARY {tag} who_f1={figures['who'][2]:.3f} where_f1={figures['where'][2]:.3f} "
        f"objectives_f1={figures['objectives'][2]:.3f} issues_f1={figures['open_issues'][2]:.3f} "
        f"macro_f1={macro:.3f}"
    )


def honest_figures(model: str) -> None:
    """Cross-validated dev-set figures and silver -> dev figures (see the module docstring)."""
    from summarizer.local.learned import load_models
    from summarizer.local.training.__main__ import fit_models
    from summarizer.local.training.data import load_conll, load_set, parse
    from summarizer.local.training.evaluate import cross_validated, silver_to_dev
    from summarizer.local.training.select import EntityTable, PhraseTable

    scorer = load_scorer(SCORE_PY)
    models = load_models("brief")
    started = time.perf_counter()
    gold = parse(load_set(SHARED / "dev-set", SHARED / "corpora"), model)
    conll = SHARED / "corpora" / "conll2003" / "dev.txt"
    every_name = parse(load_conll(conll, scorer), model) if conll.is_file() else []
    names = EntityTable.build(every_name, models, scorer) if every_name else None
    print(
        "\n== dev set, 5-fold cross-validation of the settings"
        " (models fitted on silver, name filter on CoNLL dev)"
    )
    phrases, entities = PhraseTable.build(gold, models, scorer), EntityTable.build(gold, models, scorer)
    figures, chosen = cross_validated(phrases, entities, names)
    print_figures(figures, "cv5")
    for key in chosen[0]:
        print(f"  {key} per fold: {', '.join(f'{c[key]:g}' for c in chosen)}")
    print("\n== silver -> dev: models fitted and settings chosen on silver only, scored on the dev set")
    silver = parse(load_set(SHARED / "silver", SHARED / "corpora"), model)
    figures, settings = silver_to_dev(silver, gold, every_name, fit_models, scorer)
    print_figures(figures, "silver_to_dev")
    print("  settings chosen on silver: " + ", ".join(f"{k}={v:g}" for k, v in settings.items()))
    print(f"  ({time.perf_counter() - started:.0f}s)")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--split", choices=("dev", "test"), help="only this CoNLL-2003 split")
    parser.add_argument("--only", choices=("gold", "silver", "cv", "conll"), help="run one of the benchmarks")
    parser.add_argument("--model", default="en_core_web_sm")
    parser.add_argument("-v", "--verbose", action="store_true", help="print the dev-set briefs' items")
    parser.add_argument(
        "--check-cli", action="store_true", help="also score `briefbot brief --json` through score.py"
    )
    args = parser.parse_args()

    if not SCORE_PY.is_file():
        print(f"skipped: {SCORE_PY} is absent (the shared dev-set and corpora live in ../shared)")
        return 0
    scorer = load_scorer(SCORE_PY)
    started = time.perf_counter()
    backend = LocalBackend(model=args.model)
    print(f"backend {backend.name} loaded in {time.perf_counter() - started:.2f}s")
    scorer.run_cmd = in_process_runner(backend)

    splits = [args.split] if args.split else ["dev", "test"]
    conll_file = SHARED / "corpora" / "conll2003" / f"{splits[0]}.txt"
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
    if args.only in (None, "silver"):
        # The models were fitted on these briefs, so only the rule-made roles are a fair figure.
        print("\n== silver briefs (../shared/silver): fitted on these, only roles are a fair figure here")
        scorer.cmd_gold(
            argparse.Namespace(
                set=[str(SHARED / "silver")],
                corpus_root=str(SHARED / "corpora"),
                cmd="in-process",
                min_macro=None,
                verbose=False,
            )
        )
    if args.only in (None, "cv"):
        honest_figures(args.model)
    if args.only in (None, "conll"):
        for split in splits:
            path = SHARED / "corpora" / "conll2003" / f"{split}.txt"
            print(f"\n== CoNLL-2003 {split}, document level (who = PER+ORG, where = LOC)")
            if path.is_file():
                scorer.cmd_conll(
                    argparse.Namespace(file=str(path), cmd="in-process", limit=None, min_f1=None)
                )
            else:
                print(f"skipped: {path} is absent")

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
