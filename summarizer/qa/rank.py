"""Scoring sentences as answers to a question: features, and a ranker learned from them.

Every sentence of the given passages is described by features (``features.NAMES``):

- how much of the question's weight it covers itself, and how much its surroundings add: the
  article's title (its topic goes without saying in every sentence), the sentences next to it,
  and for a sentence about "he" or "she" the names its article gives;
- how much of the question's *focus* — the words that are not already the article's topic —
  it covers, whether it holds the action asked about and the question's word pairs;
- whether it holds the kind of thing asked for (a name for "who", a place for "where", a date
  for "when", a number for "how many" …) that the question does not already name, close to
  the question's words;
- how much of the question its whole article covers (is this article about it at all?), the
  names and numbers the article never mentions, and where retrieval put the article.

The ranker (``model.ranker``, fitted by ``bench/qa_train.py`` on the silver questions) turns
them into a score. Term weights come from the passages themselves: a word found in few of the
given sentences tells them apart, a word found nowhere weighs most, so a question about
something no passage mentions cannot be covered well.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from bisect import insort
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from summarizer.answer import Passage
from summarizer.qa.model import Linear, load
from summarizer.qa.question import WORD_WEIGHT, Question, name_spans
from summarizer.text import content_stems, name_stems, sentences, stem, stem_set


# The same articles' sentences come back question after question.
@functools.lru_cache(maxsize=20_000)
def _sentence_words(text: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """The sentence's content stems in order (for word pairs and names), and as a set."""
    seq = tuple(content_stems(text))
    return seq, frozenset(seq)


TITLE_CREDIT = 0.85  # a question word in the article's topic (title, lead, main names), not in the sentence
TOPIC_WORD_CREDIT = 0.5  # … for an ordinary word rather than a name or number
NAME_CREDIT = 0.9  # the rest of a name the sentence gives in part ("Qin" for "Qin Gang")
NEIGHBOUR_CREDIT = 0.35  # … in the sentence before or after
PRONOUN_CREDIT = 0.5  # a name the sentence refers to as "he", "she", "it" or "they"
LONG_WORDS = 40  # longer sentences (run-on captions) match many words by chance
MIN_WORDS = 5  # shorter "sentences" (datelines, "Veritas?") are context, never an answer
TOPIC_MENTIONS = 3  # a name of the question in this many sentences is what the article is about
NEAR_CHARS = 60  # an answer this close to the question's words is likely the one asked for
WINDOW_TOKENS = 8  # the question's words this close to an answer-like thing point at it …
ADJACENT_TOKENS = 3  # … and this close, all the more ("information commissioner Richard Thomas")
LATE_SENTENCE = 20  # sentence positions past this one are alike
MAX_MARGIN = 4.0  # a lead of this much over the runner-up (in the ranker's units) is certainty
# SHARES_A_WORD: among several articles' sentences only those sharing a word with the question are
# scored. Three in four share none, and the ranker put such a sentence first for 4 of 1,261
# channel-wide bench questions (bench/qa_train.py's candidates); in a thread every sentence is.

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

# The features the answer type adds: costly (regular expressions over the sentence), so they are
# worked out only for sentences that could still make the top with them.
TYPE_FEATURES = ("type_score", "type_window", "type_adjacent", "measure", "type_miss")


@dataclass(frozen=True, slots=True)
class Candidate:
    passage: Passage
    sentence: str
    score: float  # the ranker's score (higher is better)
    features: Mapping[str, float]  # the ranker's inputs, and for the best few the margins too


@dataclass(slots=True)
class _Unit:
    passage: Passage
    order: int
    text: str
    seq: tuple[str, ...]  # content stems in order
    stems: frozenset[str]


def rank(question: Question, passages: Sequence[Passage], limit: int = 10) -> list[Candidate]:
    """The ``limit`` best sentences of ``passages`` as answers to ``question``, best first
    (``limit`` 0: every sentence, all features worked out — for fitting the model).

    A passage with a ``position`` is one sentence of its article (as the bot retrieves them);
    any other passage is split into sentences here.
    """
    if not question.terms or not passages:
        return []
    key = (question, frozenset(passages))
    last = _last_ranking[0] if _last_ranking else None
    if last is not None and last[0] == key and (last[1] >= limit > 0 or last[1] == 0):
        return last[2][:limit] if limit else last[2]  # the same ranking asked for again
    ranked = _rank(question, passages, limit, load().ranker)
    _last_ranking[:] = [(key, limit, ranked)]
    return ranked


# The most recent ranking (one entry): asking the same question of the same passages twice in a
# row is the rule, not the exception (the bot orders the passages, the backend answers).
_last_ranking: list[tuple[tuple[Question, frozenset[Passage]], int, list[Candidate]]] = []


