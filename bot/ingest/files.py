"""Articles from local files and standard input: ``.txt``, ``.md``, ``.html`` and ``.jsonl``.

Bytes become text through ``bot.textio`` (any common encoding, binary refused, sizes capped).
A JSONL input is read line by line, so an archive of any length streams; a single article (a
text or HTML file, or standard input that is not JSONL) may be at most ``max_bytes`` long.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from bot.ingest.canonical import canonical_url
from bot.ingest.extract import extract_html
from bot.settings import FetchSettings
from bot.textio import (
    SNIFF_BYTES,
    LineTooLong,
    NotText,
    TooLarge,
    bounded_lines,
    decode_text,
    peekable,
    read_capped,
    sniff_encoding,
    text_stream,
)
from summarizer.brief import Article
from summarizer.clean import load_json
from summarizer.errors import BriefbotError, ExtractError, FetchError

TEXT_SUFFIXES = {".txt", ".md", ".text", ".markdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SUPPORTED = ", ".join(sorted(TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES))
MAX_BYTES = FetchSettings.max_bytes  # one article, as for a fetched page ([fetch] max_bytes)

_HTML_START = re.compile(r"^\s*(<!doctype html|<html|<head|<body|<article|<div|<p[\s>])", re.I)
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_OPTIONAL_FIELDS = ("title", "url", "published", "source")


class InputError(BriefbotError):
    """A local input could not be read as an article; ``key`` is its id when that was readable."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


def read_inputs(
    paths: list[str], stdin: BinaryIO, max_bytes: int = MAX_BYTES
) -> Iterator[Article | InputError]:
    """Articles from each path in order (``-`` is standard input); bad inputs become errors."""
    for raw in paths:
        if raw == "-":
            yield from read_stream(stdin, "stdin", max_bytes)
            continue
        if scheme := _SCHEME.match(raw):
            yield InputError(_not_a_file(raw, scheme.group(1).lower()))
            continue
        try:
            yield from read_file(Path(raw), max_bytes)
        except InputError as exc:
            yield exc


def _not_a_file(raw: str, scheme: str) -> str:
    if scheme == "file":
        return f"{raw}: file:// URLs are not read; give the file's path instead"
    if scheme in ("http", "https"):
        try:
            canonical_url(raw)
        except FetchError as exc:
            return str(exc)  # "http:// has no host name"
    return f"{raw}: not a file, and only http:// and https:// URLs are fetched"


def read_file(path: Path, max_bytes: int = MAX_BYTES) -> Iterator[Article | InputError]:
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES:
        raise InputError(f"{path}: unsupported file type {suffix or '(none)'}; use one of {SUPPORTED}")
    try:
        with path.open("rb") as file:
            if suffix in JSONL_SUFFIXES:
                yield from parse_jsonl(bounded_lines(text_stream(peekable(file)), max_bytes), str(path))
                return
            content = _whole(file, str(path), max_bytes)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if suffix in HTML_SUFFIXES:
        yield _from_html(content, path.stem, str(path))
    else:
        yield article_from_text(content, path.stem, markdown=suffix in {".md", ".markdown"})


def read_stream(stream: BinaryIO, origin: str, max_bytes: int = MAX_BYTES) -> Iterator[Article | InputError]:
    """Standard input: JSONL (streamed, one article per line) when it starts with ``{``, else
    one article of text or HTML."""
    reader = peekable(stream)
    head = reader.peek(SNIFF_BYTES)[:SNIFF_BYTES]
    encoding, skip = sniff_encoding(head)
    if head[skip:].decode(encoding, "replace").lstrip().startswith("{"):
        yield from parse_jsonl(bounded_lines(text_stream(reader), max_bytes), origin)
        return
    try:
        content = _whole(reader, origin, max_bytes)
    except InputError as exc:
        yield exc
        return
    stripped = content.lstrip()
    if _HTML_START.match(stripped):
        yield _from_html(content, origin, origin)
    else:
        yield article_from_text(content, origin, markdown=stripped.startswith("# "))


def _whole(stream: BinaryIO, origin: str, max_bytes: int) -> str:
    """One article's bytes as text, at most ``max_bytes`` of them."""
    try:
        return decode_text(read_capped(stream, max_bytes))
    except TooLarge:
        raise InputError(
            f"{origin}: more than {max_bytes:,} bytes, the most Briefbot reads of one article "
            "(for many articles, give one JSON object per line)"
        ) from None
    except NotText:
        raise InputError(f"{origin}: this is binary data, not text") from None


def _from_html(content: str, key: str, origin: str) -> Article | InputError:
    try:
        extracted = extract_html(content)
    except ExtractError as exc:
        return InputError(f"{origin}: {exc}")
    return Article(id=key, title=extracted.title, text=extracted.text, published=extracted.published)


def parse_jsonl(lines: Iterable[str | LineTooLong], origin: str) -> Iterator[Article | InputError]:
    """One ``{"id", "title", "text"}`` object per line; optional ``url``, ``published``, ``source``."""
    for lineno, line in enumerate(lines, 1):
        where = f"{origin}:{lineno}"
        if isinstance(line, LineTooLong):
            yield InputError(f"{where}: {line}")
        elif line.strip():
            yield jsonl_article(line, where, f"{Path(origin).stem}-{lineno}")


def jsonl_article(line: str, where: str, default_id: str) -> Article | InputError:
    """The article one JSONL line holds, or why it holds none (naming its id when it has one)."""
    try:
        obj = load_json(line)
    except ValueError as exc:
        return InputError(f"{where}: not valid JSON ({getattr(exc, 'msg', exc)})")
    if not isinstance(obj, dict):
        return InputError(f"{where}: expected a JSON object")
    key = obj.get("id")
    if isinstance(key, int) and not isinstance(key, bool):
        key = str(key)  # 77 and "77" are the same id; other types would be stored as their repr
    if key is not None and not isinstance(key, str):
        return InputError(f'{where}: "id" must be a string')
    key = key if key and key.strip() else default_id
    text = obj.get("text")
    if not isinstance(text, str):
        problem = 'missing "text"' if text is None else '"text" must be a string'
        return InputError(f"{where}: {problem}", key)
    fields: dict[str, str | None] = {}
    for name in _OPTIONAL_FIELDS:
        value = obj.get(name)
        if value is not None and not isinstance(value, str):
            return InputError(f'{where}: "{name}" must be a string', key)
        fields[name] = value or None
    return Article(
        id=key,
        title=fields["title"] or "",
        text=text,
        url=fields["url"],
        published=fields["published"],
        source=fields["source"],
    )


def article_from_text(content: str, key: str, markdown: bool = False) -> Article:
    """Plain text; a Markdown ``# heading`` or a short first line set apart by a blank line is the title."""
    lines = content.strip().splitlines()
    title = ""
    if lines and markdown and lines[0].startswith("# "):
        title, lines = lines[0][2:].strip(), lines[1:]
    elif len(lines) > 2 and not lines[1].strip() and _looks_like_title(lines[0]):
        title, lines = lines[0].strip(), lines[2:]
    return Article(id=key, title=title, text="\n".join(lines).strip())


def _looks_like_title(line: str) -> bool:
    line = line.strip()
    return 0 < len(line.split()) <= 16 and not line.endswith((".", ":", ";", ","))
