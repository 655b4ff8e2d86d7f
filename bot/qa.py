"""Questions about what Briefbot has read: retrieval over the store, an answer backend, memory.

``QuestionAnswerer.ask``:

1. resolves a follow-up from the thread's memory ("and what about Raimondo?", "what did she
   say?") or, in a brief's thread, from the article's main person;
2. asks about the thread's article first (or, in a conversation, the article the last answer
   quoted): when the backend finds the answer there, that is the answer;
3. otherwise searches everything in scope through the store's full-text search (the
   question's weighted terms, ``summarizer.qa.search``), hands every sentence of the best
   articles to the backend with each article's search score, and lets it answer or say it
   does not know;
4. remembers the turn when the scope has a thread key.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.store import Store
from bot.store.articles import Found
from summarizer.answer import Answer, AnswerBackend, Passage, Turn
from summarizer.qa.question import Question, analyse, clean, resolve
from summarizer.qa.search import SearchTerm, search_terms
from summarizer.text import sentences

log = logging.getLogger(__name__)

CANDIDATES = 24  # articles searched per question
SEARCH_TERMS = 12  # the question's most telling words used in the full-text query
HISTORY = 4  # earlier turns shown to the backend
COMMON_SHARE = 0.15  # a word in more of the stored articles than this is too common to search by
MIN_SEARCH_TERMS = 2
SMALL_STORE = 500  # fewer articles than this: search by every word
FOCUS_PRIOR = 1.0


@dataclass(frozen=True, slots=True)
class AskScope:
    thread_key: str | None = (
        None  # conversation memory key (ChannelRef.key + ":" + thread id); None: no memory
    )
    article_id: str | None = None  # the thread's article: asked about first
    feed_ids: tuple[int, ...] | None = None  # the channel's subscribed feeds; None: everything stored


class QuestionAnswerer:
    def __init__(self, store: Store, backend: AnswerBackend, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._backend = backend
        self._clock = clock

    async def ask(self, question: str, scope: AskScope = AskScope()) -> Answer:
        turns = (
            await self._store.conversations.recent(scope.thread_key, HISTORY, now=self._clock())
            if scope.thread_key
            else []
        )
        history = tuple(Turn(t.question, t.answer) for t in turns)
        focus = await self._article(scope.article_id) if scope.article_id else None
        subject = await self._subject(focus.id) if focus else None
        resolved = resolve(question, history, subject)
        if focus is None and turns and resolved != clean(question) and turns[-1].article_id:
            focus = await self._article(turns[-1].article_id)  # a follow-up: same story first
        q = analyse(resolved)

        answer = Answer(None, backend=self._backend.name)
        if q.terms:
            if focus is not None:
                answer = await self._answer(resolved, [(focus, FOCUS_PRIOR)], history, in_thread=True)
            if answer.answer is None:
                # The thread's article has had its say: the rest of what is in scope now.
                found = await self.search(q, scope, exclude=focus.id if focus else None)
                if found:
                    answer = await self._answer(resolved, _priors(found), history)
        if scope.thread_key:
            cited = answer.citations[0].id if answer.citations else (focus.id if focus else None)
            await self._store.conversations.add(
                scope.thread_key, resolved, answer.answer, cited, self._clock()
            )
        log.debug(
            "answered question_chars=%d kind=%s answered=%s confidence=%.2f backend=%s",
            len(question),
            q.kind,
            answer.answer is not None,
            answer.confidence,
            answer.backend,
        )
        return answer

    async def _answer(
        self,
        question: str,
        articles: Sequence[tuple[Found, float]],
        history: Sequence[Turn],
        in_thread: bool = False,
    ) -> Answer:
        passages = [
            Passage(
                article_id=a.id,
                text=s,
                title=a.title,
                url=a.url,
                source=a.source,
                published=a.published,
                score=prior,
                position=i,
            )
            for a, prior in articles
            for i, s in enumerate(_sentences(a.text))
        ]
        if not passages:
            return Answer(None, backend=self._backend.name)
        return await self._backend.answer(question, passages, history, in_thread=in_thread)

    async def _article(self, article_id: str) -> Found | None:
        found = await self._store.articles.found(article_id)
        if found is None:
            log.info("thread article not found id=%s; asking about everything", article_id)
        return found

    async def _subject(self, article_id: str) -> str | None:
        """The article's main person: whom "he" or "she" means when nothing was said before."""
        brief = await self._store.articles.get_brief(article_id)
        if brief is None:
            return None
        people = [a.name for a in brief.who if a.kind == "person"]
        return people[0] if people else (brief.who[0].name if brief.who else None)

    async def search(self, q: Question, scope: AskScope, exclude: str | None = None) -> list[Found]:
        """The best ``CANDIDATES`` articles in scope, best first."""
        if scope.feed_ids == ():
            return []
        terms = await self._telling(search_terms(q, SEARCH_TERMS))
        return await self._store.articles.search(terms, CANDIDATES, scope.feed_ids, exclude)

    async def _telling(self, terms: Sequence[SearchTerm]) -> list[SearchTerm]:
        """The terms worth searching by: words in a large share of all articles ("people",
        "minister") cost the index much and tell little, so they are left out while at least
        two rarer ones remain."""
        articles = await self._store.articles.searchable()
        if articles < SMALL_STORE:
            return list(terms)  # a small index is quick to search by every word
        limit = COMMON_SHARE * articles
        counts = await self._store.articles.document_frequencies(terms)
        rare = [t for t, n in zip(terms, counts, strict=True) if n <= limit]
        common = [t for t, n in zip(terms, counts, strict=True) if n > limit]
        return rare + common[: max(0, MIN_SEARCH_TERMS - len(rare))]


def _priors(found: Sequence[Found]) -> list[tuple[Found, float]]:
    """Each article with its search score relative to the best one's, 0..1."""
    best = max((f.score for f in found), default=0.0)
    return [(f, max(f.score, 0.0) / best if best > 0 else 0.0) for f in found]


@functools.lru_cache(maxsize=2048)  # popular articles are asked about again and again
def _sentences(text: str) -> tuple[str, ...]:
    return tuple(sentences(text))
