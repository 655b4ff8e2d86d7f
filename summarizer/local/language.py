"""Cheap checks that a text is something the English pipeline can brief."""

from __future__ import annotations

import re

from summarizer.errors import SummarizeError

# The most frequent English function words: any real English article is full of them.
_ENGLISH = frozenset(
    (
        "the of and to a in is that for it as was with on be by at this are from or an have his her "
        "he she they which not but had has were their its been would will said who also after more "
        "than about over into"
    ).split()
)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
MIN_WORDS = 8


def check_briefable(text: str) -> None:
    """Raise ``SummarizeError`` for empty, too short or non-English text."""
    words = _WORD.findall(text)
    if not text.strip() or not words:
        raise SummarizeError("the article is empty")
    if len(words) < MIN_WORDS:
        raise SummarizeError(f"the article is too short to brief ({len(words)} words)")
    latin = sum(1 for w in words if w.isascii())
    english = sum(1 for w in words if w.lower() in _ENGLISH)
    if latin / len(words) < 0.6 or english / len(words) < 0.08:
        raise SummarizeError("the article does not look like English text; only English is supported")
