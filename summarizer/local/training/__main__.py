"""``python -m summarizer.local.training``: rebuild the brief's model files (``make train``).

    python -m summarizer.local.training                       # ../shared/silver -> models/brief.json
    python -m summarizer.local.training --silver DIR --out F  # another training set, another file
    python -m summarizer.local.training --dev ""              # no gold set: default settings

The models are fitted on the silver set only; with a gold set (default ``../shared/dev-set``)
the settings are then chosen on it. The same inputs give the same file, byte for byte.
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Sequence
from pathlib import Path

from summarizer.local.learned import MODEL_DIR, LinearModel, ModelFile, read_models
from summarizer.local.training.data import Parsed, load_conll, load_set, parse
from summarizer.local.training.examples import entity_examples, phrase_examples, place_examples
from summarizer.local.training.fit import fit_linear, write_models
from summarizer.local.training.select import DEFAULTS, EntityTable, PhraseTable, load_scorer

ROOT = Path(__file__).resolve().parents[3]
SHARED = ROOT.parent / "shared"
# Regularisation strengths, chosen once by cross-validation on the silver set.
C_CLAUSE = 0.1
C_COMPRESS = 0.1
C_ENTITY = 0.3

log = logging.getLogger("train")


def train(silver: Path, corpora: Path, out: Path, dev: Path | None, conll: Path | None = None) -> ModelFile:
    """Fit every model on ``silver`` (and the name filter on ``conll``), choose the settings on
    ``dev``, write ``out``."""
    started = time.perf_counter()
    parsed = parse(load_set(silver, corpora))
    log.info("parsed %d silver articles in %.0fs", len(parsed), time.perf_counter() - started)
    scorer = load_scorer(dev / "score.py") if dev is not None else None
    every_name = parse(load_conll(conll, scorer)) if conll is not None and scorer is not None else []
    models = fit_models(parsed, every_name)
    about = f"trained on {len(parsed)} briefs of {silver.name}"
    if every_name and conll is not None:
        about += f" and {len(every_name)} documents of {conll.parent.name}/{conll.name}"
    write_models(out, models, DEFAULTS, about + "; default settings")
    fitted = read_models(out)
    if dev is None or scorer is None:
        return fitted
    gold = parse(load_set(dev, corpora))
    everything = range(len(gold))
    settings = PhraseTable.build(gold, fitted, scorer).best(everything)
    names = EntityTable.build(every_name, fitted, scorer) if every_name else None
    settings |= EntityTable.build(gold, fitted, scorer).best(everything, names)
    write_models(out, models, settings, f"{about}; settings chosen on {len(gold)} briefs of {dev.name}")
    log.info("settings %s", settings)
    return read_models(out)


def fit_models(parsed: Sequence[Parsed], every_name: Sequence[Parsed] = ()) -> dict[str, LinearModel]:
    """Every model of the brief, fitted on ``parsed``; the name filter (``real``) on
    ``every_name`` (documents whose every name is annotated), else on ``parsed``."""
    examples = entity_examples(parsed, phrase_examples(parsed))
    entity_examples(every_name or parsed, examples, model="real")
    place_examples(parsed, examples)
    strengths = {
        "objective": C_CLAUSE,
        "issue": C_CLAUSE,
        "compress": C_COMPRESS,
        "keep": C_COMPRESS,
        "who": C_ENTITY,
        "where": C_ENTITY,
        "real": C_ENTITY,
        "place": C_ENTITY,
    }
    return {
        name: fit_linear(examples.features[name], examples.labels[name], c) for name, c in strengths.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--silver", type=Path, default=SHARED / "silver")
    parser.add_argument("--corpora", type=Path, default=SHARED / "corpora")
    parser.add_argument(
        "--dev", default=str(SHARED / "dev-set"), help="gold set for the settings ('' for none)"
    )
    parser.add_argument(
        "--conll",
        default=str(SHARED / "corpora" / "conll2003" / "dev.txt"),
        help="CoNLL-2003 file for the name filter ('' for none)",
    )
    parser.add_argument("--out", type=Path, default=MODEL_DIR / "brief.json")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    started = time.perf_counter()
    conll = Path(args.conll) if args.conll else None
    train(args.silver, args.corpora, args.out, Path(args.dev) if args.dev else None, conll)
    log.info("wrote %s in %.0fs", args.out, time.perf_counter() - started)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