@dataclass(slots=True)
class _Pending:
    """A sentence scored on everything but its answer type (the costly part, done lazily)."""

    unit: _Unit
    partial: float
    features: dict[str, float]


def _rank(question: Question, passages: Sequence[Passage], limit: int, ranker: Linear) -> list[Candidate]:
    units: list[_Unit] = []
    for order, p in enumerate(passages):
        texts = [p.text] if p.position >= 0 else sentences(p.text) or [p.text.strip()]
        units += [_Unit(p, order, t, *_sentence_words(t)) for t in texts if t.strip()]
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
    pairs = _pairs(content_stems(question.text))
    asks_past = question.past
    question_features = _question_features(question)

    by_article: dict[str, list[_Unit]] = defaultdict(list)
    for u in units:
        by_article[u.passage.article_id].append(u)
    one_article = len(by_article) == 1
    article_rank = _article_ranks(by_article)
    # The retrieval's score relative to the best article's; passages given without scores are
    # all alike (the best).
    best_score = max(u.passage.score for u in units)
    untyped = ranker.without(TYPE_FEATURES)
    pending: list[_Pending] = []
    for article_id, group in by_article.items():
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
        unwritten = keys - name_stems(group[0].passage.title)  # names nowhere written as names
        for u in group:
            if not unwritten:
                break
            unwritten -= name_stems(u.text)
        missing_keys = len(unwritten) + sum(
            1 for phrase in phrases if set(phrase) <= article_stems and not _has_phrase(phrase, group)
        )
        missing_words = len(telling - article_stems)
        # The share of the question's telling words (not its names) its article never uses:
        # "What did Vasquez say about the runway?" of a story that has no runway.
        unsaid = sum(weights[s] for s in telling - article_stems) / telling_total if telling_total else 0.0
        focus_weights = {s: w for s, w in weights.items() if s not in title and s not in frame}
        focus_total = sum(focus_weights.values())
        present_keys = frozenset(keys & article_stems)
        prior = max(group[0].passage.score, 0.0) / best_score if best_score > 0 else 1.0
        position_of_rank = article_rank[article_id]
        for i, u in enumerate(group):
            if not one_article and u.stems.isdisjoint(weights):
                continue  # among many stories, one sharing no word with the question: see SHARES_A_WORD
            length = len(u.text.split())
            if length < MIN_WORDS or u.text.rstrip("\"'”’ ").endswith("?"):
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
            position = u.passage.position if u.passage.position >= 0 else i
            features = {
                **question_features,
                "local": (own + extra) / total,
                "sentence": own / total,
                "focus": focus / focus_total if focus_total else 1.0,
                "predicate": predicate / telling_total if telling_total else 1.0,
                "verb": 1.0 if verb is None or verb in u.stems else 0.5 if verb in near else 0.0,
                "pairs": _pair_share(pairs, u.seq),
                "article": article_cover,
                "missing_key": float(min(missing_keys, 2)),
                "missing_word": float(min(missing_words, 2)),
                "unsaid": unsaid,
                "tense_clash": float(asks_past and _FUTURE.search(u.text) is not None),
                "one_article": float(one_article),
                "prior": prior,
                "article_top": float(position_of_rank == 0),
                "article_rank": math.log1p(position_of_rank),
                "lead": float(position == 0),
                "position": min(position, LATE_SENTENCE) / LATE_SENTENCE,
                "long": min(1.0, max(0, length - LONG_WORDS) / LONG_WORDS),
            }
            pending.append(_Pending(u, untyped.score(features), features))
    return _complete(question, weights, pending, limit, one_article, ranker)


def _complete(
    question: Question,
    weights: Mapping[str, float],
    pending: list[_Pending],
    limit: int,
    one_article: bool,
    ranker: Linear,
) -> list[Candidate]:
    """Add the answer type to the most promising sentences only: branch and bound on the
    best score a sentence could still reach, until neither the top ``limit`` nor the best
    sentence of another article (for the margin) can change."""
    typed = question.kind in _TYPED or (question.kind == "what" and bool(question.stems & _QUOTE_VERBS))
    # The most the answer type can add: found (each feature at most 1) or, typed, missed.
    found_most = sum(max(ranker.weight(k), 0.0) for k in TYPE_FEATURES if k != "type_miss")
    most = max(found_most, ranker.weight("type_miss") if typed else 0.0, 0.0)
    pending.sort(key=lambda x: -x.partial)
    done: list[Candidate] = []  # best first
    for x in pending:
        bound = x.partial + most  # no sentence left can score more than this
        if (
            limit
            and len(done) >= limit
            and bound < done[limit - 1].score
            and (one_article or bound <= _best_elsewhere(done))
        ):
            break
        found = _answer_type(question, x.unit.text, weights) if typed else dict.fromkeys(TYPE_FEATURES, 0.0)
        features = {**x.features, **found, "type_miss": float(typed and not found["type_score"])}
        score = x.partial + sum(ranker.weight(k) * features[k] for k in TYPE_FEATURES)
        insort(done, Candidate(x.unit.passage, x.unit.text, score, features), key=lambda c: -c.score)
    kept = done[:limit] if limit else done
    return [replace(c, features={**c.features, **_margins(c, done)}) for c in kept]


