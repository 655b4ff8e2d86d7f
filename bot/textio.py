"""Untrusted bytes as text: files, standard input and the terminal chat.

- Decoding never fails. A byte-order mark says UTF-8, UTF-16 or UTF-32; UTF-16 without one is
  recognised by its NUL bytes; everything else is UTF-8, where a byte that is not UTF-8 is read
  as Windows-1252 (a Latin-1 "é" stays "é" instead of raising or turning into a surrogate).
- Binary data (an image, random bytes) is recognised and refused, not briefed as some language.
- Nothing is read without bound: a whole input up to a size; lines up to a length, and the rest
  of an over-long line is dropped with it, never taken for the next line (where it could run as
  a command).

Every text handed out has passed ``summarizer.clean.clean_text``.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, TextIO

from summarizer.clean import clean_text

FALLBACK_ERRORS = "briefbot-cp1252"
SNIFF_BYTES = 4096
_CP1252 = bytes(range(256)).decode("cp1252", errors="replace")  # undefined bytes: U+FFFD
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Text has few of these; random bytes and compressed formats about one in ten.
_NOT_TEXT = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f\ufffd\ud800-\udfff]")
BINARY_SHARE = 0.02


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    return "".join(_CP1252[b] for b in bad), error.end


codecs.register_error(FALLBACK_ERRORS, _cp1252_fallback)


class NotText(ValueError):
    """The bytes are not text (binary data)."""


class TooLarge(ValueError):
    """More bytes than the cap."""


@dataclass(frozen=True, slots=True)
class LineTooLong:
    """Stands for a line longer than the limit; all of it was read and dropped."""

    limit: int

    def __str__(self) -> str:
        return f"a line longer than {self.limit:,} characters was ignored"


def sniff_encoding(head: bytes) -> tuple[str, int]:
    """The encoding of bytes that start with ``head``, and how many leading bytes are its BOM."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding, len(bom)
    sample = head[: len(head) // 2 * 2][:1024]
    if len(sample) >= 4:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        half = len(sample) // 2
        if odd > half * 0.4 and even < half * 0.05:
            return "utf-16-le", 0  # ASCII letters with a NUL after each
        if even > half * 0.4 and odd < half * 0.05:
            return "utf-16-be", 0
    return "utf-8", 0


def _errors(encoding: str) -> str:
    return FALLBACK_ERRORS if encoding == "utf-8" else "replace"


def decode_text(data: bytes) -> str:
    """Bytes as clean text; raises ``NotText`` for binary data."""
    encoding, skip = sniff_encoding(data[:SNIFF_BYTES])
    text = data[skip:].decode(encoding, _errors(encoding))
    if looks_binary(text):
        raise NotText("this is binary data, not text")
    return clean_text(text)


def looks_binary(text: str) -> bool:
    """Whether decoded text is really binary data: many control characters and undecodable
    bytes (a stray one is a damaged text, and is cleaned away)."""
    sample = text[:65536]
    return len(_NOT_TEXT.findall(sample)) > max(4, len(sample) * BINARY_SHARE)


def read_capped(stream: BinaryIO, limit: int) -> bytes:
    """All of ``stream`` when it holds at most ``limit`` bytes; else ``TooLarge`` (having read
    ``limit + 1`` bytes, however much more there is)."""
    chunks: list[bytes] = []
    total = 0
    while total <= limit and (chunk := stream.read(min(65536, limit + 1 - total))):
        chunks.append(chunk)
        total += len(chunk)
    if total > limit:
        raise TooLarge(f"more than {_size(limit)}")
    return b"".join(chunks)


def peekable(stream: BinaryIO) -> io.BufferedReader:
    """``stream`` as a reader whose first bytes can be looked at without consuming them."""
    if isinstance(stream, io.BufferedReader):
        return stream
    return io.BufferedReader(stream)  # type: ignore[arg-type]  # any readable binary stream


def text_stream(stream: io.BufferedReader) -> TextIO:
    """A text view of ``stream`` in its sniffed encoding (never raising on a bad byte)."""
    encoding, skip = sniff_encoding(stream.peek(SNIFF_BYTES)[:SNIFF_BYTES])
    stream.read(skip)
    return io.TextIOWrapper(stream, encoding=encoding, errors=_errors(encoding), newline=None)


def terminal_input(stream: BinaryIO) -> TextIO:
    """Standard input for the terminal chat: UTF-8 (a leading BOM skipped), Latin-1 bytes read
    as such. Nothing is sniffed, so a terminal is not waited on before the first line."""
    return io.TextIOWrapper(stream, encoding="utf-8-sig", errors=FALLBACK_ERRORS, newline=None)


def bounded_lines(text: TextIO, limit: int) -> Iterator[str | LineTooLong]:
    """Clean lines (without their line break) of at most ``limit`` characters; a longer line is
    read to its end and dropped, and a ``LineTooLong`` stands in its place."""
    while line := text.readline(limit + 1):
        if len(line) > limit and not line.endswith("\n"):
            while line and not line.endswith("\n"):
                line = text.readline(65536)
            yield LineTooLong(limit)
            continue
        yield clean_text(line.rstrip("\r\n"))


def _size(n: int) -> str:
    return f"{n / 1_000_000:g} MB" if n >= 1_000_000 else f"{n / 1000:g} kB"
