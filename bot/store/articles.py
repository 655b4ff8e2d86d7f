"""Articles and their briefs: the durable work queue new → fetched → briefed (or failed)."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.store import search as fulltext
from bot.store.engine import Database, LeaseLost, Row, Transaction
from bot.store.leases import FREE
from summarizer.brief import MAX_TITLE_CHARS, Article, Brief, clip_title
from summarizer.qa.search import SearchTerm

ArticleState = Literal["new", "fetched", "briefed", "failed"]

_SPACE = re.compile(r"\s+")


# Articles added per write transaction, and looked up per read, when a feed's items are stored;
# between two write transactions the lock is left free for a quarter of the time it was held.
WRITE_BATCH = 200
READ_BATCH = 500
MIN_WRITE_PAUSE_S = 0.01

# Search's statistics: the article count is re-counted after COUNT_TTL_S; a word's count is
# remembered for FREQUENCY_TTL_S (up to FREQUENCY_CACHE words) in a store of REMEMBER_FROM
# articles or more, where one more article hardly moves it.
COUNT_TTL_S = 60.0
FREQUENCY_TTL_S = 600.0
FREQUENCY_CACHE = 20_000
REMEMBER_FROM = 500

# Texts shorter than this are not deduplicated by content: feeds often give every item the
# same stock blurb ("Read the full story on our website."), and two articles must not become one
# because of it. Real articles are far longer.
MIN_HASHED_WORDS = 30


def content_hash(text: str) -> str:
    """Hash of the text with case and whitespace normalised: the same story re-published
    (re-dated, re-wrapped) hashes the same."""
    normal = _SPACE.sub(" ", text).strip().lower()
    return hashlib.sha256(normal.encode()).hexdigest()


def dedupe_hash(text: str) -> str | None:
    """The content hash an article is deduplicated by, or None for a text too short to trust."""
    return content_hash(text) if len(text.split()) >= MIN_HASHED_WORDS else None


def derived_id(*parts: str) -> str:
    """A stable short key for an article without one of its own."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class NewArticle:
    """An article as found (in a feed, a pasted URL or a file), before it is stored."""

    id: str
    url: str | None = None
    canonical_url: str | None = None
    feed_id: int | None = None
    guid: str | None = None
    title: str = ""
    source: str | None = None
    author: str | None = None
    published: str | None = None
    summary: str | None = None
    text: str = ""  # empty until fetched, unless the source carried the full text


@dataclass(frozen=True, slots=True)
class IdTaken:
    """An import's ``id`` already names a stored article whose text differs."""

    id: str


@dataclass(frozen=True, slots=True)
class StoredArticle:
    rowid: int
    id: str
    url: str | None
    canonical_url: str | None
    feed_id: int | None
    guid: str | None
    title: str
    source: str | None
    author: str | None
    published: str | None
    summary: str | None
    text: str
    content_hash: str | None
    brief_text: str
    state: ArticleState
    error: str | None
    attempts: int
    created_at: float
    updated_at: float
    lease_owner: str | None = None  # the replica fetching or briefing it now (bot.store.leases)
    lease_until: float | None = None

    @classmethod
    def from_row(cls, row: Row) -> StoredArticle:
        return cls(**dict(row))

    def as_article(self) -> Article:
        return Article(
            id=self.id,
            text=self.text,
            title=self.title,
            url=self.url,
            published=self.published,
            source=self.source,
        )


@dataclass(frozen=True, slots=True)
class Found:
    """An article a search found, with its relevance (higher is better; comparable only
    within one search)."""

    id: str
    title: str
    url: str | None
    source: str | None
    published: str | None
    created_at: float
    text: str  # the fetched text, or the feed's summary when there is none
    score: float


_FOUND_COLUMNS = (
    "id, title, url, source, published, created_at, COALESCE(NULLIF(text, ''), summary, '') AS text"
)
# The id of the article stored under a key (given twice): its own id, or one a duplicate had.
_RESOLVE = (
    "SELECT id FROM articles WHERE id = ? "
    "UNION ALL SELECT article_id FROM article_keys WHERE kind = 'id' AND key = ? LIMIT 1"
)


