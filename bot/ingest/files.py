"""Articles from local files and standard input: ``.txt``, ``.md``, ``.html`` and ``.jsonl``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from bot.ingest.extract import extract_html
from summarizer.brief import Article
from summarizer.errors import BriefbotError, ExtractError

TEXT_SUFFIXES = {".txt", ".md", ".text", ".markdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SUPPORTED = ", ".join(sorted(TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES))

_HTML_START = re.compile(r"^\s*(<!doctype html|<html|<head|<body|<article|<div|<p[\s>])", re.I)


class InputError(BriefbotError):
    """A local input could not be read as an article."""


def read_inputs(paths: list[str], stdin: TextIO) -> Iterator[Article | InputError]:
    """Articles from each path in order (``-`` is standard input); bad inputs become errors."""
    for raw in paths:
        if raw == "-":
            yield from _from_text_blob(stdin.read(), "stdin")
            continue
        path = Path(raw)
        try:
            yield from read_file(path)
        except InputError as exc:
            yield exc


def read_file(path: Path) -> Iterator[Article | InputError]:
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES:
        raise InputError(f"{path}: unsupported file type {suffix or '(none)'}; use one of {SUPPORTED}")
    try:
        content = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if suffix in JSONL_SUFFIXES:
        yield from parse_jsonl(content, str(path))
    elif suffix in HTML_SUFFIXES:
        yield _from_html(content, path.stem, str(path))
    else:
        yield article_from_text(content, path.stem, markdown=suffix in {".md", ".markdown"})


def _from_text_blob(content: str, origin: str) -> Iterator[Article | InputError]:
    stripped = content.lstrip()
    if stripped.startswith("{"):
        yield from parse_jsonl(content, origin)
    elif _HTML_START.match(stripped):
        yield _from_html(content, origin, origin)
    else:
        yield article_from_text(content, origin, markdown=stripped.startswith("# "))


def _from_html(content: str, key: str, origin: str) -> Article | InputError:
    try:
        extracted = extract_html(content)
    except ExtractError as exc:
        return InputError(f"{origin}: {exc}")
    return Article(id=key, title=extracted.title, text=extracted.text, published=extracted.published)


def parse_jsonl(content: str, origin: str) -> Iterator[Article | InputError]:
    """One ``{"id", "title", "text"}`` object per line; optional ``url``, ``published``, ``source``."""
    for lineno, line in enumerate(content.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{origin}:{lineno}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield InputError(f"{where}: not valid JSON ({exc.msg})")
            continue
        if not isinstance(obj, dict):
            yield InputError(f"{where}: expected a JSON object")
            continue
        text = obj.get("text")
        if not isinstance(text, str):
            yield InputError(
                f'{where}: missing "text"',
            )
            continue
        key = obj.get("id")
        yield Article(
            id=str(key) if key is not None else f"{Path(origin).stem}-{lineno}",
            title=_opt(obj.get("title")) or "",
            text=text,
            url=_opt(obj.get("url")),
            published=_opt(obj.get("published")),
            source=_opt(obj.get("source")),
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


def _opt(value: object) -> str | None:
    return str(value) if value is not None and value != "" else None
