"""The summarizer's text toolkit: words, stopwords, stems and sentences (regular expressions,
no model), for the answerer (``summarizer.qa``), the LLM backend's trimming and grounding
(``summarizer.llm``), the digest's story grouping (``bot.digest``) and the local brief's
comparison of its items (``item_words``).

One rule where the jobs mean the same thing; where one needs a different rule, it has its own
name here (``HEADLINE_STOPWORDS``), never a second copy elsewhere.

Answers are quoted sentences, so the splitter must not cut a sentence at "U.S." or "Mr." (a
quote that loses half its sentence may lose the answer too).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator

_WORD = re.compile(r"[^\W_]+(?:['’.][^\W_]+)*", re.UNICODE)
_SPACE = re.compile(r"\s+")
_BLANK_LINE = re.compile(r"\n\s*\n|\r\n\s*\r\n")

# A sentence ends at . ! ? (or …), maybe followed by closing quotes/brackets, then whitespace,
# then something that can start a sentence.
_BOUNDARY = re.compile(r"([.!?…]+[\"'”’)\]]*)\s+(?=[\"'“‘(\[]*[A-Z0-9£$€])")

# Words after which a full stop rarely ends the sentence.
_ABBREVIATIONS = frozenset(
    (
        "mr mrs ms dr prof sr jr st mt ft gen lt col capt cmdr sgt adm gov sen rep rev hon pres "
        "supt insp det jan feb mar apr jun jul aug sep sept oct nov dec inc corp co ltd plc llc "
        "no nos vs etc al approx dept est fig univ ave blvd rd"
    ).split()
)
# Leading words that do not make a following full stop a sentence end.
_INITIALISM = re.compile(r"(?:[A-Za-z]\.){2,}$")  # U.S.  U.K.  a.m.  e.g.

MAX_SENTENCE_CHARS = 1200


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def squash(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def sentences(text: str) -> list[str]:
    """Split article text into sentences (paragraph breaks always end one)."""
    return list(iter_sentences(text))


def iter_sentences(text: str) -> Iterator[str]:
    """``sentences(text)`` one at a time, splitting no more of the text than is read (the
    lead of a 200 KB article costs no more than the lead)."""
    start = 0
    for gap in _BLANK_LINE.finditer(text):
        yield from _block_sentences(text[start : gap.start()])
        start = gap.end()
    yield from _block_sentences(text[start:])


def _block_sentences(block: str) -> Iterator[str]:
    block = squash(block)
    start = 0
    for m in _BOUNDARY.finditer(block):
        if _not_an_end(block, m.start()):
            continue
        piece = block[start : m.end(1)].strip()
        if piece:
            yield from _cut_overlong(piece)
        start = m.end()
    rest = block[start:].strip()
    if rest:
        yield from _cut_overlong(rest)


def _not_an_end(block: str, dot: int) -> bool:
    """True when the punctuation at ``dot`` closes an abbreviation or an initial."""
    if block[dot] != ".":
        return False
    head = block[max(0, dot - 12) : dot + 1].split(" ")[-1]  # the word with its final dot
    bare = head.rstrip(".").lstrip("\"'“‘([")
    if not bare:
        return False
    if bare.casefold() in _ABBREVIATIONS:
        return True
    if _INITIALISM.search(head) and len(bare) <= 6:
        # "U.S. Treasury" goes on; but "in the U.S. The" is ambiguous: keep the sentence whole,
        # which costs a longer quote, never a lost answer.
        return True
    return len(bare) == 1 and bare.isupper()  # "John F. Kennedy"


def _cut_overlong(sentence: str) -> list[str]:
    """Texts without punctuation (captions, lists) become huge "sentences"; cut them at a
    semicolon or comma near the limit so quotes stay readable."""
    if len(sentence) <= MAX_SENTENCE_CHARS:
        return [sentence]
    parts: list[str] = []
    rest = sentence
    while len(rest) > MAX_SENTENCE_CHARS:
        window = rest[:MAX_SENTENCE_CHARS]
        cut = max(window.rfind("; "), window.rfind(", "), window.rfind(" "))
        if cut < MAX_SENTENCE_CHARS // 2:
            cut = MAX_SENTENCE_CHARS
        parts.append(rest[: cut + 1].strip())
        rest = rest[cut + 1 :].strip()
    if rest:
        parts.append(rest)
    return parts


# Function words: they carry no evidence of what a question is about.
STOPWORDS = frozenset(
    (
        "a an the and or but nor so yet of to in on at by for with from into onto over under about "
        "as than then that this these those there here it its is are was were be been being am do "
        "does did done doing have has had having will would shall should can could may might must "
        "not no he she they we you i him her them us me my our your their his hers theirs ours "
        "what which who whom whose when where why how all any both each few more most other some "
        "such only own same too very just also while whether if s t ll d ve re m up out off "
        "after before during between against through since until because upon within without "
        "said says say saying told tell tells let get got go going went gone make made "
        "per via among across around toward towards near"
    ).split()
)

MONTHS = frozenset(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())

_SUFFIXES = (
    ("izations", "iz"),
    ("isations", "iz"),
    ("ization", "iz"),
    ("isation", "iz"),
    ("ational", ""),
    ("ations", ""),
    ("ation", ""),
    ("ators", ""),
    ("ator", ""),
    ("ating", ""),
    ("ated", ""),
    ("ates", ""),
    ("ate", ""),
    ("ions", ""),
    ("ion", ""),
    ("nesses", ""),
    ("ness", ""),
    ("ments", ""),
    ("ment", ""),
    ("ingly", ""),
    ("ings", ""),
    ("ing", ""),
    ("edly", ""),
    ("ies", "y"),
    ("ied", "y"),
    ("ers", ""),
    ("er", ""),
    ("ed", ""),
    ("es", ""),
    ("ly", ""),
    ("s", ""),
)


# Irregular forms, so that "froze"/"frozen" meet "freeze" and "won" meets "win".
_IRREGULAR = {
    form: base
    for base, forms in {
        "meet": "met",
        "leave": "left",
        "pay": "paid",
        "sell": "sold",
        "buy": "bought",
        "win": "won",
        "lose": "lost",
        "fall": "fell fallen",
        "rise": "rose risen",
        "grow": "grew grown",
        "begin": "began begun",
        "hold": "held",
        "take": "took taken",
        "give": "gave given",
        "find": "found",
        "spend": "spent",
        "build": "built",
        "bring": "brought",
        "choose": "chose chosen",
        "strike": "struck",
        "see": "saw seen",
        "feel": "felt",
        "keep": "kept",
        "run": "ran",
        "lead": "led",
        "fight": "fought",
        "break": "broke broken",
        "speak": "spoke spoken",
        "write": "wrote written",
        "drive": "drove driven",
        "fly": "flew flown",
        "throw": "threw thrown",
        "withdraw": "withdrew withdrawn",
        "steal": "stole stolen",
        "freeze": "froze frozen",
        "shoot": "shot",
        "flee": "fled",
        "send": "sent",
        "lend": "lent",
        "deal": "dealt",
        "seek": "sought",
        "teach": "taught",
        "catch": "caught",
        "think": "thought",
        "stand": "stood",
        "swear": "swore sworn",
        "wear": "wore worn",
        "become": "became",
        "sink": "sank sunk",
        "hide": "hid hidden",
        "shake": "shook shaken",
        "tell": "told",
        "sing": "sang sung",
        "forbid": "forbade forbidden",
        "bear": "bore borne",
        "beat": "beaten",
        "arise": "arose arisen",
        "eat": "ate eaten",
        "fit": "fitted",
        "child": "children",
        "man": "men",
        "woman": "women",
        "person": "people",
    }.items()
    for form in forms.split()
}

# Irregular past tenses (and participles), which say a question asks what happened.
PAST_FORMS = frozenset(f for f, base in _IRREGULAR.items() if base not in ("child", "man", "woman", "person"))

# Words that say the same thing in news questions and news text. General English only.
_SYNONYM_GROUPS = (
    "travel trip journey tour",
    "buy purchase acquire acquisition takeover",
    "sell sale",
    "win victory",
    "defeat lose",
    "die death dead kill",
    "arrest detain",
    "start begin launch",
    "end finish conclude",
    "rise raise increase grow jump climb",
    "fall drop decline slump",
    "cost price",
    "pay payment",
    "worry concern fear",
    "cancel scrap axe",
    "sack dismiss fire",
    "plan intend propose",
    "meet meeting talks",
    "leave quit depart",
    "hurt harm damage",
    "company firm",
    "film movie",
    "shortfall deficit",
    "car vehicle",
    "chief boss head",
    "job post",
    "vote ballot",
    "injury injure",
    "sign signing",
    "charge accuse",
)


def _light_stem(w: str) -> str:
    if w.isdigit() or len(w) <= 3:
        return w
    for suffix, replacement in _SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            if suffix == "s" and w.endswith(("ss", "us", "is")):
                break
            w = w[: -len(suffix)] + replacement
            break
    if (
        len(w) > 4
        and w[-1] == w[-2]
        and w[-1].isalpha()
        and (w[-1] not in "lsz" or (w[-1] == "l" and len(w) >= 6))
    ):
        w = w[:-1]  # "planned" → "plann" → "plan", "travelled" → "travel"
    if w.endswith("e") and len(w) > 4:  # "leave"/"leaving", "raise"/"raised" agree
        w = w[:-1]
    return w[:8]


_CANONICAL = {
    _light_stem(word): _light_stem(group.split()[0]) for group in _SYNONYM_GROUPS for word in group.split()
}


@functools.lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """A light English stem, the same for question and text: "talks"/"talked" → "talk";
    irregular forms and a few synonyms share one ("won" → "win", "trip" → "travel")."""
    w = word.casefold().replace("’", "'")
    w = w.removesuffix("'s").removesuffix("'").replace(".", "")
    w = _IRREGULAR.get(w, w)
    s = _light_stem(w)
    return _CANONICAL.get(s, s)


@functools.lru_cache(maxsize=100_000)
def index_stem(word: str) -> str:
    """A word as a full-text index counts it: lower case, its suffix stripped, and no more
    (an index knows no irregular forms or synonyms)."""
    return _light_stem(word.casefold())


def is_content(word: str) -> bool:
    f = word.casefold()
    return (len(f) > 1 and f not in STOPWORDS) or f.isdigit()


class _ContentStems(dict[str, str]):
    """Word → its stem, or "" for a word that carries no meaning; filled as words are met.

    Looked up with ``map``, which stays in C for every word seen before: long articles repeat
    their words, and trimming and grounding an LLM's brief read every one of them.
    """

    MAX = 200_000  # cleared when full, to bound memory in a long-running bot

    def __missing__(self, word: str) -> str:
        if len(self) >= self.MAX:
            self.clear()
        value = stem(word) if is_content(word) else ""
        self[word] = value
        return value


_CONTENT_STEMS = _ContentStems()


def content_stems(text: str) -> list[str]:
    """Stems of the words that carry meaning, in order."""
    return [s for s in map(_CONTENT_STEMS.__getitem__, _WORD.findall(text)) if s]


def passage_stems(text: str) -> list[str]:
    """The stem of every word of ``text``, "" for a word that carries no meaning."""
    return list(map(_CONTENT_STEMS.__getitem__, _WORD.findall(text)))


def stem_set(text: str) -> frozenset[str]:
    """The distinct stems of the words that carry meaning."""
    return frozenset(map(_CONTENT_STEMS.__getitem__, set(_WORD.findall(text)))) - {""}


def support(phrase: str, stems: Iterable[str] | frozenset[str]) -> float:
    """Share of ``phrase``'s content words found among ``stems`` (0 when it has none): how
    much of a model's phrase the text it claims to come from bears out."""
    known = stems if isinstance(stems, frozenset) else frozenset(stems)
    mine = content_stems(phrase)
    if not mine:
        return 0.0
    return sum(1 for s in mine if s in known) / len(mine)


