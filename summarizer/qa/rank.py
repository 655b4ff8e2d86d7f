"""Scoring sentences as answers to a question: term coverage, answer type and context.

Every sentence of the given passages is scored by

- how much of the question's weight it covers itself, and how much its surroundings add: the
  article's title (its topic goes without saying in every sentence), the sentences next to it,
  and for a sentence about "he" or "she" the names its article gives;
- how much of the question's *focus* — the words that are not already the article's topic —
  it covers: in a story's own thread this is what tells an answer from a sentence that merely
  repeats the headline;
- whether it holds the kind of thing asked for (a name for "who", a place for "where", a date
  for "when", a number for "how many" …) that the question does not already name, close to
  the question's words;
- how much of the question its whole article covers (is this article about it at all?), and
  the retrieval's prior for its article.

Term weights come from the passages themselves: a word found in few of the given sentences
tells them apart, a word found nowhere weighs most, so a question about something no passage
mentions cannot be covered well.
"""

from __future__ import annotations

import math
import re
from bisect import insort
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from summarizer.answer import Passage
from summarizer.qa.question import WORD_WEIGHT, Question, name_spans
from summarizer.qa.text import content_stems, name_stems, sentences, stem, stem_set

TITLE_CREDIT = 0.85  # a question word in the article's topic (title, lead, main names), not in the sentence
TOPIC_WORD_CREDIT = 0.5  # … for an ordinary word rather than a name or number
NAME_CREDIT = 0.9  # the rest of a name the sentence gives in part ("Qin" for "Qin Gang")
NEIGHBOUR_CREDIT = 0.35  # … in the sentence before or after
PRONOUN_CREDIT = 0.5  # a name the sentence refers to as "he", "she", "it" or "they"
ARTICLE_WEIGHT = 0.25
TYPE_BONUS = 0.35
TYPE_PENALTY = 0.45
PRIOR_WEIGHT = 0.2
VERB_WEIGHT = 0.15  # the action asked about, said in the sentence
LONG_WORDS = 40  # longer sentences (run-on captions) match many words by chance …
LENGTH_PENALTY = 0.2  # … so they lose up to this much
MIN_WORDS = 5  # shorter "sentences" (datelines, "Veritas?") are context, never an answer
TOPIC_MENTIONS = 3  # a name of the question in this many sentences is what the article is about
NEAR_CHARS = 60  # an answer this close to the question's words is likely the one asked for

_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?)"
)
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_DATE = re.compile(
    rf"\b(?:{_MONTH}(?:\s+\d{{1,2}}(?:st|nd|rd|th)?)?|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}"
    rf"|{_WEEKDAY}|(?:1[6-9]|20)\d\d(?:s|/\d\d)?"
    r"|(?i:yesterday|today|tomorrow|tonight|overnight|(?:last|next|this|earlier|later|coming)\s+"
    r"(?:week|weekend|month|year|season|summer|winter|spring|autumn|decade)"
    r"|\d{1,2}(?:[:.]\d\d)?\s*(?:am|pm|a\.m\.|p\.m\.)|\d+\s+(?:days?|weeks?|months?|years?|decades?)\s+ago"
    r"|(?:in|by|until|since|within|for)\s+(?:the\s+)?(?:next\s+|past\s+|last\s+)?\d+\s+"
    r"(?:days?|weeks?|months?|years?)))\b"
)
_NUMBER = re.compile(
    r"(?<!\w)[£$€¥]?\d[\d,.]*\w*%?|(?i:\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|"
    r"sixty|seventy|eighty|ninety|hundreds?|thousands?|millions?|billions?|dozens?|half|quarter|"
    r"double|twice|treble|triple)\b|per\s?cent)"
)
_CAUSE = re.compile(
    r"(?i:\b(?:because|due to|owing to|as a result|so that|in order to|amid|blamed|blame|caused|"
    r"led to|reasons?|thanks to|result of|in a bid to|aimed at|in response to|prompted|after|"
    r"following|since|concerns?|fears?|over|injur\w*|as (?:he|she|it|they|we)|with an?)\b)"
)
_LOCATIVE = re.compile(
    r"(?i:\b(?:in|at|to|from|near|outside|inside|across|into|towards?|around|throughout|via|of|"
    r"visit(?:ed|ing|s)?|based in|held in)\s+(?:the\s+)?(?:[a-z]+\s+)?)$"
)
# What will, may or is meant to happen (not what did).
_FUTURE = re.compile(  # lower case: "May" the month is no modal
    r"\b(?:will|could|might|may|shall|(?:is|are|was|were) (?:expected|due|set|likely|planning|hoping) to|"
    r"plans? to|hopes? to|aims? to|intends? to|wants? to|seeks? to|(?:is|are) to)\b"
)
_TYPED = frozenset(("who", "which", "where", "when", "number", "why"))
_QUOTED = re.compile(r"[\"“‘'][^\"”’']{2,80}[\"”’']")
_QUOTE_VERBS = frozenset(("call", "describ", "dub", "label", "brand", "nam", "term", "warn"))
_PRONOUN = re.compile(r"(?i:\b(?:he|she|his|her|him|it|its|they|their|them)\b)")
_TOKEN = re.compile(r"[^\W_]+(?:['’.][^\W_]+)*")
# Capitalised words that complete a name already asked about without naming anyone new.
_GENERIC_NAMES = frozenset(
    stem(w)
    for w in (
        "city council county party government ministry department university club united "
        "association committee court police school college hospital agency authority office "
        "group company house street road state national international federal royal new north "
        "south east west central district region city town"
    ).split()
)
_CALENDAR_WORDS = re.compile(rf"^(?:{_MONTH}|{_WEEKDAY})$")


