"""The offline answer backend: the best sentence of the given passages, or "I don't know".

No network and no heavy model: the question is analysed (``question``), every sentence scored
by the learned ranker (``rank``), and the best one answers — quoted as its citation — when the
learned ``confidence`` (``model``) says the passages really support it. Otherwise the answer is
None: saying "I don't know" beats a confident quote about something else.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from summarizer.answer import Answer, Citation, Passage, Turn
from summarizer.qa.model import Model, load
from summarizer.qa.question import Question, analyse, resolve
from summarizer.qa.rank import Candidate, rank
from summarizer.text import stem

NAME = "extractive"
MAX_QUOTE_CHARS = 400
SECOND_CITATION = 0.5  # a runner-up within this much of the best score (and sure enough) is cited too

_DISCOURSE = re.compile(
    r"^(?:but|and|so|however|meanwhile|also|still|yet|now|indeed|instead|in addition|furthermore)\b[,\s]+",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[^\W_]+(?:['’.][^\W_]+)*")


def confidence_features(c: Candidate) -> dict[str, float]:
    """What the confidence reads: the sentence's features, its margins and its ranker score."""
    return {**c.features, "score": c.score}


def confidence(c: Candidate, model: Model | None = None) -> float:
    """How likely the sentence answers the question, 0..1 (the learned logistic model)."""
    return (model or load()).confidence.probability(confidence_features(c))


class ExtractiveAnswerBackend:
    """An ``AnswerBackend`` that quotes the article: fast, offline, never invents a word."""

    def __init__(
        self,
        threshold: float | None = None,
        observer: Callable[[Question, Sequence[Passage]], None] | None = None,
        model: Model | None = None,
    ) -> None:
        self._model = model or load()
        self._threshold = threshold  # the same for both scopes, instead of the model's
        self._observer = observer  # sees every question's passages (the trainer collects them)

    @property
    def name(self) -> str:
        return NAME

    async def answer(
        self,
        question: str,
        passages: Sequence[Passage],
        history: Sequence[Turn] = (),
        *,
        in_thread: bool = False,
    ) -> Answer:
        return self.answer_sync(question, passages, history, in_thread=in_thread)

    def threshold(self, in_thread: bool) -> float:
        return self._model.threshold(in_thread) if self._threshold is None else self._threshold

    def answer_sync(
        self,
        question: str,
        passages: Sequence[Passage],
        history: Sequence[Turn] = (),
        *,
        in_thread: bool = False,
    ) -> Answer:
        q = analyse(resolve(question, history))
        if self._observer is not None:
            self._observer(q, passages)
        candidates = rank(q, passages, limit=3)
        if not candidates:
            return Answer(None, backend=NAME)
        best = candidates[0]
        threshold = self.threshold(in_thread)
        sure = confidence(best, self._model)
        if sure < threshold:
            return Answer(None, confidence=sure, backend=NAME)
        cited = [best]
        for other in candidates[1:2]:
            close = best.score - other.score <= SECOND_CITATION
            if close and confidence(other, self._model) >= threshold:
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