def searchable(brief: Brief) -> str:
    """The words of a brief worth finding it by: names, roles, places and phrases."""
    parts = [brief.tldr]
    parts += [f"{a.name} {a.role or ''} {' '.join(a.aliases)}" for a in brief.who]
    parts += [f"{p.name} {p.detail or ''} {' '.join(p.aliases)}" for p in brief.where]
    parts += list(brief.objectives) + list(brief.open_issues)
    return "\n".join(p.strip() for p in parts if p.strip())


class ArticleRepo:
    def __init__(self, db: Database, clock: Callable[[], float] = time.monotonic) -> None:
        self._db = db
        self._clock = clock
        # What search reads and changes slowly: the article count, and words' counts.
        self._counted: tuple[int, float] | None = None
        self._frequencies: OrderedDict[str, tuple[int, float]] = OrderedDict()  # word → (count, when)

    # -- adding, with deduplication ----------------------------------------------------------
    async def add(self, new: NewArticle, now: float) -> tuple[str, bool]:
        """Store an article unless it is already known by id, canonical URL, feed GUID or
        content hash (also under a key a duplicate once arrived with). Returns the stored
        article's id and whether it was created."""
        async with self._db.transaction() as tx:
            return await self._add(tx, new, now)

    async def add_many(self, news: Sequence[NewArticle], now: float) -> list[tuple[str, bool]]:
        """``add`` for many articles (a feed's items), ``WRITE_BATCH`` per transaction, so that
        another writer (a chat command, ``briefbot feeds add``) waits for one batch at most,
        never for a whole feed. Items stored before and unchanged cost a read, no write."""
        results: dict[int, tuple[str, bool]] = {}
        for start in range(0, len(news), READ_BATCH):
            chunk = news[start : start + READ_BATCH]
            for i in await self._unchanged(chunk):
                results[start + i] = (chunk[i].id, False)
        todo = [i for i in range(len(news)) if i not in results]
        held = 0.0
        for start in range(0, len(todo), WRITE_BATCH):
            if start:
                # Another process waiting for the lock only looks now and then (SQLite's wait
                # sleeps up to 100 ms between tries): taken again at once, it would starve.
                await asyncio.sleep(max(MIN_WRITE_PAUSE_S, held / 4))
            began = time.monotonic()
            async with self._db.transaction() as tx:
                for i in todo[start : start + WRITE_BATCH]:
                    results[i] = await self._add(tx, news[i], now)
            held = time.monotonic() - began
        return [results[i] for i in range(len(news))]

    async def _unchanged(self, news: Sequence[NewArticle]) -> list[int]:
        """Positions of the items ``add`` would find stored under their own id, already
        carried by their feed and known by their GUID: adding them again changes nothing."""
        ids = sorted({n.id for n in news if n.feed_id is not None})
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = await self._db.fetchall(
            "SELECT a.id, a.feed_id AS origin, a.guid, af.feed_id FROM articles a "  # noqa: S608
            f"JOIN article_feeds af ON af.article_id = a.id WHERE a.id IN ({marks})",
            ids,
        )
        carried = {(r["id"], r["feed_id"]) for r in rows}
        own_guids = {r["id"]: _guid_key(r["origin"], r["guid"]) for r in rows}
        guids = sorted({k for n in news if (k := _guid_key(n.feed_id, n.guid))})
        known_guids: set[tuple[str, str]] = set()
        if guids:
            marks = ",".join("?" * len(guids))
            keys = await self._db.fetchall(
                f"SELECT key, article_id FROM article_keys WHERE kind = 'guid' AND key IN ({marks})",  # noqa: S608
                guids,
            )
            known_guids = {(r["article_id"], r["key"]) for r in keys}
        return [
            i
            for i, n in enumerate(news)
            if (n.id, n.feed_id) in carried
            and (
                (guid := _guid_key(n.feed_id, n.guid)) is None
                or own_guids.get(n.id) == guid
                or (n.id, guid) in known_guids
            )
        ]

    async def import_many(self, news: Sequence[NewArticle], now: float) -> list[tuple[str, bool] | IdTaken]:
        """``add_many`` for articles whose ids are their owners' keys (an archive import): an
        id that already names an article with a different text is ``IdTaken``, not merged —
        the owner would otherwise find the other article under it."""
        async with self._db.transaction() as tx:
            results: list[tuple[str, bool] | IdTaken] = []
            for new in news:
                holder = await tx.fetchone(
                    "SELECT text FROM articles WHERE id = ? UNION ALL SELECT a.text "
                    "FROM article_keys k JOIN articles a ON a.id = k.article_id "
                    "WHERE k.kind = 'id' AND k.key = ? LIMIT 1",
                    (new.id, new.id),
                )
                if (
                    holder is not None
                    and holder["text"]
                    and content_hash(holder["text"]) != content_hash(new.text)
                ):
                    results.append(IdTaken(new.id))
                else:
                    results.append(await self._add(tx, new, now))
            return results

    async def _add(self, tx: Transaction, new: NewArticle, now: float) -> tuple[str, bool]:
        if len(new.title) > MAX_TITLE_CHARS:  # stored as the summarizer sees it
            new = dataclasses.replace(new, title=clip_title(new.title))
        digest = dedupe_hash(new.text)
        found = await _find(tx, new, digest)
        if found is not None:
            await _remember(tx, found, new.id, new.canonical_url, new.feed_id, new.guid)
            await _carried(tx, found, new.feed_id, now)
            return found, False
        await tx.execute(
            "INSERT INTO articles (id, url, canonical_url, feed_id, guid, title, source, author, "
            "published, summary, text, content_hash, state, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                new.id,
                new.url,
                new.canonical_url,
                new.feed_id,
                new.guid,
                new.title,
                new.source,
                new.author,
                new.published,
                new.summary,
                new.text,
                digest,
                "fetched" if new.text.strip() else "new",
                now,
                now,
            ),
        )
        await _carried(tx, new.id, new.feed_id, now)
        return new.id, True

    # -- reading -------------------------------------------------------------------------------
    async def resolve(self, key: str) -> str | None:
        """The id of the article stored under ``key``: its own id, or one a duplicate had."""
        row = await self._db.fetchone(_RESOLVE, (key, key))
        return str(row[0]) if row else None

    async def get(self, article_id: str) -> StoredArticle | None:
        """The article with this id, or the one a duplicate with this id was merged into."""
        row = await self._db.fetchone("SELECT * FROM articles WHERE id = ?", (article_id,))
        if row is None:
            row = await self._db.fetchone(
                "SELECT a.* FROM article_keys k JOIN articles a ON a.id = k.article_id "
                "WHERE k.kind = 'id' AND k.key = ?",
                (article_id,),
            )
        return StoredArticle.from_row(row) if row else None

    async def find_url(self, canonical_url: str) -> StoredArticle | None:
        row = await self._db.fetchone(
            "SELECT * FROM articles WHERE canonical_url = ? UNION ALL "
            "SELECT a.* FROM article_keys k JOIN articles a ON a.id = k.article_id "
            "WHERE k.kind = 'url' AND k.key = ? LIMIT 1",
            (canonical_url, canonical_url),
        )
        return StoredArticle.from_row(row) if row else None

    async def in_state(
        self, state: ArticleState, limit: int = 100, after_rowid: int = 0
    ) -> list[StoredArticle]:
        """Articles in ``state``, oldest first (page with ``after_rowid``)."""
        rows = await self._db.fetchall(
            "SELECT * FROM articles WHERE state = ? AND rowid > ? ORDER BY rowid LIMIT ?",
            (state, after_rowid, limit),
        )
        return [StoredArticle.from_row(r) for r in rows]

    # -- the queue -----------------------------------------------------------------------------
    async def claim(
        self, state: Literal["new", "fetched"], owner: str, now: float, lease_s: float, limit: int
    ) -> list[StoredArticle]:
        """Claim up to ``limit`` articles in ``state`` that no one else holds, oldest first,
        for ``lease_s`` seconds: two replicas claiming at once get different articles, and the
        articles of a replica whose lease ended are claimed again."""
        rows = await self._db.fetchall(
            "UPDATE articles SET lease_owner = ?, lease_until = ? WHERE rowid IN ("  # noqa: S608 - constants
            f"SELECT rowid FROM articles WHERE state = ? AND {FREE} "
            f"ORDER BY rowid LIMIT ?{self._db.dialect.skip_locked}) RETURNING *",
            (owner, now + lease_s, state, now, limit),
        )
        return sorted((StoredArticle.from_row(r) for r in rows), key=lambda a: a.rowid)

    async def mark_fetched(
        self,
        article_id: str,
        *,
        text: str,
        now: float,
        title: str | None = None,
        author: str | None = None,
        published: str | None = None,
        owner: str | None = None,
    ) -> str | None:
        """Store fetched text (releasing the claim on the article). If another article already
        has the same text, this one is a duplicate: it is merged into the other (its keys now
        lead there) and the other's id is returned; otherwise None. With ``owner``, only while
        it still holds the article: ``LeaseLost`` when another replica took it over."""
        digest = dedupe_hash(text)
        fields = (text, digest, clip_title(title or ""), author, published, now)
        # Beside the other replicas' results: this writes the article it holds, and the lock on
        # its text's hash makes two articles fetched with the same text at once queue, so that
        # the second finds the first. A duplicate is merged with every other write held off.
        async with self._db.transaction(keys=[digest] if digest else []) as tx:
            if digest is None or not await _duplicate(tx, article_id, digest):
                await _store_text(tx, article_id, fields, owner)
                return None
        async with self._db.transaction() as tx:
            await _check_owner(tx, article_id, owner)
            if digest is not None and (survivor := await _duplicate(tx, article_id, digest)) is not None:
                await _merge(tx, article_id, survivor, now)
                return survivor
            await _store_text(tx, article_id, fields, owner)
        return None

    async def mark_failed(self, article_id: str, error: str, now: float, owner: str | None = None) -> bool:
        """Record a failed attempt (releasing the claim); with ``owner``, only while it still
        holds the article. Whether it was written."""
        release, owned, params = _as_owner(owner)
        changed = await self._db.execute(
            "UPDATE articles SET state = 'failed', error = ?, attempts = attempts + 1, "  # noqa: S608
            f"updated_at = ?{release} WHERE id = ?{owned}",
            (error, now, article_id, *params),
        )
        return changed.rowcount == 1

    async def retry(self, article_id: str, now: float) -> None:
        """Back into the queue: ``fetched`` when its text is known, else ``new``."""
        await self._db.execute(
            "UPDATE articles SET state = CASE WHEN text = '' THEN 'new' ELSE 'fetched' END, "
            "updated_at = ? WHERE id = ?",
            (now, article_id),
        )

    async def requeue_failed(self, now: float, max_attempts: int, delay_s: float) -> int:
        """Put failed articles back in the queue once they have waited ``delay_s`` doubled per
        earlier attempt; those that failed ``max_attempts`` times stay failed."""
        changed = await self._db.execute(
            "UPDATE articles SET state = CASE WHEN text = '' THEN 'new' ELSE 'fetched' END, updated_at = ? "
            "WHERE state = 'failed' AND attempts < ? "
            "AND updated_at + ? * (1 << CASE WHEN attempts < 1 THEN 0 WHEN attempts > 21 THEN 20 "
            "  ELSE attempts - 1 END) <= ?",
            (now, max_attempts, delay_s, now),
        )
        return changed.rowcount

    async def save_brief(self, brief: Brief, now: float) -> None:
        """Store a brief and mark its article briefed, atomically."""
        await self.save_briefs([brief], now)

    async def save_briefs(self, briefs: Sequence[Brief], now: float, owner: str | None = None) -> set[str]:
        """Store briefs and mark their articles briefed (releasing their claims), all in one
        transaction; with ``owner``, only those it still holds. The ids stored."""
        saved: set[str] = set()
        if not briefs:
            return saved
        # Beside the other replicas' results: each write is to an article this process holds.
        async with self._db.transaction(keys=[]) as tx:
            for brief in briefs:
                if await _save_brief(tx, brief, now, owner):
                    saved.add(brief.id)
        return saved

    async def get_brief(self, article_id: str) -> Brief | None:
        sql = f"SELECT json FROM briefs WHERE article_id = ({_RESOLVE})"  # noqa: S608 - a constant
        row = await self._db.fetchone(sql, (article_id, article_id))
        return Brief.from_json(row["json"]) if row else None

    # -- full-text search ----------------------------------------------------------------------
    async def search(
        self,
        terms: Sequence[SearchTerm],
        limit: int,
        feed_ids: Sequence[int] | None = None,
        exclude: str | None = None,
    ) -> list[Found]:
        """The ``limit`` articles matching most of ``terms`` best (chosen and scored as
        ``bot.store.search`` says), best first; among equal scores the newer first.
        ``feed_ids`` keeps to those feeds' articles (and those fetched on request); ``exclude``
        leaves one out. A query the index cannot read finds nothing rather than failing."""
        columns = f"{_FOUND_COLUMNS}, a.brief_text AS brief_text"
        rows = [
            r for r in await fulltext.ranked(self._db, terms, limit, feed_ids, exclude, columns) if r["text"]
        ]
        if not rows:
            return []
        # Scored again, the same way on every engine, from what the engine found (see bm25).
        frequencies = await self.document_frequencies(terms)
        documents = [(str(r["title"] or ""), str(r["text"]), str(r["brief_text"] or "")) for r in rows]
        scores = fulltext.bm25(terms, frequencies, documents, await self.searchable())
        found = [_found(r, score) for r, score in zip(rows, scores, strict=True)]
        found.sort(key=lambda f: (f.published or "", f.created_at), reverse=True)  # newest first …
        found.sort(key=lambda f: -f.score)  # … among equal scores (the sort is stable)
        return found

    async def found(self, article_id: str) -> Found | None:
        """One article as a search would return it (score 0), by its id or a duplicate's."""
        sql = f"SELECT {_FOUND_COLUMNS} FROM articles WHERE id = ({_RESOLVE})"  # noqa: S608 - constants
        row = await self._db.fetchone(sql, (article_id, article_id))
        return _found(row, 0.0) if row is not None else None

    async def document_frequencies(self, terms: Sequence[SearchTerm]) -> list[int]:
        """How many articles hold each term (what makes a word rare, or too common to search
        by). In a store of ``REMEMBER_FROM`` articles or more a word's count is remembered for
        ``FREQUENCY_TTL_S`` (it moves slowly there); the rest are counted in one statement."""
        now = self._clock()
        remember = await self.searchable() >= REMEMBER_FROM
        keys = [t.text.casefold() for t in terms]
        counts: dict[str, int] = {}
        for key in keys:
            cached = self._frequencies.get(key) if remember else None
            if cached is not None and now - cached[1] < FREQUENCY_TTL_S:
                self._frequencies.move_to_end(key)
                counts[key] = cached[0]
        missing = [t for t, key in zip(terms, keys, strict=True) if key not in counts]
        if missing:
            fresh = await fulltext.document_frequencies(self._db, missing)
            for term, count in zip(missing, fresh, strict=True):
                counts[term.text.casefold()] = count
                if remember:
                    self._frequencies[term.text.casefold()] = (count, now)
            while len(self._frequencies) > FREQUENCY_CACHE:
                self._frequencies.popitem(last=False)
        return [counts[key] for key in keys]

    async def searchable(self) -> int:
        """How many articles search reads: counted at most every ``COUNT_TTL_S``."""
        now = self._clock()
        if self._counted is None or now - self._counted[1] > COUNT_TTL_S:
            self._counted = (await self.count(), now)
        return self._counted[0]

    async def count(self, state: ArticleState | None = None) -> int:
        if state is None:
            row = await self._db.fetchone("SELECT COUNT(*) FROM articles")
        else:
            row = await self._db.fetchone("SELECT COUNT(*) FROM articles WHERE state = ?", (state,))
        return int(row[0]) if row else 0