@dataclass(frozen=True, slots=True)
class Features:
    """What decides between a sentence and "I don't know" (see ``extract.confidence``)."""

    local: float  # share of the question's weight the sentence and its surroundings cover
    sentence: float  # share the sentence covers by itself
    focus: float  # share of the words not in the article's title that the sentence (+ next door) covers
    predicate: float  # share of the question's ordinary telling words (not names) in the sentence itself
    verb: float  # the action asked about: in the sentence 1, next door 0.5, nowhere 0 (1 if none)
    article: float  # share its whole article (as given) covers
    missing_keys: int  # names and numbers of the question its article never mentions
    missing_words: int  # other telling words of the question its article never uses
    typed: bool  # the question asks for a kind of thing (who/where/when/number/why)
    type_score: float  # 0..1: the sentence holds such a thing, new to the question, near its words
    tense_clash: bool  # asked what happened; the sentence says what will or may happen
    yesno: bool  # a yes/no question
    one_article: bool  # the passages all come from one article (a question in its thread)
    prior: float  # the retrieval's score for its article, 0..1
    margin: float = 0.0  # its score minus the best in any other article (alone: the next sentence)


@dataclass(frozen=True, slots=True)
class Candidate:
    passage: Passage
    sentence: str
    score: float
    features: Features


@dataclass(slots=True)
class _Unit:
    passage: Passage
    order: int
    text: str
    stems: frozenset[str]


def rank(question: Question, passages: Sequence[Passage], limit: int = 10) -> list[Candidate]:
    """The ``limit`` best sentences of ``passages`` as answers to ``question``, best first.

    A passage with a ``position`` is one sentence of its article (as the bot retrieves them);
    any other passage is split into sentences here.
    """
    if not question.terms or not passages:
        return []
    key = (question, frozenset(passages))
    last = _last_ranking[0] if _last_ranking else None
    if last is not None and last[0] == key and last[1] >= limit:
        return last[2][:limit]  # the same ranking asked for again (the bot orders, the backend answers)
    ranked = _rank(question, passages, limit)
    _last_ranking[:] = [(key, limit, ranked)]
    return ranked


# The most recent ranking (one entry): asking the same question of the same passages twice in a
# row is the rule, not the exception.
_last_ranking: list[tuple[tuple[Question, frozenset[Passage]], int, list[Candidate]]] = []


@dataclass(slots=True)
class _Pending:
    """A sentence scored on everything but its answer type (the costly part, done lazily)."""

    unit: _Unit
    partial: float
    local: float
    sentence: float
    focus: float
    predicate: float
    verb: float
    article: float
    missing_keys: int
    missing_words: int


