"""Article extraction quality and speed on real pages with human-annotated article bodies.

    .venv/bin/python bench/extraction.py [--limit N]

Reads ../shared/corpora/html/article_extraction_benchmark/ (181 pages, ground-truth.json) and
runs ``bot.ingest.extract.extract_html`` — the function every fetched page goes through — on
each page, with its URL. Scores, computed here from the texts (no other tool's code):

- token-level precision / recall / F1: words (``\\w+``) of the extracted text against the
  annotated body, as multisets (target: F1 >= 0.90);
- 4-gram shingle precision / recall / F1: the metric of the benchmark's own evaluation, which
  also punishes text in the wrong order or boilerplate between paragraphs.

Both are micro-averaged over pages after normalising each page's counts to sum to 1, so long
pages do not outweigh short ones (as the benchmark does). A page with no text extracted
counts as all-missed. Pages/s is wall-clock, single-threaded, decompression excluded.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.ingest.extract import extract_html  # noqa: E402
from summarizer.errors import ExtractError  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpora" / "html" / "article_extraction_benchmark"
_TOKEN = re.compile(r"\w+")


def shingles(text: str, n: int) -> Counter[str]:
    tokens = _TOKEN.findall(text)
    if n == 1:
        return Counter(tokens)
    return Counter(" ".join(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens)


def page_counts(truth: str, predicted: str, n: int) -> tuple[float, float, float]:
    """(tp, fp, fn) for one page, normalised to sum to 1."""
    gold, pred = shingles(truth, n), shingles(predicted, n)
    tp = sum((gold & pred).values())
    fp = sum(pred.values()) - tp
    fn = sum(gold.values()) - tp
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def prf(tp: float, fp: float, fn: float) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages")
    args = parser.parse_args()
    if not (CORPUS / "ground-truth.json").is_file():
        print(f"skipped: {CORPUS} is absent")
        return
    truth = json.loads((CORPUS / "ground-truth.json").read_text(encoding="utf-8"))
    keys = sorted(truth)[: args.limit or None]
    pages = {k: gzip.decompress((CORPUS / "html" / f"{k}.html.gz").read_bytes()) for k in keys}
    extract_html(pages[keys[0]], truth[keys[0]]["url"])  # warm-up: imports, lxml setup

    totals = {1: [0.0, 0.0, 0.0], 4: [0.0, 0.0, 0.0]}
    empty = 0
    elapsed = 0.0
    for key in keys:
        start = time.perf_counter()
        try:
            text = extract_html(pages[key], truth[key]["url"]).text
        except ExtractError:
            text = ""
            empty += 1
        elapsed += time.perf_counter() - start
        for n, acc in totals.items():
            for i, value in enumerate(page_counts(truth[key]["articleBody"], text, n)):
                acc[i] += value

    print(f"pages: {len(keys)} ({empty} with no text extracted); load average {os.getloadavg()[0]:.2f}")
    for n, label in ((1, "token-level"), (4, "4-gram shingles")):
        p, r, f = prf(*totals[n])
        target = "   (target F1 >= 0.90)" if n == 1 else ""
        print(f"{label:<16} precision {p:.3f}  recall {r:.3f}  F1 {f:.3f}{target}")
    print(f"speed:           {len(keys) / elapsed:.1f} pages/s ({1000 * elapsed / len(keys):.1f} ms/page)")


if __name__ == "__main__":
    main()
