"""The text toolkit's sentences and stems: a quoted answer must never lose half its sentence."""

from __future__ import annotations

from summarizer.text import content_stems, sentences, stem


def test_abbreviations_and_initials_do_not_end_a_sentence() -> None:
    text = (
        "Trips by U.S. Treasury Secretary Janet Yellen are expected. Mr. Hale met Dr. Osei at 9 a.m. "
        "on Friday. John F. Kennedy Airport was closed."
    )
    assert sentences(text) == [
        "Trips by U.S. Treasury Secretary Janet Yellen are expected.",
        "Mr. Hale met Dr. Osei at 9 a.m. on Friday.",
        "John F. Kennedy Airport was closed.",
    ]


def test_paragraphs_quotes_and_numbers() -> None:
    text = 'He said: "We will win." Then he left.\n\nProfits rose 2.5% to $1.13bn. 2004 was a good year.'
    assert sentences(text) == [
        'He said: "We will win."',
        "Then he left.",
        "Profits rose 2.5% to $1.13bn.",
        "2004 was a good year.",
    ]


def test_text_without_punctuation_is_cut_into_readable_pieces() -> None:
    text = " ".join(["word"] * 1000)
    pieces = sentences(text)
    assert len(pieces) > 1
    assert all(len(p) <= 1200 for p in pieces)
    assert " ".join(pieces) == text


def test_stems_meet_across_inflection_irregular_forms_and_synonyms() -> None:
    same = [
        ("talks", "talk"),
        ("travelled", "travel"),
        ("trips", "travel"),
        ("froze", "freezing"),
        ("won", "wins"),
        ("libraries", "library"),
        ("cancellations", "cancel"),
        ("Blinken’s", "Blinken"),
        ("U.S.", "US"),
    ]
    for a, b in same:
        assert stem(a) == stem(b), (a, b)
    assert stem("minister") != stem("mine")


def test_content_stems_leave_out_function_words() -> None:
    stems = content_stems("Who is the chairman of the Countryside Alliance?")
    assert stems == [stem("chairman"), stem("Countryside"), stem("Alliance")]


def test_a_doubled_digit_is_no_doubled_letter() -> None:
    # "planned" → "plan", but "topic22" stays apart from "topic2" (headlines are grouped by stems).
    assert stem("planned") == stem("plan")
    assert stem("topic22") != stem("topic2")