def _question_features(question: Question) -> dict[str, float]:
    """What the question itself says about how well it can be answered: a question naming
    nothing ("How much did profits rise?") fits many stories equally."""
    keys = sum(1 for t in question.terms if t.key)
    return {
        "question_keys": min(keys, 3) / 3,
        "question_terms": min(len(question.terms), 8) / 8,
        "yesno": float(question.kind == "yesno"),
    }


def _article_ranks(by_article: Mapping[str, Sequence[_Unit]]) -> dict[str, int]:
    """Each article's place in the retrieval's order (0 = best): by score, then as given."""
    order = sorted(by_article, key=lambda a: (-by_article[a][0].passage.score, by_article[a][0].order))
    return {a: i for i, a in enumerate(order)}


def _best_elsewhere(done: Sequence[Candidate]) -> float:
    """The best score outside the leading sentence's article (what its margin is taken from)."""
    top = done[0].passage.article_id
    return next((c.score for c in done if c.passage.article_id != top), float("-inf"))


def _margins(c: Candidate, ranked: Sequence[Candidate]) -> dict[str, float]:
    other = next((o.score for o in ranked if o.passage.article_id != c.passage.article_id), None)
    runner_up = next((o.score for o in ranked if o is not c), None)
    return margins(c.score, other, runner_up)


def margins(score: float, other: float | None, runner_up: float | None) -> dict[str, float]:
    """How far a sentence's ``score`` stands above the best sentence of every other article
    (``other``: ambiguity between stories) and above the next best sentence anywhere
    (``runner_up``: ambiguity within its story), in the ranker's units, capped at ±MAX_MARGIN
    (no competitor at all: the cap)."""
    return {
        "margin": MAX_MARGIN if other is None else min(max(score - other, -MAX_MARGIN), MAX_MARGIN),
        "margin_next": MAX_MARGIN
        if runner_up is None
        else min(max(score - runner_up, -MAX_MARGIN), MAX_MARGIN),
    }


def _has_phrase(phrase: tuple[str, ...], group: Sequence[_Unit]) -> bool:
    """Whether the words of a name occur together ("PlayStation 4", not "Gran Turismo 4 for the
    PlayStation 2") in the title or a sentence."""
    n = len(phrase)
    for seq in (content_stems(group[0].passage.title), *(u.seq for u in group)):
        if any(tuple(seq[i : i + n]) == phrase for i in range(len(seq) - n + 1)):
            return True
    return False


def _pairs(stems: Sequence[str]) -> frozenset[tuple[str, str]]:
    return frozenset(itertools.pairwise(stems))


def _pair_share(pairs: frozenset[tuple[str, str]], seq: Sequence[str]) -> float:
    """Share of the question's adjacent content-word pairs that the sentence (its content
    stems ``seq``) has adjacent too ("interest rates", "quarterly profits"): word order that
    bag-of-words coverage misses."""
    if not pairs:
        return 0.0
    return len(pairs.intersection(itertools.pairwise(seq))) / len(pairs)


def _weights(question: Question, units: Sequence[_Unit]) -> dict[str, float]:
    n = len(units)
    stems = question.stems
    df: Counter[str] = Counter()
    for u in units:
        df.update(stems & u.stems)
    return {t.stem: t.weight * math.log(1.0 + (n + 1) / (df[t.stem] + 0.5)) for t in question.terms}


def _cover(weights: dict[str, float], stems: frozenset[str]) -> float:
    return sum(w for s, w in weights.items() if s in stems)