@functools.lru_cache(maxsize=20_000)
def name_stems(text: str) -> frozenset[str]:
    """Stems of the words written as names (capitalised, or "iPhone"), and of numbers: where a
    name asked about must be found ("Avatar" the film is not "avatar" the picture)."""
    return frozenset(
        stem(w) for w in words(text) if w[:1].isupper() or w[:1].isdigit() or (w[1:3] != w[1:3].lower())
    )


# Headlines carry their own filler ("live", "latest", "report") that says nothing about the story
# (the digest groups stories by their headlines' words).
HEADLINE_STOPWORDS = STOPWORDS | frozenset(
    "amid day down latest least less live new news report reports today update updates week year yes".split()
)


# Brief items (the local brief's objectives and open issues) are compared with one another, and
# with the clauses they were written from, the way the gold briefs' scorer compares phrases:
# fewer stopwords than ``STOPWORDS`` (a subset: "said", "after", "not" count here) and plain
# suffix stripping, lighter than ``stem``. Measured: ``stem_set`` in its place moves the learned
# brief's objectives from 0.461 to 0.439 F1, open issues from 0.386 to 0.395 (dev set, 5-fold CV).
ITEM_STOPWORDS = frozenset(
    "a an the of to in on at for from by with and or but as is are was were be been that this it its "
    "their his her they he she we our you will would could should may might can has have had".split()
)
_ITEM_WORD = re.compile(r"[a-z0-9]+")


def item_words(text: str) -> set[str]:
    """The stemmed words of a brief item that carry content: what two items are compared on."""
    return {_item_stem(w) for w in _ITEM_WORD.findall(text.lower()) if w not in ITEM_STOPWORDS}


def _item_stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word
