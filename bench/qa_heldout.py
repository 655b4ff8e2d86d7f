"""The held-out unanswerable questions (bench/qa_heldout_unanswerable.jsonl): written after the
model, to estimate "I don't know" on questions nobody fitted or chose on. Kept out of
bench/qa_data.py on purpose — nothing that fits (bench/qa_train.py) loads this module.

Each line: {"question", "thread": a stored story's id or null, "kind"}. Kinds: ``detail`` (a
detail the story lacks), ``near`` (a near-miss place, date, number or person), ``after`` (an
outcome after the story), ``unrelated`` (news no stored story covers). A question with a thread
is asked in that story's thread and channel-wide; one without, channel-wide only.
"""

from __future__ import annotations

from pathlib import Path

from qa_data import Item, read_jsonl

HELDOUT = Path(__file__).resolve().parent / "qa_heldout_unanswerable.jsonl"


def heldout(stored: set[str] | None = None) -> list[Item]:
    """The questions as items of origin ``heldout``; with ``stored``, each thread must be a
    stored article's id."""
    items = []
    for q in read_jsonl(HELDOUT):
        thread = q.get("thread")
        if stored is not None and thread and thread not in stored:
            raise SystemExit(f"held-out question's thread is not stored: {q}")
        items.append(Item(q["question"], None, None, "heldout", thread or q["question"], thread))
    return items