def _answer_type(question: Question, sentence: str, weights: Mapping[str, float]) -> dict[str, float]:
    """How well the sentence offers the kind of thing the question asks for:

    - ``type_score``: such a thing, new to the question, 0..1 (less when far from its words);
    - ``type_window``: the share of the question's weight said within WINDOW_TOKENS of it
      ("… said Paul LeClerc, president of the New York Public Library");
    - ``measure``: for a number, one in the unit asked for (money, per cent, years … or the
      thing counted: "2,500 women" for "how many women").
    """
    kind = question.kind
    asked = question.stems
    spans: list[tuple[int, int, float]] = []  # (start, end, how typical)
    if kind in ("who", "which"):
        spans = [
            (a, b, 1.0 if " " in name else 0.8)  # "Richard Thomas" rather than "Tories"
            for a, b, name in name_spans(sentence)
            if _new(name, asked, _GENERIC_NAMES)
        ]
    elif kind == "where":
        for a, b, name in name_spans(sentence):
            if _new(name, asked) and not _CALENDAR_WORDS.match(name):
                spans.append((a, b, 1.0 if _LOCATIVE.search(sentence[max(0, a - 30) : a]) else 0.3))
    elif kind == "when":
        spans = [(m.start(), m.end(), 1.0) for m in _DATE.finditer(sentence) if _new(m.group(0), asked)]
    elif kind == "number":
        # Years are not "how many"; but "for 14 years" is how long.
        blanked = sentence if question.measure in ("duration", "age") else _DATE.sub(_blank, sentence)
        spans = [(m.start(), m.end(), 1.0) for m in _NUMBER.finditer(blanked) if _new(m.group(0), asked)]
    elif kind == "why":
        spans = [(m.start(), m.end(), 1.0) for m in _CAUSE.finditer(sentence)]
    else:  # "what did X call …": a quoted phrase
        spans = [(m.start(), m.end(), 1.0) for m in _QUOTED.finditer(sentence)]
    if not spans:
        return dict.fromkeys(TYPE_FEATURES, 0.0)
    tokens = [(m.start(), m.end(), stem(m.group())) for m in _TOKEN.finditer(sentence)]
    hits = [start for start, _, s in tokens if s in asked]
    total = sum(weights.values()) or 1.0
    best = window = adjacent = measure = 0.0
    for a, b, typical in spans:
        near = any(a - NEAR_CHARS <= h <= b + NEAR_CHARS for h in hits)
        best = max(best, typical * (1.0 if near else 0.7))
        first = next((i for i, t in enumerate(tokens) if t[1] > a), len(tokens))
        last = next((i for i in range(len(tokens) - 1, -1, -1) if tokens[i][0] < b), first)
        for size in (WINDOW_TOKENS, ADJACENT_TOKENS):
            around = {s for _, _, s in tokens[max(0, first - size) : last + size + 1]}
            share = typical * sum(w for s, w in weights.items() if s in around) / total
            if size == WINDOW_TOKENS:
                window = max(window, share)
            else:
                adjacent = max(adjacent, share)
        if question.measure is not None:
            after = tokens[last + 1 : last + 4]
            measure = max(measure, float(_measures(question.measure, sentence[a:b], after)))
    return {
        "type_score": best,
        "type_window": window,
        "type_adjacent": adjacent,
        "measure": measure,
        "type_miss": 0.0,
    }


def _blank(m: re.Match[str]) -> str:
    return " " * len(m.group(0))


_UNITS = {
    "money": re.compile(
        r"[£$€¥]|\d\s*(?:bn|m|k)\b|(?i:\b(?:million|billion|trillion|pence|cents?|dollars?|pounds?|euros?|yen)\b)"
    ),
    "percent": re.compile(r"%|(?i:\bper\s?cent|\bpercentage points?)"),
    "duration": re.compile(r"(?i:\b(?:years?|months?|weeks?|days?|hours?|minutes?|seconds?|decades?)\b)"),
    "distance": re.compile(
        r"(?i:\b(?:km|kilomet\w*|miles?|met(?:re|er)s?|m|feet|ft|inch\w*|cm|mph|km/h|mm)\b)"
    ),
    "age": re.compile(r"(?i:\b(?:years?|aged?)\b)"),
}


def _measures(measure: str, span: str, after: Sequence[tuple[int, int, str]]) -> bool:
    """Whether a number (with the three words after it) is in the unit asked for."""
    unit = _UNITS.get(measure)
    if unit is None:  # the stem of the thing counted
        return any(s == measure for _, _, s in after)
    tail = " ".join(s for _, _, s in after)
    return bool(unit.search(span) or unit.search(tail))


def _new(phrase: str, asked: frozenset[str], generic: frozenset[str] = frozenset()) -> bool:
    """True when ``phrase`` adds something the question did not say ("Northmere City Council"
    adds nothing to a question about Northmere: "City Council" names no one)."""
    mine = {stem(m.group()) for m in _TOKEN.finditer(phrase)}
    new = mine - asked
    if generic and mine & asked:
        new -= generic
    return bool(new) or (not mine and bool(phrase.strip()))
