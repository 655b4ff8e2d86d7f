"""Answering questions over articles: the value types every answer backend shares.

Retrieval (finding candidate passages) happens in the bot, over its store; a backend gets the
passages and the thread's earlier turns and returns an ``Answer`` that cites what it rests on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypedDict


@dataclass(frozen=True, slots=True)
class Passage:
    """A stretch of one article's text offered as evidence (a sentence or a paragraph)."""

    article_id: str
    text: str
    title: str = ""
    url: str | None = None
    source: str | None = None
    published: str | None = None
    score: float = 0.0  # retrieval score (higher is better); backends may re-rank
    # Where the passage sits in its article (sentence number), so a backend can read the
    # sentences around it; -1 when unknown.
    position: int = -1


class CitationJSON(TypedDict):
    """A citation as ``briefbot ask --json`` prints it."""

    id: str
    title: str
    url: str | None
    quote: str


class AnswerJSON(TypedDict):
    """An answer as ``briefbot ask --json`` prints it (one per line)."""

    answer: str | None
    citations: list[CitationJSON]
    confidence: float


@dataclass(frozen=True, slots=True)
class Citation:
    id: str
    title: str
    url: str | None
    quote: str
    source: str | None = None

    def to_dict(self) -> CitationJSON:
        return {"id": self.id, "title": self.title, "url": self.url, "quote": self.quote}


@dataclass(frozen=True, slots=True)
class Answer:
    """``answer`` is None when nothing read supports one ("I don't know")."""

    answer: str | None
    citations: tuple[Citation, ...] = ()
    confidence: float = 0.0
    backend: str = ""

    def to_dict(self) -> AnswerJSON:
        return {
            "answer": self.answer,
            "citations": [c.to_dict() for c in self.citations],
            "confidence": round(self.confidence, 3),
        }


@dataclass(frozen=True, slots=True)
class Turn:
    """One earlier question and its answer in the same thread (conversation memory)."""

    question: str
    answer: str | None


class AnswerBackend(Protocol):
    @property
    def name(self) -> str: ...

    async def answer(
        self,
        question: str,
        passages: Sequence[Passage],
        history: Sequence[Turn] = (),
        *,
        in_thread: bool = False,
    ) -> Answer:
        """Answer from ``passages`` only; cite the passages used; None when unsupported.
        ``in_thread``: the passages are the article whose thread the question was asked in."""
        ...