def _rank(question: Question, passages: Sequence[Passage], limit: int) -> list[Candidate]:
    units: list[_Unit] = []
    for order, p in enumerate(passages):
        texts = [p.text] if p.position >= 0 else sentences(p.text) or [p.text.strip()]
        units += [_Unit(p, order, t, stem_set(t)) for t in texts if t.strip()]
    if not units:
        return []
    weights = _weights(question, units)
    total = sum(weights.values()) or 1.0
    keys = {t.stem for t in question.terms if t.key}
    telling = {t.stem for t in question.terms if not t.key and t.weight >= WORD_WEIGHT}
    frame = {t.stem for t in question.terms if t.weight < WORD_WEIGHT}
    telling_total = sum(weights[s] for s in telling)
    verb = question.verb
    name_parts = [p for p in (frozenset(stem_set(n)) for n in question.names) if len(p) > 1]
    phrases = [p for p in (tuple(content_stems(n)) for n in question.names) if len(p) > 1]

    by_article: dict[str, list[_Unit]] = defaultdict(list)
    for u in units:
        by_article[u.passage.article_id].append(u)
    pending: list[_Pending] = []
    for group in by_article.values():
        group.sort(key=lambda u: (u.passage.position, u.order))
        # What the story is about goes without saying in each of its sentences: the words of
        # its title and lead, and the question's names that it mentions again and again.
        mentions: Counter[str] = Counter()
        for u in group:
            mentions.update(keys & u.stems)
        frequent = {k for k, n in mentions.items() if n >= TOPIC_MENTIONS}
        title = stem_set(group[0].passage.title)
        topic = title | group[0].stems | frequent
        article_stems = topic.union(*(u.stems for u in group))
        article_cover = _cover(weights, article_stems) / total
        written = name_stems(group[0].passage.title).union(*(name_stems(u.text) for u in group))
        missing_keys = len(keys - written) + sum(
            1 for phrase in phrases if set(phrase) <= article_stems and not _has_phrase(phrase, group)
        )
        missing_words = len(telling - article_stems)
        focus_weights = {s: w for s, w in weights.items() if s not in title and s not in frame}
        focus_total = sum(focus_weights.values())
        present_keys = frozenset(keys & article_stems)
        for i, u in enumerate(group):
            if len(u.text.split()) < MIN_WORDS or u.text.rstrip("\"'”’ ").endswith("?"):
                continue
            before = group[i - 1].stems if i else frozenset()
            after = group[i + 1].stems if i + 1 < len(group) else frozenset()
            near = before | after
            pronoun = present_keys if _PRONOUN.search(u.text) else frozenset()
            partial = {s for name in name_parts if name & u.stems for s in name} & article_stems
            own = extra = focus = predicate = 0.0
            for s, w in weights.items():
                if s in u.stems:
                    own += w
                    focus += focus_weights.get(s, 0.0)
                    predicate += w if s in telling else 0.0
                    continue
                credit = max(
                    (TITLE_CREDIT if s in keys else TOPIC_WORD_CREDIT) if s in topic else 0.0,
                    NEIGHBOUR_CREDIT if s in near else 0.0,
                    PRONOUN_CREDIT if s in pronoun else 0.0,
                    NAME_CREDIT if s in partial else 0.0,
                )
                extra += w * credit
                focus += min(credit, NEIGHBOUR_CREDIT) * focus_weights.get(s, 0.0)
            local = (own + extra) / total
            prior = min(max(u.passage.score, 0.0), 1.0)
            verb_score = 1.0 if verb is None or verb in u.stems else 0.5 if verb in near else 0.0
            length = len(u.text.split())
            pending.append(
                _Pending(
                    unit=u,
                    partial=local
                    + ARTICLE_WEIGHT * article_cover
                    + PRIOR_WEIGHT * prior
                    + VERB_WEIGHT * verb_score
                    - min(LENGTH_PENALTY, LENGTH_PENALTY * max(0, length - LONG_WORDS) / LONG_WORDS),
                    local=local,
                    sentence=own / total,
                    focus=focus / focus_total if focus_total else 1.0,
                    predicate=predicate / telling_total if telling_total else 1.0,
                    verb=verb_score,
                    article=article_cover,
                    missing_keys=missing_keys,
                    missing_words=missing_words,
                )
            )
    return _complete(question, pending, limit, one_article=len(by_article) == 1)


def _complete(question: Question, pending: list[_Pending], limit: int, one_article: bool) -> list[Candidate]:
    """Add the answer type to the most promising sentences only: branch and bound on the
    best score a sentence could still reach, until neither the top ``limit`` nor the best
    sentence of another article (for the margin) can change."""
    typed = question.kind in _TYPED or (question.kind == "what" and bool(question.stems & _QUOTE_VERBS))
    bonus = TYPE_BONUS if typed else 0.0
    pending.sort(key=lambda x: -x.partial)
    done: list[Candidate] = []  # best first
    for x in pending:
        bound = x.partial + bonus  # no sentence left can score more than this
        if (
            len(done) >= limit
            and bound < done[limit - 1].score
            and (one_article or bound <= _best_elsewhere(done))
        ):
            break
        _, type_score = _type_score(question, x.unit.text)
        score = x.partial + TYPE_BONUS * type_score - (TYPE_PENALTY if typed and not type_score else 0.0)
        features = Features(
            local=x.local,
            sentence=x.sentence,
            focus=x.focus,
            predicate=x.predicate,
            verb=x.verb,
            article=x.article,
            missing_keys=x.missing_keys,
            missing_words=x.missing_words,
            typed=typed,
            type_score=type_score,
            tense_clash=question.past and _FUTURE.search(x.unit.text) is not None,
            yesno=question.kind == "yesno",
            one_article=one_article,
            prior=min(max(x.unit.passage.score, 0.0), 1.0),
        )
        insort(done, Candidate(x.unit.passage, x.unit.text, score, features), key=lambda c: -c.score)
    return [replace(c, features=replace(c.features, margin=_margin(c, done))) for c in done[:limit]]