async def _find(tx: Transaction, new: NewArticle, digest: str | None) -> str | None:
    """The stored article ``new`` repeats: same id, canonical URL, content, or feed GUID.

    A GUID counts only when the link or the title agrees as well: a feed that gives different
    stories one GUID is broken, but its stories are real and must not become one article."""
    guid_key = _guid_key(new.feed_id, new.guid)
    row = await tx.fetchone(
        "SELECT id FROM articles WHERE id = ? OR canonical_url = ? OR content_hash = ? "
        "OR (feed_id = ? AND guid = ? AND title = ?) LIMIT 1",
        (new.id, new.canonical_url, digest, new.feed_id, new.guid, new.title),
    )
    if row is not None:
        return str(row["id"])
    row = await tx.fetchone(
        "SELECT k.article_id FROM article_keys k JOIN articles a ON a.id = k.article_id "
        "WHERE (k.kind = 'id' AND k.key = ?) OR (k.kind = 'url' AND k.key = ?) "
        "OR (k.kind = 'guid' AND k.key = ? AND (a.title = ? OR a.canonical_url = ?)) "
        "LIMIT 1",
        (new.id, new.canonical_url, guid_key, new.title, new.canonical_url),
    )
    return str(row[0]) if row else None


async def _remember(
    tx: Transaction,
    survivor: str,
    article_id: str,
    canonical_url: str | None,
    feed_id: int | None,
    guid: str | None,
) -> None:
    """Record the keys a duplicate arrived with, where they differ from the survivor's own."""
    own = await tx.fetchone("SELECT canonical_url, feed_id, guid FROM articles WHERE id = ?", (survivor,))
    keys = []
    if article_id != survivor:
        keys.append(("id", article_id))
    if canonical_url and (own is None or own["canonical_url"] != canonical_url):
        keys.append(("url", canonical_url))
    guid_key = _guid_key(feed_id, guid)
    if guid_key and (own is None or _guid_key(own["feed_id"], own["guid"]) != guid_key):
        keys.append(("guid", guid_key))
    for kind, key in keys:
        await tx.execute(
            "INSERT INTO article_keys (kind, key, article_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            (kind, key, survivor),
        )
    if feed_id is not None and own is not None and own["feed_id"] is None:
        # Briefed from a pasted link first, now announced by a feed: that feed becomes its
        # origin, so the feed's GUIDs find it.
        await tx.execute(
            "UPDATE articles SET feed_id = ? WHERE id = ? AND feed_id IS NULL", (feed_id, survivor)
        )


