"""Questions about what Briefbot has read: retrieval over the store, an answer backend, memory.

``QuestionAnswerer.ask``:

1. resolves a follow-up from the thread's memory ("and what about Raimondo?", "what did she
   say?") or, in a brief's thread, from the article's main person;
2. asks about the thread's article first (or, in a conversation, the article the last answer
   quoted): when the backend finds the answer there, that is the answer;
3. otherwise searches everything in scope with SQLite FTS5 (BM25 over title, text and the
   brief's words), hands every sentence of the best articles to the backend with a prior for
   each article (search rank, recency, the thread's article), and lets it answer or say it
   does not know;
4. remembers the turn when the scope has a thread key.
"""

from __future__ import annotations

import functools
import logging
import sqlite3
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.store import Store
from summarizer.answer import Answer, AnswerBackend, Passage, Turn
from summarizer.qa.question import Question, analyse, clean, resolve
from summarizer.qa.rank import rank
from summarizer.qa.text import sentences

log = logging.getLogger(__name__)

CANDIDATES = 24  # articles searched per question
SEARCH_WORDS = 10  # the question's most telling words used in the full-text query
HISTORY = 4  # earlier turns shown to the backend
LLM_PASSAGES = 24  # best sentences moved to the front (an LLM reads only the first few)
RECENCY_WEIGHT = 0.2
COMMON_SHARE = 0.15  # a word in more of the stored articles than this is too common to search by
MIN_SEARCH_WORDS = 2
SMALL_STORE = 500  # fewer articles than this: search by every word
COUNT_TTL_S = 60.0
FREQUENCY_CACHE = 20_000
FOCUS_PRIOR = 1.0


@dataclass(frozen=True, slots=True)
class AskScope:
    thread_key: str | None = (
        None  # conversation memory key (ChannelRef.key + ":" + thread id); None: no memory
    )
    article_id: str | None = None  # the thread's article: asked about first
    feed_ids: tuple[int, ...] | None = None  # the channel's subscribed feeds; None: everything stored


@dataclass(frozen=True, slots=True)
class _Found:
    rowid: int
    id: str
    title: str
    url: str | None
    source: str | None
    published: str | None
    created_at: float
    text: str


