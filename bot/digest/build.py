"""Digests, as pure functions: filter a channel's new briefs, group them by story, rank, cap.

A *story* is one event as several outlets reported it. Two articles are the same story when
their headlines share most of their words, or when they share some headline words and at least
two of the people, organisations and places their briefs name. Each article is compared with
the *lead* of every story so far (never with other members), so stories cannot chain into one
blob, and an inverted index keeps that to a handful of comparisons per article.

Stories covered by more outlets come first, then the newest. Each becomes one ``DigestItem``:
the lead's brief (the richest one) and every outlet's link.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import regex

from bot.replies import DigestItem, DigestReply, Source
from summarizer.brief import Brief
from summarizer.text import HEADLINE_STOPWORDS, stem, words

log = logging.getLogger(__name__)

PATTERN_MAX = 300
REGEX_TIMEOUT_S = 0.05  # per article: a pathological pattern costs a moment, never the loop
REGEX_MAX_TIMEOUTS = 3  # then the pattern is given up on for the rest of the digest
KEYWORDS_MAX = 20

TITLE_SAME = 0.5  # headline word overlap (Jaccard) that alone makes two articles one story
TITLE_SOME = 0.2  # headline overlap that, with shared entities, does
ENTITIES_SAME = 2  # shared named entities needed with TITLE_SOME
COMMON_TOKEN = 0.2  # tokens in more than this share of the articles are ignored…
COMMON_FLOOR = 50  # …when that is more than this many articles

_POSSESSIVE = re.compile(r"['’]s\b")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A briefed article that may go into a digest."""

    article_id: str
    feed_id: int
    title: str
    brief: Brief
    briefed_at: float
    url: str | None = None
    outlet: str | None = None
    published: str | None = None
    text: str = ""  # only needed when the feed's subscription has filters


@dataclass(frozen=True, slots=True)
class Filter:
    """A subscription's filters: any keyword must occur, and the pattern must match (when set)."""

    keywords: tuple[str, ...] = ()
    pattern: str | None = None

    @property
    def active(self) -> bool:
        return bool(self.keywords or self.pattern)


class FilterError(ValueError):
    """A keyword list or pattern a user gave cannot be used; ``str()`` says why, politely."""


def check_keywords(raw: Iterable[str]) -> tuple[str, ...]:
    """Clean keywords (comma or space separated words, quoted phrases kept by the caller)."""
    words: list[str] = []
    for item in raw:
        for part in item.split(","):
            word = " ".join(part.split()).strip().lower()
            if word and word not in words:
                words.append(word)
    if len(words) > KEYWORDS_MAX:
        raise FilterError(f"Too many keywords ({len(words)}); at most {KEYWORDS_MAX}.")
    if any(len(w) > 100 for w in words):
        raise FilterError("A keyword is too long (at most 100 characters).")
    return tuple(words)


def check_pattern(pattern: str) -> str:
    """The pattern if it is a usable regular expression; else ``FilterError`` saying why."""
    if not pattern.strip():
        raise FilterError("The regular expression is empty.")
    if len(pattern) > PATTERN_MAX:
        raise FilterError(f"The regular expression is too long (at most {PATTERN_MAX} characters).")
    try:
        compiled = regex.compile(pattern, regex.IGNORECASE)
        compiled.search("A quick check of the pattern against a short headline.", timeout=REGEX_TIMEOUT_S)
    except regex.error as exc:
        raise FilterError(f"That is not a valid regular expression: {exc}.") from None
    except TimeoutError:
        raise FilterError("That regular expression is too slow to use.") from None
    return pattern


class _Matcher:
    """A compiled filter. Remembers patterns that keep timing out, and stops trying them."""

    def __init__(self, flt: Filter) -> None:
        self._broken = False
        self._timeouts = 0
        self._source = flt.pattern or ""
        self._keywords = (
            re.compile(r"(?<!\w)(?:" + "|".join(re.escape(k) for k in flt.keywords) + r")(?!\w)", re.I)
            if flt.keywords
            else None
        )
        self._pattern: regex.Pattern[str] | None = None
        if flt.pattern:
            try:
                self._pattern = regex.compile(flt.pattern, regex.IGNORECASE)
            except regex.error:
                log.warning("stored pattern does not compile pattern=%r", self._source[:80])
                self._broken = True

    def __call__(self, c: Candidate) -> bool:
        if self._broken:
            return False
        haystack = f"{c.title}\n{c.brief.tldr}\n{c.text}"
        if self._keywords is not None and not self._keywords.search(haystack):
            return False
        if self._pattern is not None:
            try:
                return self._pattern.search(haystack, timeout=REGEX_TIMEOUT_S) is not None
            except TimeoutError:
                self._timeouts += 1
                if self._timeouts >= REGEX_MAX_TIMEOUTS:
                    log.warning("pattern keeps timing out; skipping it pattern=%r", self._source[:80])
                    self._broken = True
                return False
        return True


def apply_filters(candidates: Sequence[Candidate], filters: Mapping[int, Filter]) -> list[Candidate]:
    """The candidates their feed's subscription lets through (no filter: all of them)."""
    matchers = {feed_id: _Matcher(f) for feed_id, f in filters.items() if f.active}
    return [c for c in candidates if c.feed_id not in matchers or matchers[c.feed_id](c)]


