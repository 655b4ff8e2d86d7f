"""The speed-tuned pipeline annotates exactly as the stock model does."""

from __future__ import annotations

import spacy

from summarizer.local.pipeline import LEMMAS, LINE_BREAKS, MODEL_FALLBACKS, TAG_MAP, load_model
from tests.summarizer.fixtures import FISHING_TALKS, HARBOUR_VOTE


def stock_model() -> spacy.language.Language:
    for name in MODEL_FALLBACKS["en_core_web_sm"]:
        try:
            return spacy.load(name)
        except OSError:
            continue
    raise AssertionError("en_core_web_sm is not installed")


def annotations(doc: spacy.tokens.Doc) -> list[tuple[object, ...]]:
    return [(t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_, t.head.i, t.ent_iob_, t.ent_type_) for t in doc]


def test_the_tuned_pipeline_annotates_exactly_as_the_stock_model() -> None:
    """Tags, parse, entities (numpy matrix products), and POS, morphology and lemmas (rules and
    lemmas looked up), with cold look-up tables and with warm ones."""
    fast = load_model("en_core_web_sm")
    assert TAG_MAP in fast.pipe_names
    assert LEMMAS in fast.pipe_names
    stock = stock_model()
    # One line (no line-break boundaries), and words that rules name or match by pattern.
    text = " ".join((FISHING_TALKS + HARBOUR_VOTE).split())
    text += " The skipper said it was nothin' new, and we don't know if you'd agree."
    expected = annotations(stock(text))
    assert "nothing" in [t.lemma_ for t in stock(text)]
    assert annotations(fast(text)) == expected
    assert annotations(fast(text)) == expected


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


def test_word_rules_by_pattern_and_chained_rules_apply_as_in_the_attribute_ruler() -> None:
    """The look-up tables give what spaCy's own ruler gives for the same one-token rules: a
    word matched by pattern, a word and tag, a tag, a rule on a tag that an earlier rule sets
    (matched against the tag as it was, as the ruler does); every occurrence, not only the first."""
    from spacy.pipeline import AttributeRuler

    from summarizer.local.pipeline import _TokenRules

    patterns: list[dict[str, object]] = [
        {"patterns": [[{"LOWER": {"REGEX": "^gr[ae]y$"}}]], "attrs": {"LEMMA": "grey"}},
        {"patterns": [[{"LOWER": "ferry", "TAG": "NN"}]], "attrs": {"TAG": "NNX"}},
        {"patterns": [[{"TAG": "NNX"}]], "attrs": {"POS": "PROPN", "MORPH": "Number=Sing"}},
        {"patterns": [[{"TAG": "NN"}]], "attrs": {"POS": "NOUN"}},
    ]
    words = "the blue ferry and the gray ferry and a grey ferry at the quay".split()
    tags = ["DT", "JJ", "NN", "CC", "DT", "JJ", "NN", "CC", "DT", "JJ", "NN", "IN", "DT", "NN"]

    def tagged(nlp: spacy.language.Language) -> spacy.tokens.Doc:
        doc = spacy.tokens.Doc(nlp.vocab, words=words)
        for token, tag in zip(doc, tags, strict=True):
            token.tag_ = tag
        return doc

    nlp = spacy.blank("en")
    ruler = AttributeRuler(nlp.vocab)
    ruler.add_patterns(patterns)  # type: ignore[arg-type]
    rules = _TokenRules(nlp.vocab, patterns)
    theirs, ours = ruler(tagged(nlp)), rules(tagged(nlp))
    assert [t.lemma_ for t in ours].count("grey") == 2
    assert annotations(ours) == annotations(theirs)
