"""Small text measures shared by trimming, grounding and answers (no tokenizer, no model).

Tokens are approximated as 4 characters each, the usual figure for English text with the
tokenizers of current chat models; budgets are approximate by design.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator

CHARS_PER_TOKEN = 4

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_BLANK_LINE = re.compile(r"\n\s*\n")
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


class _ContentStems(dict[str, str]):
    """Word → its stem, or "" for a word that carries no meaning; filled as words are met.

    Looked up with ``map``, which stays in C for every word seen before: long articles repeat
    their words, and this is what trimming and grounding spend their time on.
    """

    MAX = 200_000  # cleared when full, to bound memory in a long-running bot

    def __missing__(self, word: str) -> str:
        if len(self) >= self.MAX:
            self.clear()
        value = stem(word) if len(word) > 1 and word.casefold() not in STOPWORDS else ""
        self[word] = value
        return value


_CONTENT_STEMS = _ContentStems()


def content_stems(text: str) -> list[str]:
    """Stems of the words that carry meaning (not stopwords, not single letters)."""
    return [s for s in map(_CONTENT_STEMS.__getitem__, _WORD.findall(text)) if s]


def passage_stems(text: str) -> list[str]:
    """The stem of every word of ``text``, "" for a word that carries no meaning."""
    return list(map(_CONTENT_STEMS.__getitem__, _WORD.findall(text)))


def stem_set(text: str) -> frozenset[str]:
    """The distinct content stems of ``text`` (faster than ``set(content_stems(text))``)."""
    return frozenset(map(_CONTENT_STEMS.__getitem__, set(_WORD.findall(text)))) - {""}


def support(phrase: str, stems: Iterable[str] | frozenset[str]) -> float:
    """Share of ``phrase``'s content words found among ``stems`` (0 when it has none)."""
    known = stems if isinstance(stems, frozenset) else frozenset(stems)
    mine = content_stems(phrase)
    if not mine:
        return 0.0
    return sum(1 for s in mine if s in known) / len(mine)


def sentences(text: str) -> list[str]:
    """Split into sentences at end punctuation followed by a capital or digit (good enough)."""
    return list(iter_sentences(text))


def iter_sentences(text: str) -> Iterator[str]:
    """``sentences(text)`` one at a time, splitting no more of the text than is read."""
    start = 0
    for gap in _BLANK_LINE.finditer(text):  # the blocks re.split(_BLANK_LINE, text) gives
        yield from _block_sentences(text[start : gap.start()])
        start = gap.end()
    yield from _block_sentences(text[start:])


def _block_sentences(block: str) -> Iterator[str]:
    block = " ".join(block.split())
    if block:
        yield from (s.strip() for s in _SENTENCE_END.split(block) if s.strip())


def fold(text: str) -> str:
    """Compatibility-normalised, case-folded text with typographic quotes made plain."""
    return unicodedata.normalize("NFKC", text).casefold().replace("’", "'")
