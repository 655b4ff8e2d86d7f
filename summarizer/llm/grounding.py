"""Keeping a model's brief true to its article: what the text does not support is dropped.

A name is grounded when it occurs in the article — ignoring case, spacing and punctuation
("U.S." = "US") — or when a known alias of it does: an acronym of it ("UN" for "United
Nations", and back), a common alternative name, or, for a person, the trailing part of the name
the article uses ("President Ana Ruiz" → "Ana Ruiz", "Ruiz"). Phrases must share most of their
content words with the article. Anything shaped like a chat mention (``@everyone``, ``<!here>``,
``<@U123>``) is dropped wherever it appears: a brief never pings anyone.

Everything here is a pure function of (brief, article text).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from summarizer.brief import Actor, Brief, Place
from summarizer.text import iter_sentences, stem_set, support

PHRASE_SUPPORT = 0.5  # share of a phrase's content words that must occur in the article
ROLE_SUPPORT = 0.5
TLDR_SUPPORT = 0.5
MAX_WHO = 10
MAX_WHERE = 8
MAX_PHRASES = 6
MAX_NAME_WORDS = 8
MAX_NAME_CHARS = 100
LEAD_CHARS = 300

# Chat mention syntax of Slack and Discord, and any @handle: never part of a brief.
MENTION = re.compile(r"@\w|<\s*[!@#]", re.UNICODE)

# General-knowledge alternative names that are not acronyms of each other (acronyms are
# derived, see `_initials`). Deliberately tiny: each entry must be unambiguous in news text.
ALIAS_GROUPS: tuple[tuple[str, ...], ...] = (
    ("United States", "United States of America", "USA"),
    ("United Kingdom", "Britain", "Great Britain"),
    ("Soviet Union", "USSR"),
)
_LOWER_IN_NAMES = frozenset("of the and for de du da del la le von van der y".split())


@dataclass(frozen=True, slots=True)
class GroundingReport:
    """What grounding removed or changed, for logs and counters."""

    dropped: tuple[str, ...] = ()  # whole items removed: "who:Jane Doe", "objectives:…"
    cleared: tuple[str, ...] = ()  # roles/details removed from kept items
    renamed: tuple[tuple[str, str], ...] = ()  # (model's name, name as the article has it)

    @property
    def count(self) -> int:
        return len(self.dropped)


# Each pattern starts with the character it looks for, so that the regex engine can skip to it.
_POSSESSIVE = re.compile(r"'(?<=\w')s\b")  # "Okafor's" → "Okafor"
_INNER_MARK = re.compile(r"[.'](?<=\w[.'])(?=\w)")  # "U.S." → "US", "O'Neill" → "ONeill"
_TOKEN = re.compile(r"[^\W_]+")
_BETWEEN_TOKENS = re.compile(r"[\W_]+")


def _normalised(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).replace("’", "'").replace("‘", "'")
    return _INNER_MARK.sub("", _POSSESSIVE.sub("", s))


def _tokens(text: str, fold: bool) -> list[str]:
    toks = _TOKEN.findall(_normalised(text))
    return [t.casefold() for t in toks] if fold else toks


def _joined_text(text: str) -> str:
    """``_joined(_tokens(text, fold=False))``, built by the regex engine alone."""
    return " " + _BETWEEN_TOKENS.sub(" ", _normalised(text)).strip(" ") + " "


def _joined(tokens: Iterable[str]) -> str:
    return " " + " ".join(tokens) + " "


def _initials(tokens: list[str]) -> str:
    caps = [t for t in tokens if t.casefold() not in _LOWER_IN_NAMES]
    if len(caps) < 2 or not all(t[:1].isupper() for t in caps):
        return ""
    return "".join(t[0] for t in caps).upper()


class ArticleIndex:
    """The article text prepared once for many lookups."""

    def __init__(self, text: str, stems: frozenset[str] | None = None) -> None:
        """``stems``: ``stem_set(text)`` when the caller has it already."""
        self.cased = _joined_text(text)
        self.folded = self.cased.casefold()  # casefold maps character by character
        self.stems = stem_set(text) if stems is None else stems
        self._text = text

    @functools.cached_property
    def cased_tokens(self) -> list[str]:
        return self.cased.split()

    def _has(self, tokens: list[str]) -> bool:
        if not tokens:
            return False
        # Short names ("US", "EU") are matched with their case: "us" is a pronoun.
        if len("".join(tokens)) <= 3:
            return _joined(tokens) in self.cased
        return _joined(t.casefold() for t in tokens) in self.folded

    def count(self, tokens: list[str]) -> int:
        if not tokens:
            return 0
        if len("".join(tokens)) <= 3:
            hay, needle = self.cased, " ".join(tokens)
        else:
            hay, needle = self.folded, " ".join(t.casefold() for t in tokens)
        # Occurrences of " needle " where neighbours may share their separating space.
        pad, n, at = f" {needle} ", 0, hay.find(f" {needle} ")
        while at != -1:
            n += 1
            at = hay.find(pad, at + len(pad) - 1)
        return n

    def _expands_acronym(self, acronym: str) -> bool:
        """Whether a run of capitalised words in the text has ``acronym`` as its initials."""
        toks = self.cased_tokens
        for i, tok in enumerate(toks):
            if tok[:1] != acronym[0] or tok.isupper():
                continue
            got, j = "", i
            while j < len(toks) and len(got) < len(acronym):
                t = toks[j]
                if t.casefold() in _LOWER_IN_NAMES and got:
                    j += 1
                    continue
                if not t[:1].isupper():
                    break
                got += t[0]
                j += 1
            if got == acronym:
                return True
        return False

    def forms(self, name: str) -> list[list[str]]:
        """The surface forms under which ``name`` may appear: itself, aliases, acronyms."""
        tokens = _tokens(name, fold=False)
        forms = [tokens]
        folded = " ".join(t.casefold() for t in tokens)
        for group in ALIAS_GROUPS:
            if any(" ".join(_tokens(alias, fold=True)) == folded for alias in group):
                forms.extend(_tokens(alias, fold=False) for alias in group)
        forms.extend([acronym] for form in list(forms) if (acronym := _initials(form)))
        return forms

    def grounded(self, name: str) -> bool:
        forms = self.forms(name)
        if any(self._has(f) for f in forms):
            return True
        tokens = forms[0]
        if len(tokens) == 1 and 2 <= len(tokens[0]) <= 6 and tokens[0].isupper():
            return self._expands_acronym(tokens[0])
        return False

    def mentions(self, name: str, person: bool) -> int:
        forms = self.forms(name)
        if person and len(forms[0]) > 1 and len(forms[0][-1]) >= 3:
            forms.append(forms[0][-1:])  # the surname alone: "Okafor said …"
        return max(1, *(self.count(f) for f in forms))

    def person_in_text(self, name: str) -> str | None:
        """The longest trailing part of a person's name that the article uses, with its case."""
        parts = name.split()
        for start in range(1, len(parts)):
            tail = parts[start:]
            tokens = _tokens(" ".join(tail), fold=False)
            if tokens and tokens[-1][:1].isupper() and len(tokens[-1]) >= 2 and _joined(tokens) in self.cased:
                return " ".join(tail)
        return None

    def lead(self) -> str:
        """The article's first sentence that carries no mention syntax, shortened."""
        for sentence in itertools.islice(iter_sentences(self._text), 3):
            if not MENTION.search(sentence):
                return sentence if len(sentence) <= LEAD_CHARS else sentence[: LEAD_CHARS - 1] + "…"
        return ""


