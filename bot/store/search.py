"""Full-text search over the stored articles: the part that differs per engine.

``ArticleRepo.search`` asks here for the best-matching article rowids and their scores, then
reads the articles itself. SQLite ranks with BM25 over its FTS5 index (title 3, text 1,
brief 1.5); PostgreSQL with ``ts_rank_cd`` over the weighted ``tsvector`` of
``articles_search`` (A title, B the brief's words, C the lead, D the text; see
``bot.store.postgres_schema``). An article matches when it holds any of the terms; scores
compare articles within one search, not across searches or engines.

Term text is always a bound parameter, quoted as one phrase for FTS5: nothing a user types
(quotes, NEAR, ``*``, column filters, SQL) is read as query syntax.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from bot.store.engine import Database
from summarizer.qa.search import SearchTerm

# SQLite: full-text column weights. A word in the title says most about what an article is
# about, the brief's names and phrases more than a word somewhere in the text.
TITLE_WEIGHT, TEXT_WEIGHT, BRIEF_WEIGHT = 3.0, 1.0, 1.5
_SQLITE_RANK = f"-bm25(articles_fts, {TITLE_WEIGHT}, {TEXT_WEIGHT}, {BRIEF_WEIGHT})"
# PostgreSQL: ts_rank_cd's weights are listed D, C, B, A (text, lead, brief, title); 1 divides
# by the log of the document's length, as BM25 discounts long articles.
_POSTGRES_RANK = "ts_rank_cd('{0.33, 0.5, 0.5, 1.0}', s.document, q.query, 1)"


def fts_query(terms: Sequence[SearchTerm]) -> str:
    """An FTS5 query matching any of the terms. Each is a quoted string (a name of several
    words is a phrase), so nothing a user types is read as query syntax."""
    quoted: list[str] = []
    for text in _texts(terms):
        if f'"{text}"' not in quoted:
            quoted.append(f'"{text}"')
    return " OR ".join(quoted)


def _texts(terms: Sequence[SearchTerm]) -> list[str]:
    out: list[str] = []
    for term in terms:
        text = " ".join(term.text.replace('"', " ").split())
        if text and text not in out:
            out.append(text)
    return out


def _tsquery(count: int) -> str:
    """A tsquery matching any of ``count`` phrases given as parameters."""
    return " || ".join(["phraseto_tsquery('english', ?)"] * count)


async def ranked(
    db: Database,
    terms: Sequence[SearchTerm],
    limit: int,
    feed_ids: Sequence[int] | None,
    exclude: str | None,
) -> dict[int, float]:
    """Rowid → score of the ``limit`` best articles holding any of ``terms``. ``feed_ids``:
    only articles those feeds carried, or fetched on request; ``exclude``: all but that id.
    A query the index cannot read finds nothing rather than failing the question."""
    texts = _texts(terms)
    if not texts or (feed_ids is not None and not feed_ids):
        return {}
    params: list[object] = []
    if db.dialect.name == "postgresql":
        sql = (
            f"SELECT s.rowid AS rowid, {_POSTGRES_RANK} AS score "  # noqa: S608 - constants
            f"FROM articles_search s CROSS JOIN (SELECT {_tsquery(len(texts))} AS query) q"
        )
        params += texts
        match, key = "s.document @@ q.query", "s.rowid"
    else:
        sql = f"SELECT f.rowid AS rowid, {_SQLITE_RANK} AS score FROM articles_fts f"  # noqa: S608
        match, key = "articles_fts MATCH ?", "f.rowid"
    if feed_ids is not None or exclude is not None:
        sql += f" JOIN articles a ON a.rowid = {key}"
    sql += f" WHERE {match}"
    if db.dialect.name != "postgresql":
        params.append(fts_query(terms))
    if feed_ids is not None:
        # Articles any of the feeds carried (a story can come by several), or fetched on request.
        marks = ",".join("?" * len(feed_ids))
        member = f"SELECT article_id FROM article_feeds WHERE feed_id IN ({marks})"  # noqa: S608
        sql += f" AND (a.feed_id IS NULL OR a.id IN ({member}))"
        params += list(feed_ids)
    if exclude is not None:
        sql += " AND a.id <> ?"
        params.append(exclude)
    sql += " ORDER BY score DESC LIMIT ?"
    params.append(limit)
    try:
        hits = await db.fetchall(sql, params)
    except sqlite3.OperationalError:
        return {}
    return {int(h["rowid"]): float(h["score"]) for h in hits}


async def document_frequency(db: Database, term: SearchTerm) -> int:
    """How many articles hold the term."""
    texts = _texts([term])
    if not texts:
        return 0
    if db.dialect.name == "postgresql":
        sql = f"SELECT COUNT(*) FROM articles_search WHERE document @@ {_tsquery(1)}"  # noqa: S608
        params = texts
    else:
        sql, params = "SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH ?", [fts_query([term])]
    try:
        row = await db.fetchone(sql, params)
    except sqlite3.OperationalError:
        return 0
    return int(row[0]) if row else 0