def _best_elsewhere(done: Sequence[Candidate]) -> float:
    """The best score outside the leading sentence's article (what its margin is taken from)."""
    top = done[0].passage.article_id
    return next((c.score for c in done if c.passage.article_id != top), float("-inf"))


def _margin(c: Candidate, ranked: Sequence[Candidate]) -> float:
    """How far ``c`` stands above the best sentence of every other article (ambiguity); with
    one article only, above the next best sentence of it."""
    other = next((o.score for o in ranked if o.passage.article_id != c.passage.article_id), None)
    if other is None:
        other = next((o.score for o in ranked if o is not c), None)
    return 1.0 if other is None else min(max(c.score - other, -1.0), 1.0)


def _has_phrase(phrase: tuple[str, ...], group: Sequence[_Unit]) -> bool:
    """Whether the words of a name occur together ("PlayStation 4", not "Gran Turismo 4 for the
    PlayStation 2") in the title or a sentence."""
    n = len(phrase)
    texts = [group[0].passage.title, *(u.text for u in group)]
    for text in texts:
        seq = content_stems(text)
        if any(tuple(seq[i : i + n]) == phrase for i in range(len(seq) - n + 1)):
            return True
    return False


def _weights(question: Question, units: Sequence[_Unit]) -> dict[str, float]:
    n = len(units)
    stems = question.stems
    df: Counter[str] = Counter()
    for u in units:
        df.update(stems & u.stems)
    return {t.stem: t.weight * math.log(1.0 + (n + 1) / (df[t.stem] + 0.5)) for t in question.terms}


def _cover(weights: dict[str, float], stems: frozenset[str]) -> float:
    return sum(w for s, w in weights.items() if s in stems)


def _type_score(question: Question, sentence: str) -> tuple[bool, float]:
    """(the question asks for a kind of thing, how well the sentence offers one: 0..1)."""
    kind = question.kind
    asked = question.stems
    spans: list[tuple[int, int, float]] = []  # (start, end, how typical)
    if kind in ("who", "which"):
        spans = [(a, b, 1.0) for a, b, name in name_spans(sentence) if _new(name, asked, _GENERIC_NAMES)]
    elif kind == "where":
        for a, b, name in name_spans(sentence):
            if _new(name, asked) and not _CALENDAR_WORDS.match(name):
                spans.append((a, b, 1.0 if _LOCATIVE.search(sentence[max(0, a - 30) : a]) else 0.3))
    elif kind == "when":
        spans = [(m.start(), m.end(), 1.0) for m in _DATE.finditer(sentence) if _new(m.group(0), asked)]
    elif kind == "number":
        blanked = _DATE.sub(lambda m: " " * len(m.group(0)), sentence)  # years are not "how many"
        spans = [(m.start(), m.end(), 1.0) for m in _NUMBER.finditer(blanked) if _new(m.group(0), asked)]
    elif kind == "why":
        spans = [(m.start(), m.end(), 1.0) for m in _CAUSE.finditer(sentence)]
    elif kind == "what" and asked & _QUOTE_VERBS:
        spans = [(m.start(), m.end(), 1.0) for m in _QUOTED.finditer(sentence)]
    else:
        return False, 0.0
    if not spans:
        return True, 0.0
    hits = [m.start() for m in _TOKEN.finditer(sentence) if stem(m.group()) in asked]
    best = 0.0
    for a, b, typical in spans:
        near = any(a - NEAR_CHARS <= h <= b + NEAR_CHARS for h in hits)
        best = max(best, typical * (1.0 if near else 0.7))
    return True, best


def _new(phrase: str, asked: frozenset[str], generic: frozenset[str] = frozenset()) -> bool:
    """True when ``phrase`` adds something the question did not say ("Northmere City Council"
    adds nothing to a question about Northmere: "City Council" names no one)."""
    mine = {stem(m.group()) for m in _TOKEN.finditer(phrase)}
    new = mine - asked
    if generic and mine & asked:
        new -= generic
    return bool(new) or (not mine and bool(phrase.strip()))
