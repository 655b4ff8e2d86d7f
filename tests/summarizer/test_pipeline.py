"""The speed-tuned pipeline annotates exactly as the stock model does."""

from __future__ import annotations

import spacy

from summarizer.local.pipeline import LINE_BREAKS, MODEL_FALLBACKS, TAG_MAP, load_model
from tests.summarizer.fixtures import FISHING_TALKS, HARBOUR_VOTE


def stock_model() -> spacy.language.Language:
    for name in MODEL_FALLBACKS["en_core_web_sm"]:
        try:
            return spacy.load(name)
        except OSError:
            continue
    raise AssertionError("en_core_web_sm is not installed")


def test_fast_attribute_rules_give_the_same_pos_morphology_and_lemmas() -> None:
    fast = load_model("en_core_web_sm")
    assert TAG_MAP in fast.pipe_names
    stock = stock_model()
    text = " ".join((FISHING_TALKS + HARBOUR_VOTE).split())  # one line: no line-break boundaries
    ours, theirs = fast(text), stock(text)
    assert [(t.pos_, str(t.morph), t.lemma_) for t in ours] == [
        (t.pos_, str(t.morph), t.lemma_) for t in theirs
    ]


def test_lines_that_end_a_sentence_start_a_new_one() -> None:
    nlp = load_model("en_core_web_sm")
    assert LINE_BREAKS in nlp.pipe_names
    text = "PORTVALE 2031-04-12\nResults:\nKelburn 2 Ardmore 1\nLochside 0 Rosemount 0\n"
    doc = nlp(text)
    starts = {s.start_char for s in doc.sents}
    line_starts = {0} | {i + 1 for i, c in enumerate(text[:-1]) if c == "\n"}
    assert line_starts <= starts
    wrapped = nlp(
        "The harbour authority approved a six-month trial of night ferries between the town and\n"
        "the island on Tuesday."
    )
    assert len(list(wrapped.sents)) == 1  # a hard-wrapped line runs on