async def _carried(tx: Transaction, article_id: str, feed_id: int | None, now: float) -> None:
    """The article belongs to this feed from now on (unless it already did): digests and
    each-mode posts reach the feed's subscribers through this membership."""
    if feed_id is not None:
        await tx.execute(
            "INSERT INTO article_feeds (article_id, feed_id, added_at) VALUES (?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (article_id, feed_id, now),
        )


async def _merge(tx: Transaction, duplicate: str, survivor: str, now: float) -> None:
    """Fold a duplicate into the survivor: its keys lead to the survivor, its feeds carry the
    survivor from now on (a subscriber of those feeds has not seen it yet), its row goes."""
    row = await tx.fetchone("SELECT canonical_url, feed_id, guid FROM articles WHERE id = ?", (duplicate,))
    await tx.execute("UPDATE article_keys SET article_id = ? WHERE article_id = ?", (survivor, duplicate))
    await tx.execute(
        "INSERT INTO article_feeds (article_id, feed_id, added_at) "
        "SELECT ?, feed_id, ? FROM article_feeds WHERE article_id = ? ON CONFLICT DO NOTHING",
        (survivor, now, duplicate),
    )
    await tx.execute("DELETE FROM articles WHERE id = ?", (duplicate,))
    if row is not None:
        await _remember(tx, survivor, duplicate, row["canonical_url"], row["feed_id"], row["guid"])