class QuestionAnswerer:
    def __init__(self, store: Store, backend: AnswerBackend, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._backend = backend
        self._clock = clock
        self._articles = 0  # how many articles are stored (recounted every COUNT_TTL_S)
        self._counted_at = 0.0
        self._frequencies: OrderedDict[str, tuple[int, float]] = OrderedDict()  # word → (articles, when)

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
                answer = await self._answer(resolved, q, [(focus, FOCUS_PRIOR)], history)
            if answer.answer is None:
                # The thread's article has had its say: the rest of what is in scope now.
                found = await self._search(q, scope, exclude=focus.rowid if focus else None)
                weighted = _priors(found, top=1.0)
                if weighted:
                    answer = await self._answer(resolved, q, weighted, history)
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
        self, question: str, q: Question, articles: Sequence[tuple[_Found, float]], history: Sequence[Turn]
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
        return await self._backend.answer(question, _best_first(q, passages), history)

    async def _article(self, article_id: str) -> _Found | None:
        sql = f"SELECT {_COLUMNS} FROM articles WHERE id = ?"  # noqa: S608 - constant columns
        row = await self._store.db.fetchone(sql, (article_id,))
        if row is None:
            log.info("thread article not found id=%s; asking about everything", article_id)
            return None
        return _found(row)

    async def _subject(self, article_id: str) -> str | None:
        """The article's main person: whom "he" or "she" means when nothing was said before."""
        brief = await self._store.articles.get_brief(article_id)
        if brief is None:
            return None
        people = [a.name for a in brief.who if a.kind == "person"]
        return people[0] if people else (brief.who[0].name if brief.who else None)

    async def _search(self, q: Question, scope: AskScope, exclude: int | None) -> list[tuple[_Found, float]]:
        """The best ``CANDIDATES`` articles in scope with their BM25 scores (higher is better)."""
        if scope.feed_ids == ():
            return []
        query = fts_query(await self._telling(q.search_words[:SEARCH_WORDS]))
        if not query:
            return []
        params: list[object] = [query]
        if scope.feed_ids is None:  # the full-text index alone: no join, much faster
            sql = (
                "SELECT rowid, -bm25(articles_fts, 3.0, 1.0, 1.5) AS score FROM articles_fts "
                "WHERE articles_fts MATCH ?"
            )
        else:
            sql = _IN_FEEDS.replace("?*", ",".join("?" * len(scope.feed_ids)))
            params += list(scope.feed_ids)
        if exclude is not None:
            sql += " AND rowid != ?" if scope.feed_ids is None else " AND f.rowid != ?"
            params.append(exclude)
        sql += " ORDER BY score DESC LIMIT ?"
        params.append(CANDIDATES)
        try:
            hits = await self._store.db.fetchall(sql, params)
        except sqlite3.OperationalError as exc:  # a query we built badly must cost the answer only
            log.warning("full-text search failed error=%s", exc)
            return []
        if not hits:
            return []
        scores = {int(h["rowid"]): float(h["score"]) for h in hits}
        marks = ",".join("?" * len(scores))
        sql = f"SELECT {_COLUMNS} FROM articles WHERE rowid IN ({marks})"  # noqa: S608 - only placeholders
        rows = await self._store.db.fetchall(sql, list(scores))
        found = sorted((_found(r) for r in rows if r["text"]), key=lambda a: -scores[a.rowid])
        return [(a, scores[a.rowid]) for a in found]

    async def _telling(self, words: Sequence[str]) -> list[str]:
        """The words worth searching by: those in a large share of all articles ("people",
        "minister") cost the index much and tell little, so they are left out while at least
        two rarer words remain."""
        now = self._clock()
        if now - self._counted_at > COUNT_TTL_S or not self._articles:
            row = await self._store.db.fetchone("SELECT COUNT(*) FROM articles")
            self._articles = int(row[0]) if row else 0
            self._counted_at = now
        if self._articles < SMALL_STORE:
            return list(words)  # a small index is quick to search by every word
        limit = COMMON_SHARE * self._articles
        rare: list[str] = []
        common: list[str] = []
        for word in words:
            (common if await self._frequency(word, now) > limit else rare).append(word)
        return rare + common[: max(0, MIN_SEARCH_WORDS - len(rare))]

    async def _frequency(self, word: str, now: float) -> int:
        key = word.casefold()
        cached = self._frequencies.get(key)
        if cached is not None and now - cached[1] < COUNT_TTL_S * 10:
            self._frequencies.move_to_end(key)
            return cached[0]
        try:
            row = await self._store.db.fetchone(
                "SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH ?", (fts_query([word]),)
            )
        except sqlite3.OperationalError:
            return 0
        count = int(row[0]) if row else 0
        self._frequencies[key] = (count, now)
        if len(self._frequencies) > FREQUENCY_CACHE:
            self._frequencies.popitem(last=False)
        return count


# Articles any of the given feeds carried (their "?" placeholders replace "?*"), or fetched on
# request.
_IN_FEEDS = (
    "SELECT f.rowid AS rowid, -bm25(articles_fts, 3.0, 1.0, 1.5) AS score FROM articles_fts f "
    "JOIN articles a ON a.rowid = f.rowid WHERE articles_fts MATCH ? "
    "AND (a.feed_id IS NULL OR a.id IN (SELECT article_id FROM article_feeds WHERE feed_id IN (?*)))"
)
_COLUMNS = (
    "rowid, id, title, url, source, published, created_at, COALESCE(NULLIF(text, ''), summary, '') AS text"
)


def _found(row: sqlite3.Row) -> _Found:
    return _Found(
        rowid=int(row["rowid"]),
        id=str(row["id"]),
        title=str(row["title"] or ""),
        url=row["url"],
        source=row["source"],
        published=row["published"],
        created_at=float(row["created_at"]),
        text=str(row["text"] or ""),
    )


def fts_query(search_words: Sequence[str]) -> str:
    """An FTS5 query matching any of the words. Each word is a quoted string, so nothing a user
    types (quotes, NEAR, *, column filters, SQL) is read as query syntax."""
    terms: list[str] = []
    for word in search_words:
        token = word.replace('"', " ").strip()
        if token and f'"{token}"' not in terms:
            terms.append(f'"{token}"')
    return " OR ".join(terms)


def _priors(found: Sequence[tuple[_Found, float]], top: float) -> list[tuple[_Found, float]]:
    """Each article's prior in 0..``top``: mostly its search score, partly how recent it is."""
    if not found:
        return []
    best = max(score for _, score in found) or 1.0
    by_age = sorted(found, key=lambda f: (f[0].published or "", f[0].created_at))
    recency = {a.rowid: i / max(len(found) - 1, 1) for i, (a, _) in enumerate(by_age)}
    return [
        (a, top * ((1 - RECENCY_WEIGHT) * max(score, 0.0) / best + RECENCY_WEIGHT * recency[a.rowid]))
        for a, score in found
    ]


@functools.lru_cache(maxsize=2048)  # popular articles are asked about again and again
def _sentences(text: str) -> tuple[str, ...]:
    return tuple(sentences(text))


def _best_first(q: Question, passages: list[Passage]) -> list[Passage]:
    """The passages with the best sentences first: a backend that reads only the first few (an
    LLM) sees the most promising; one that reads all (extractive) loses nothing."""
    top = [c.passage for c in rank(q, passages, limit=LLM_PASSAGES)]
    chosen = {id(p) for p in top}
    return top + [p for p in passages if id(p) not in chosen]