def passes(candidate: Candidate, flt: Filter | None) -> bool:
    """Whether one candidate passes one filter."""
    return flt is None or not flt.active or _Matcher(flt)(candidate)


# -- stories --------------------------------------------------------------------------------


def title_tokens(title: str) -> frozenset[str]:
    lowered = (w.lower() for w in words(title))
    return frozenset(stem(w) for w in lowered if w not in HEADLINE_STOPWORDS and (len(w) > 2 or w.isdigit()))


def entity_tokens(brief: Brief, top: int = 5) -> frozenset[str]:
    """Who and where of a brief as comparable keys: a person by surname ("Dana Ruiz" and "Ruiz"
    are one), an organisation or place by its whole name, possessives dropped."""
    keys: set[str] = set()
    for actor in brief.who[:top]:
        parts = words(_POSSESSIVE.sub("", actor.name.lower()))
        if parts:
            keys.add(parts[-1] if actor.kind == "person" else " ".join(parts))
    for place in brief.where[:top]:
        parts = words(_POSSESSIVE.sub("", place.name.lower()))
        if parts:
            keys.add(" ".join(parts))
    return frozenset(keys)


def richness(brief: Brief) -> int:
    """How much a brief tells: the lead of a story is its richest brief."""
    return (
        2 * min(len(brief.who), 5)
        + 2 * min(len(brief.where), 5)
        + len(brief.objectives[:5])
        + len(brief.open_issues[:5])
        + (3 if brief.tldr else 0)
    )


@dataclass(slots=True)
class _Story:
    lead: Candidate
    title: frozenset[str]
    entities: frozenset[str]
    members: list[Candidate] = field(default_factory=list)


def same_story(
    title_a: frozenset[str], ent_a: frozenset[str], title_b: frozenset[str], ent_b: frozenset[str]
) -> bool:
    union = len(title_a | title_b)
    overlap = len(title_a & title_b) / union if union else 0.0
    if overlap >= TITLE_SAME:
        return True
    return overlap >= TITLE_SOME and len(ent_a & ent_b) >= ENTITIES_SAME


def group_stories(candidates: Sequence[Candidate]) -> list[list[Candidate]]:
    """Candidates grouped by story; each group's first member is its lead."""
    order = sorted(candidates, key=lambda c: (-richness(c.brief), c.briefed_at, c.article_id))
    tokens = [(title_tokens(c.title), entity_tokens(c.brief)) for c in order]
    frequency: dict[str, int] = defaultdict(int)
    for title, entities in tokens:
        for token in title | entities:
            frequency[token] += 1
    common = max(COMMON_FLOOR, int(len(order) * COMMON_TOKEN))

    stories: list[_Story] = []
    index: dict[str, list[int]] = defaultdict(list)  # token → stories whose lead has it
    for c, (all_title, all_entities) in zip(order, tokens, strict=True):
        # In a large digest, a word that a big share of the articles have in common ("council",
        # a capital city) says nothing about which story an article tells: it is left out of
        # comparisons, and would make every article a candidate for every story.
        title = frozenset(t for t in all_title if frequency[t] <= common)
        entities = frozenset(t for t in all_entities if frequency[t] <= common)
        keys = title | entities
        seen: set[int] = set()
        match: int | None = None
        for key in keys:
            for s in index.get(key, ()):
                if s in seen:
                    continue
                seen.add(s)
                story = stories[s]
                if same_story(title, entities, story.title, story.entities) and (match is None or s < match):
                    match = s
        if match is not None:
            stories[match].members.append(c)
            continue
        stories.append(_Story(c, title, entities, [c]))
        for key in keys:
            index[key].append(len(stories) - 1)
    return [s.members for s in stories]


def outlet_of(c: Candidate) -> str:
    if c.outlet:
        return c.outlet.strip()
    host = urlsplit(c.url).hostname if c.url else None
    return host or ""


def rank_stories(stories: Sequence[Sequence[Candidate]]) -> list[Sequence[Candidate]]:
    """More outlets first, then the newest, then the richest."""

    def key(story: Sequence[Candidate]) -> tuple[int, float, int, str]:
        outlets = {outlet_of(c).lower() or c.article_id for c in story}
        newest = max(c.briefed_at for c in story)
        return (-len(outlets), -newest, -richness(story[0].brief), story[0].article_id)

    return sorted(stories, key=key)


def digest_item(story: Sequence[Candidate]) -> DigestItem:
    lead = story[0]
    sources: list[Source] = []
    seen: set[str] = set()
    for c in story:
        ident = c.url or c.article_id
        if ident in seen:
            continue
        seen.add(ident)
        sources.append(Source(title=c.title, url=c.url, outlet=outlet_of(c) or None, published=c.published))
    return DigestItem(brief=lead.brief, article_id=lead.article_id, sources=tuple(sources))


def build_digest(
    candidates: Sequence[Candidate],
    filters: Mapping[int, Filter],
    *,
    max_items: int,
    title: str,
    period: str = "",
) -> DigestReply:
    """The digest of ``candidates``: filtered, grouped by story, ranked and capped. An article
    that several subscribed feeds carry is in it once if any of their filters lets it through."""
    kept: dict[str, Candidate] = {}
    for c in apply_filters(candidates, filters):
        kept.setdefault(c.article_id, c)
    stories = rank_stories(group_stories(list(kept.values())))[:max_items]
    return DigestReply(title=title, items=tuple(digest_item(s) for s in stories), period=period)