def _plausible_name(name: str) -> bool:
    return (
        not MENTION.search(name)
        and "://" not in name
        and any(c.isalpha() for c in name)
        and len(name) <= MAX_NAME_CHARS
        and len(name.split()) <= MAX_NAME_WORDS
    )


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    for article in ("the ", "The "):
        name = name.removeprefix(article)
    return name


def ground_brief(
    brief: Brief, text: str, stems: frozenset[str] | None = None
) -> tuple[Brief, GroundingReport]:
    """The brief with every unsupported item removed, and a report of what went. ``stems``:
    ``stem_set(text)``, if known (trimming a long article works it out)."""
    index = ArticleIndex(text, stems)
    dropped: list[str] = []
    cleared: list[str] = []
    renamed: list[tuple[str, str]] = []

    def keep_phrase(value: str | None, need: float) -> bool:
        return bool(value) and not MENTION.search(value or "") and support(value or "", index.stems) >= need

    who: list[Actor] = []
    for actor in brief.who:
        name = _clean_name(actor.name)
        person = actor.kind == "person"
        if not _plausible_name(name):
            dropped.append(f"who:{actor.name}")
            continue
        if not index.grounded(name):
            tail = index.person_in_text(name) if person else None
            if tail is None:
                dropped.append(f"who:{actor.name}")
                continue
            renamed.append((name, tail))
            name = tail
        role = actor.role
        if role is not None and not keep_phrase(role, ROLE_SUPPORT):
            cleared.append(f"role:{role}")
            role = None
        mentions = index.mentions(name, person)
        _add_actor(who, Actor(name=name, role=role, kind=actor.kind, mentions=mentions))

    where: list[Place] = []
    seen_places: set[str] = set()
    for place in brief.where:
        name = _clean_name(place.name)
        if not _plausible_name(name) or not index.grounded(name):
            dropped.append(f"where:{place.name}")
            continue
        key = " ".join(_tokens(name, fold=True))
        if key in seen_places:
            continue
        seen_places.add(key)
        detail = place.detail
        if detail is not None and not (keep_phrase(detail, ROLE_SUPPORT) and _plausible_name(detail)):
            cleared.append(f"detail:{detail}")
            detail = None
        where.append(Place(name=name, detail=detail, mentions=index.mentions(name, person=False)))

    def phrases(label: str, items: Iterable[str]) -> tuple[str, ...]:
        kept: list[str] = []
        seen: set[str] = set()
        for item in items:
            key = " ".join(_tokens(item, fold=True))
            if key in seen:
                continue
            seen.add(key)
            if keep_phrase(item, PHRASE_SUPPORT):
                kept.append(item)
            else:
                dropped.append(f"{label}:{item}")
        return tuple(kept[:MAX_PHRASES])

    objectives = phrases("objectives", brief.objectives)
    open_issues = phrases("open_issues", brief.open_issues)
    tldr = " ".join(brief.tldr.split())
    if not keep_phrase(tldr, TLDR_SUPPORT):
        if tldr:
            dropped.append(f"tldr:{tldr}")
        tldr = index.lead()

    grounded = dataclasses.replace(
        brief,
        tldr=tldr,
        who=tuple(who[:MAX_WHO]),
        where=tuple(where[:MAX_WHERE]),
        objectives=objectives,
        open_issues=open_issues,
    )
    return grounded, GroundingReport(tuple(dropped), tuple(cleared), tuple(renamed))


def _add_actor(who: list[Actor], actor: Actor) -> None:
    """Append, merging the same entity named twice ("Okafor" and "Miriam Okafor")."""
    mine = _tokens(actor.name, fold=True)
    for i, other in enumerate(who):
        theirs = _tokens(other.name, fold=True)
        if mine == theirs:
            return
        if actor.kind == other.kind == "person":
            if len(mine) < len(theirs) and theirs[-len(mine) :] == mine:
                return  # a shorter form of a kept person
            if len(theirs) < len(mine) and mine[-len(theirs) :] == theirs:
                # The fuller name takes the earlier (more salient) place.
                who[i] = dataclasses.replace(
                    other,
                    name=actor.name,
                    role=other.role or actor.role,
                    mentions=max(other.mentions, actor.mentions),
                )
                return
    who.append(actor)