async def _save_brief(tx: Transaction, brief: Brief, now: float, owner: str | None) -> bool:
    release, owned, params = _as_owner(owner)
    changed = await tx.execute(
        "UPDATE articles SET state = 'briefed', error = NULL, brief_text = ?, "  # noqa: S608
        f"updated_at = ?{release} WHERE id = ?{owned}",
        (searchable(brief), now, brief.id, *params),
    )
    if changed.rowcount != 1:
        return False  # another replica took it over (or it was merged away meanwhile)
    await tx.execute(
        "INSERT INTO briefs (article_id, json, backend, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (article_id) DO UPDATE SET json = excluded.json, backend = excluded.backend, "
        "created_at = excluded.created_at",
        (brief.id, brief.to_json(), brief.backend, now),
    )
    return True


def _as_owner(owner: str | None) -> tuple[str, str, tuple[str, ...]]:
    """SQL fragments of a result write (``SET`` addition, ``WHERE`` addition, its parameters).
    By a claim's owner (the queue), it is written only while the owner holds the article and
    releases it. Without one (an article briefed on request, outside the queue), claims are
    left alone: a replica working on the same article writes its result after it."""
    if owner is None:
        return "", "", ()
    return ", lease_owner = NULL, lease_until = NULL", " AND lease_owner = ?", (owner,)


