"""The offline answer backend: the best sentence of the given passages, or "I don't know".

No model and no network: the question is analysed (``question``), every sentence scored
(``rank``), and the best one answers — quoted as its citation — when ``confidence`` says the
passages really support it. Otherwise the answer is None: saying "I don't know" beats a
confident quote about something else.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

from summarizer.answer import Answer, Citation, Passage, Turn
from summarizer.qa.question import Question, analyse, resolve
from summarizer.qa.rank import Candidate, Features, rank
from summarizer.qa.text import stem

NAME = "extractive"
MAX_QUOTE_CHARS = 400
THRESHOLD = 0.475  # confidence below which the answer is "I don't know" (chosen on the dev split)
SECOND_CITATION = 0.92  # a runner-up this close to the best is cited too

# Logistic weights of the confidence: bench/qa.py --fit refits them on the dev split of the
# question set (logistic regression on the features of each question's best sentence, labelled
# by whether it holds the answer) and chooses THRESHOLD and the in-thread offset there.
COEFFICIENTS: dict[str, float] = {
    "bias": -2.902,
    "local": 0.324,
    "sentence": 0.163,
    "focus": 0.927,
    "predicate": -0.203,
    "verb": 0.325,
    "article": -0.084,
    "missing_key": -2.297,
    "missing_word": -0.744,
    "type_score": 1.468,
    "type_miss": 0.0,
    "tense_clash": -2.308,
    "yesno": -0.814,
    "one_article": 1.762,
    "prior": 0.366,
    "margin": 2.304,
}

_DISCOURSE = re.compile(
    r"^(?:but|and|so|however|meanwhile|also|still|yet|now|indeed|instead|in addition|furthermore)\b[,\s]+",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[^\W_]+(?:['’.][^\W_]+)*")


def feature_vector(f: Features) -> dict[str, float]:
    return {
        "bias": 1.0,
        "local": f.local,
        "sentence": f.sentence,
        "focus": f.focus,
        "predicate": f.predicate,
        "verb": f.verb,
        "article": f.article,
        "missing_key": float(min(f.missing_keys, 2)),
        "missing_word": float(min(f.missing_words, 2)),
        "type_score": f.type_score,
        "type_miss": float(f.typed and not f.type_score),
        "tense_clash": float(f.tense_clash),
        "yesno": float(f.yesno),
        "one_article": float(f.one_article),
        "prior": f.prior,
        "margin": f.margin,
    }


def confidence(f: Features, coefficients: dict[str, float] | None = None) -> float:
    """How likely the sentence answers the question, 0..1 (a logistic of the features)."""
    weights = COEFFICIENTS if coefficients is None else coefficients
    z = sum(weights.get(k, 0.0) * v for k, v in feature_vector(f).items())
    return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))


class ExtractiveAnswerBackend:
    """An ``AnswerBackend`` that quotes the article: fast, offline, never invents a word."""

    def __init__(
        self,
        threshold: float = THRESHOLD,
        observer: Callable[[Question, list[Candidate]], None] | None = None,
    ) -> None:
        self.threshold = threshold
        self._observer = observer  # sees every decision's candidates (benchmarks refit on them)

    @property
    def name(self) -> str:
        return NAME

    async def answer(
        self, question: str, passages: Sequence[Passage], history: Sequence[Turn] = ()
    ) -> Answer:
        return self.answer_sync(question, passages, history)

    def answer_sync(self, question: str, passages: Sequence[Passage], history: Sequence[Turn] = ()) -> Answer:
        q = analyse(resolve(question, history))
        candidates = rank(q, passages, limit=3)
        if self._observer is not None:
            self._observer(q, candidates)
        if not candidates:
            return Answer(None, backend=NAME)
        best = candidates[0]
        sure = confidence(best.features)
        if sure < self.threshold:
            return Answer(None, confidence=sure, backend=NAME)
        cited = [best]
        for other in candidates[1:2]:
            if other.score >= SECOND_CITATION * best.score and confidence(other.features) >= self.threshold:
                cited.append(other)
        citations = tuple(_citation(c, q) for c in cited)
        return Answer(trim(best.sentence), citations, sure, NAME)


def _citation(c: Candidate, q: Question) -> Citation:
    p = c.passage
    return Citation(id=p.article_id, title=p.title, url=p.url, quote=quote(c.sentence, q), source=p.source)


def trim(sentence: str) -> str:
    """The sentence as an answer: without a leading "But"/"However," and starting with a capital."""
    text = _DISCOURSE.sub("", sentence.strip(), count=1)
    if len(text) < 0.5 * len(sentence):
        text = sentence.strip()
    return text[:1].upper() + text[1:]


def quote(sentence: str, q: Question) -> str:
    """The sentence, or for a very long one the stretch around the question's words."""
    if len(sentence) <= MAX_QUOTE_CHARS:
        return sentence
    stems = q.stems
    hits = [m.start() for m in _TOKEN.finditer(sentence) if stem(m.group()) in stems]
    centre = sorted(hits)[len(hits) // 2] if hits else 0
    start = max(0, min(centre - MAX_QUOTE_CHARS // 2, len(sentence) - MAX_QUOTE_CHARS))
    if start:
        space = sentence.find(" ", start)
        start = space + 1 if 0 <= space < start + 30 else start
    end = start + MAX_QUOTE_CHARS
    if end < len(sentence):
        space = sentence.rfind(" ", start, end)
        end = space if space > end - 30 else end
    return ("…" if start else "") + sentence[start:end].strip() + ("…" if end < len(sentence) else "")
