"""Every real-world feed in ../shared/corpora/feeds through our parser: none may crash, and
item counts match the manifest (and rss-parser's expected output) wherever they are known.

The manifest counts item elements; entries with nothing in them (node-feedparser's
illegally-nested.xml nests an empty ``<item/>`` in each real one) are left out by the parser and
counted as ``skipped``, so the two together must match it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.ingest.feeds import FeedError, parse_feed

pytestmark = pytest.mark.corpus


def _feeds(corpora: Path) -> list[dict[str, object]]:
    folder = corpora / "feeds"
    manifest = folder / "manifest.jsonl"
    if not manifest.is_file():
        pytest.skip("../shared/corpora/feeds is absent")
    return [json.loads(line) for line in manifest.read_text().splitlines() if line.strip()]


def test_every_corpus_feed_parses_or_fails_politely(corpora: Path) -> None:
    folder = corpora / "feeds"
    entries = _feeds(corpora)
    assert entries
    listed = {str(e["path"]) for e in entries}
    on_disk = {
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.is_file() and "expected_output" not in p.parts and p.suffix not in {".md", ".jsonl"}
    }
    mismatches = []
    for path in sorted(listed | on_disk):
        entry = next((e for e in entries if e["path"] == path), {})
        body = (folder / path).read_bytes()
        try:
            parsed = parse_feed(body, f"https://feeds.example/{path}")
        except FeedError as exc:  # reported, never a crash; only feeds the manifest has no count for
            if "items" in entry or "\n" in str(exc):
                mismatches.append(f"{path}: {exc}")
            continue
        expected = entry.get("items")
        if expected is not None and len(parsed.items) + parsed.skipped != expected:
            mismatches.append(f"{path}: {len(parsed.items)} + {parsed.skipped} skipped, expected {expected}")
        reference = entry.get("expected_output")
        if reference:
            data = json.loads((folder / str(reference)).read_bytes().decode("utf-8", errors="replace"))
            ref_items = data.get("feed", data).get("items", [])
            if ref_items and len(parsed.items) + parsed.skipped != len(ref_items):
                mismatches.append(f"{path}: {len(parsed.items)} items, rss-parser has {len(ref_items)}")
        for item in parsed.items:
            assert item.title or item.summary or item.content or item.link, f"{path}: an empty item"
    assert not mismatches, mismatches