async def _duplicate(tx: Transaction, article_id: str, digest: str) -> str | None:
    """Another article with the text of hash ``digest``: its id."""
    row = await tx.fetchone(
        "SELECT id FROM articles WHERE content_hash = ? AND id != ?", (digest, article_id)
    )
    return str(row["id"]) if row is not None else None


async def _store_text(
    tx: Transaction, article_id: str, fields: tuple[object, ...], owner: str | None
) -> None:
    """An article's fetched text, its hash, title, author, publication date and the time now
    (``fields``); with ``owner``, only while it holds the article (else ``LeaseLost``; an
    article merged away meanwhile is not written)."""
    release, owned, params = _as_owner(owner)
    changed = await tx.execute(
        "UPDATE articles SET text = ?, content_hash = ?, title = COALESCE(NULLIF(?, ''), title), "  # noqa: S608
        "author = COALESCE(author, ?), published = COALESCE(published, ?), state = 'fetched', "
        f"error = NULL, updated_at = ?{release} WHERE id = ?{owned}",
        (*fields, article_id, *params),
    )
    if changed.rowcount == 0:
        await _check_owner(tx, article_id, owner)


async def _check_owner(tx: Transaction, article_id: str, owner: str | None) -> None:
    if owner is None:
        return
    row = await tx.fetchone("SELECT lease_owner FROM articles WHERE id = ?", (article_id,))
    if row is not None and row["lease_owner"] != owner:
        raise LeaseLost(f"article {article_id} was taken over by another replica")


def _found(row: Row, score: float) -> Found:
    return Found(
        id=str(row["id"]),
        title=str(row["title"] or ""),
        url=row["url"],
        source=row["source"],
        published=row["published"],
        created_at=float(row["created_at"]),
        text=str(row["text"] or ""),
        score=score,
    )


def _guid_key(feed_id: int | None, guid: str | None) -> str | None:
    return f"{feed_id}\x1f{guid}" if feed_id is not None and guid else None
