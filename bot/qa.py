"""Questions over stored articles: a first, simple version (the Q&A work replaces it).

Retrieval is SQLite FTS5 over ``articles_fts``; the answer is the stored sentence that shares
most words with the question, cited. When nothing matches, the answer is None ("I don't know").
The interface (``AskScope``, ``QuestionAnswerer.ask``) is the agreed one.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.store import Store
from summarizer.answer import Answer, AnswerBackend, Citation, Passage, Turn

PASSAGES = 12
ARTICLES = 5
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[\"'“A-Z0-9])")
_STOP = frozenset(
    """a an the and or but of in on at to for from by with about into is are was were be been
    has have had do does did will would can could should may might what who whom whose which
    when where why how that this these those it its they them their he she his her i you we
    our me my your there here not no any some all tell say said says""".split()
)


@dataclass(frozen=True, slots=True)
class AskScope:
    thread_key: str | None = None  # conversation memory key; None: no memory
    article_id: str | None = None  # the thread's article: asked about first
    feed_ids: tuple[int, ...] | None = None  # the channel's subscribed feeds; None: everything stored


def terms(text: str) -> list[str]:
    seen: list[str] = []
    for word in _WORD.findall(text.lower()):
        if word not in _STOP and len(word) > 1 and word not in seen:
            seen.append(word)
    return seen


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 4 and word.endswith("s") else word


def overlap(question: Sequence[str], sentence: str) -> float:
    words = {_stem(w) for w in _WORD.findall(sentence.lower())}
    wanted = [_stem(t) for t in question]
    return sum(1 for t in wanted if t in words) / len(wanted) if wanted else 0.0


class ExtractiveAnswerBackend:
    """Answers with the passage that shares most words with the question."""

    name = "extractive"

    async def answer(
        self, question: str, passages: Sequence[Passage], history: Sequence[Turn] = ()
    ) -> Answer:
        wanted = terms(question)
        best: tuple[float, Passage] | None = None
        for passage in passages:
            score = overlap(wanted, passage.text) + passage.score * 0.01
            if best is None or score > best[0]:
                best = (score, passage)
        if best is None or best[0] < 0.34:
            return Answer(None, backend=self.name)
        p = best[1]
        cite = Citation(id=p.article_id, title=p.title, url=p.url, quote=p.text, source=p.source)
        return Answer(p.text, (cite,), confidence=min(1.0, best[0]), backend=self.name)


class QuestionAnswerer:
    def __init__(self, store: Store, backend: AnswerBackend, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._backend = backend
        self._clock = clock

    async def ask(self, question: str, scope: AskScope = AskScope()) -> Answer:
        history = await self._history(scope.thread_key)
        passages = await self.passages(question, scope)
        answer = await self._backend.answer(question, passages, history)
        if scope.thread_key:
            await self._store.db.execute(
                "INSERT INTO turns (thread_key, question, answer, article_id, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    scope.thread_key,
                    question,
                    answer.answer,
                    answer.citations[0].id if answer.citations else scope.article_id,
                    self._clock(),
                ),
            )
        return answer

    async def _history(self, thread_key: str | None) -> list[Turn]:
        if not thread_key:
            return []
        rows = await self._store.db.fetchall(
            "SELECT question, answer FROM turns WHERE thread_key = ? ORDER BY id DESC LIMIT 5", (thread_key,)
        )
        return [Turn(r["question"], r["answer"]) for r in reversed(rows)]

    async def passages(self, question: str, scope: AskScope) -> list[Passage]:
        wanted = terms(question)
        if not wanted:
            return []
        match = " OR ".join('"' + t.replace('"', "") + '"' for t in wanted)
        sql = (
            "SELECT a.id, a.title, a.url, a.source, a.published, a.text, bm25(articles_fts) AS rank "
            "FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid WHERE articles_fts MATCH ?"
        )
        params: list[object] = [match]
        if scope.feed_ids is not None:
            sql += f" AND a.feed_id IN ({','.join('?' * len(scope.feed_ids)) or 'NULL'})"
            params += list(scope.feed_ids)
        sql += " ORDER BY (a.id = ?) DESC, rank LIMIT ?"
        params += [scope.article_id or "", ARTICLES]
        rows = await self._store.db.fetchall(sql, params)
        found: list[Passage] = []
        for rank, row in enumerate(rows):
            for sentence in _SENTENCE.split(" ".join(str(row["text"]).split())):
                score = overlap(wanted, sentence)
                if score > 0:
                    found.append(
                        Passage(
                            article_id=row["id"],
                            text=sentence,
                            title=row["title"],
                            url=row["url"],
                            source=row["source"],
                            published=row["published"],
                            score=score + (ARTICLES - rank) * 0.01,
                        )
                    )
        found.sort(key=lambda p: -p.score)
        return found[:PASSAGES]
