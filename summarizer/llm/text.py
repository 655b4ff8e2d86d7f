"""Small text measures shared by trimming, grounding and answers (no tokenizer, no model).

Tokens are approximated as 4 characters each, the usual figure for English text with the
tokenizers of current chat models; budgets are approximate by design.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

CHARS_PER_TOKEN = 4

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+(?=[\"'“‘(\[]*[A-Z0-9])")

# Function words carry no evidence that a phrase comes from a text.
STOPWORDS = frozenset(
    (
        "a an the and or but nor so yet of to in on at by for with from into onto over under about "
        "as than then that this these those there here it its is are was were be been being am do "
        "does did done have has had having will would shall should can could may might must not no "
        "he she they we you i him her them us me my our your their his hers theirs ours what which "
        "who whom whose when where why how all any both each few more most other some such only own "
        "same too very just also after before while during between against through up down out off "
        "again further once said says say new one two"
    ).split()
)
_SUFFIXES = (
    "ations",
    "ation",
    "ments",
    "ment",
    "ings",
    "ing",
    "ions",
    "ion",
    "ers",
    "er",
    "ed",
    "es",
    "s",
    "ly",
)


def approx_tokens(text: str) -> int:
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


def words(text: str) -> list[str]:
    return _WORD.findall(text)


@functools.lru_cache(maxsize=65536)  # news vocabularies are small; long articles repeat words
def stem(word: str) -> str:
    """A crude English stem: enough to match "talks"/"talk" and "negotiations"/"negotiate"."""
    w = word.casefold().replace("’", "'").removesuffix("'s")
    for suffix in _SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            break
    return w[:6]


def content_stems(text: str) -> list[str]:
    """Stems of the words that carry meaning (not stopwords, not single letters)."""
    return [stem(w) for w in words(text) if len(w) > 1 and w.casefold() not in STOPWORDS]


def stem_set(text: str) -> frozenset[str]:
    """The distinct content stems of ``text`` (faster than ``set(content_stems(text))``)."""
    return frozenset(stem(w) for w in set(words(text)) if len(w) > 1 and w.casefold() not in STOPWORDS)


def support(phrase: str, stems: Iterable[str] | frozenset[str]) -> float:
    """Share of ``phrase``'s content words found among ``stems`` (0 when it has none)."""
    known = stems if isinstance(stems, frozenset) else frozenset(stems)
    mine = content_stems(phrase)
    if not mine:
        return 0.0
    return sum(1 for s in mine if s in known) / len(mine)


def sentences(text: str) -> list[str]:
    """Split into sentences at end punctuation followed by a capital or digit (good enough)."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        block = " ".join(block.split())
        if block:
            out.extend(s.strip() for s in _SENTENCE_END.split(block) if s.strip())
    return out


def fold(text: str) -> str:
    """Compatibility-normalised, case-folded text with typographic quotes made plain."""
    return unicodedata.normalize("NFKC", text).casefold().replace("’", "'")
