"""The gist: the article's lead, cleaned of the furniture around it.

News puts its summary first. The lead sentence is taken as the article writes it, without the
dateline ("LONDON (Reuters) -", "PARIS, June 5 -"), bylines and photo or video prompts, and a
second sentence is added when the first is too short to say much.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

MIN_WORDS = 12
MAX_WORDS = 60

_DATELINE = re.compile(
    r"^\s*[A-Z][A-Z .'’\-]{1,40}(?:,\s*[A-Za-z .]{2,30})?\s*"
    r"(?:\d{4}-\d\d-\d\d\s*)?(?:\([^)]{1,30}\)\s*)?[-–—]+\s+"
)
_DATE_LINE = re.compile(r"^\s*[A-Z][A-Za-z .'’\-,]{1,40}\s+\d{4}-\d\d-\d\d\s*$")
_FURNITURE = re.compile(
    r"^(?:by\s+[A-Z][\w.'’\-]*(?:\s+[A-Z][\w.'’\-]*){0,3}\s*(?:\n|$)|scroll down for video\s*|"
    r"(?:photo|video|watch|read more|advertisement)\s*:?\s*|\([A-Z][A-Za-z]{1,12}\)\s*[-–—]?\s*)",
    re.IGNORECASE,
)


def make_tldr(sentences: Sequence[str]) -> str:
    """One or two lead sentences, cleaned; empty when there is nothing to say."""
    picked: list[str] = []
    for raw in sentences:
        sentence = _clean(raw)
        if not sentence or _DATE_LINE.match(sentence) or len(sentence.split()) < 3:
            continue
        picked.append(sentence)
        if sum(len(s.split()) for s in picked) >= MIN_WORDS or len(picked) == 2:
            break
    text = " ".join(picked)
    words = text.split()
    if len(words) > MAX_WORDS:
        text = " ".join(words[:MAX_WORDS]).rstrip(",;:") + "…"
    return text


def _clean(sentence: str) -> str:
    text = " ".join(sentence.split())
    text = _DATELINE.sub("", text, count=1)
    previous = None
    while previous != text:
        previous = text
        text = _FURNITURE.sub("", text, count=1).strip()
    return text
