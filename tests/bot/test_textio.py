"""Untrusted bytes as text: encodings, binary data, sizes and over-long lines."""

from __future__ import annotations

import io
import random

import pytest

from bot.textio import (
    LineTooLong,
    NotText,
    TooLarge,
    bounded_lines,
    decode_text,
    read_capped,
    terminal_input,
    text_stream,
)
from summarizer.clean import clean_text, load_json

TEXT = "Harbour works at Café Quay — “quoted” 🚢\nSecond line\n"


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode(),
        b"\xef\xbb\xbf" + TEXT.encode(),
        TEXT.encode("utf-16"),
        TEXT.encode("utf-16-le"),
        TEXT.encode("utf-16-be"),
        TEXT.encode("utf-32"),
    ],
    ids=["utf-8", "utf-8 bom", "utf-16 bom", "utf-16-le", "utf-16-be", "utf-32 bom"],
)
def test_every_common_encoding_reads_as_the_same_text(data: bytes) -> None:
    assert decode_text(data) == TEXT
    assert list(bounded_lines(text_stream(io.BufferedReader(io.BytesIO(data))), 100)) == TEXT.splitlines()


def test_bytes_that_are_not_utf8_are_read_as_windows_1252_and_the_rest_stays_utf8() -> None:
    assert decode_text("Café".encode("latin-1") + " – naïve".encode()) == "Café – naïve"
    assert decode_text(b"\x93quoted\x94 \x80 5") == "“quoted” € 5"


def test_binary_data_is_refused_and_damaged_text_is_cleaned() -> None:
    noise = random.Random(7).randbytes(5000)
    with pytest.raises(NotText):
        decode_text(noise)
    with pytest.raises(NotText):
        decode_text(b"\x89PNG\r\n\x1a\n" + bytes(2000))
    assert decode_text(b"A text with one NUL\x00 and an escape \x1b[2J in it") == (
        "A text with one NUL and an escape [2J in it"
    )


def test_whole_inputs_are_capped() -> None:
    assert read_capped(io.BytesIO(b"x" * 10), 10) == b"x" * 10
    with pytest.raises(TooLarge, match="more than"):
        read_capped(io.BytesIO(b"x" * 11), 10)


def test_an_over_long_line_is_dropped_whole_never_split_into_a_next_line() -> None:
    stream = io.StringIO("short\n" + "x" * 50 + "/brief schedule off\nnext\n" + "y" * 11)
    lines = list(bounded_lines(stream, 10))
    assert lines == ["short", LineTooLong(10), "next", LineTooLong(10)]
    assert str(lines[1]) == "a line longer than 10 characters was ignored"
    exact = list(bounded_lines(io.StringIO("x" * 10 + "\n" + "y" * 10), 10))
    assert exact == ["x" * 10, "y" * 10]


def test_terminal_input_reads_latin1_and_skips_a_bom() -> None:
    raw = io.BytesIO(b"\xef\xbb\xbf/brief help\n@briefbot caf\xe9?\r\n")
    assert list(bounded_lines(terminal_input(raw), 100)) == ["/brief help", "@briefbot café?"]


def test_clean_text_replaces_lone_surrogates_and_joins_pairs() -> None:
    assert clean_text("a\ud800b\udfffc") == "a\ufffdb\ufffdc"
    assert clean_text("\ud83d\udea2") == "🚢"  # a pair left split (as "surrogatepass" leaves it)
    assert clean_text("tab\tnew\nline\r\x00nul\x07\x1b\x85\ufffe\x0cff") == "tab\tnew\nline\rnul\nff"
    (clean_text("x\ud800") + "y").encode()


def test_load_json_cleans_every_string_and_refuses_deep_nesting() -> None:
    value = load_json('{"k\\ud800": ["\\udc00", {"x": "\\ud83d\\udea2"}], "n": 1}')
    assert value == {"k\ufffd": ["\ufffd", {"x": "🚢"}], "n": 1}
    with pytest.raises(ValueError, match="nested too deeply"):
        load_json("[" * 100_000)
    with pytest.raises(ValueError, match="Expecting property name"):
        load_json("{not json")
