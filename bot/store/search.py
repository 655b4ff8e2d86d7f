"""Full-text search over the stored articles: the part that differs per engine.

``ArticleRepo.search`` asks here for the best-matching articles with the columns it reads, in
one statement (each statement is a round trip to a PostgreSQL server). An article matches when
it holds any of the terms. The engine chooses which articles; ``bm25`` then scores them again,
in Python, the same way whichever engine chose them: the answerer's confidence reads those
scores (each relative to the best one's), and the engines' own differ in scale and spread.
Scores compare articles within one search, not across searches.

To choose, SQLite ranks with FTS5's BM25 (title 3, text 1, brief 1.5). PostgreSQL has no BM25, and
``ts_rank``/``ts_rank_cd`` over all matches know nothing of how rare a word is and read every
matching article's whole ``tsvector`` (1.9 s at the 95th percentile with 50,000 articles).
So it ranks in two steps, each a BM25 in spirit:

1. shortlist: the GIN index gives each term's matching rowids (no document is read), hence its
   document frequency; each article scores the sum of its terms' inverse document frequencies
   (BM25's idf), and the best ``SHORTLIST`` go on;
2. rank: only those are read, and score the sum over terms of idf × ``ts_rank`` of the term,
   which grows with the term's occurrences and saturates (as BM25's term frequency does), an
   occurrence in the title weighing most (``POSTGRES_WEIGHTS``: lead, brief and text alike).

Term text is always a bound parameter, quoted as one phrase for FTS5 and read by
``phraseto_tsquery`` in PostgreSQL: nothing a user types (quotes, NEAR, ``*``, column filters,
tsquery operators, SQL) is read as query syntax.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Sequence

from bot.store.engine import Database, Row
from summarizer.qa.search import SearchTerm
from summarizer.text import index_stem

# SQLite: full-text column weights. A word in the title says most about what an article is
# about, the brief's names and phrases more than a word somewhere in the text.
TITLE_WEIGHT, TEXT_WEIGHT, BRIEF_WEIGHT = 3.0, 1.0, 1.5
_SQLITE_RANK = f"-bm25(articles_fts, {TITLE_WEIGHT}, {TEXT_WEIGHT}, {BRIEF_WEIGHT})"
# PostgreSQL: ts_rank's weights of an occurrence in the text (D), lead (C), brief (B) and title
# (A) of ``articles_search.document``. Chosen on silver's questions (bench/qa.py --engine
# postgresql): the title above the rest, the rest alike.
POSTGRES_WEIGHTS = "{0.7, 0.7, 0.7, 1.0}"
BM25_K1, BM25_B, BM25_MIN_IDF = 1.2, 0.75, 1e-6  # FTS5's
_INDEX_WORD = re.compile(r"[^\W_]+")
SHORTLIST = 200  # articles ranked in full (100 or 400 found silver's articles no better)
EXACT_COUNT_BELOW = 10_000  # articles: counted exactly; above, the planner's count is close enough


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
        text = " ".join(term.text.replace('"', " ").replace("\x00", " ").split())
        if text and text not in out:
            out.append(text)
    return out


def _scope(key: str, feed_ids: Sequence[int] | None, exclude: str | None) -> tuple[str, list[object]]:
    """The join and conditions that keep a search to ``feed_ids`` and leave out ``exclude``."""
    if feed_ids is None and exclude is None:
        return "", []
    sql, params = f" JOIN articles a ON a.rowid = {key} WHERE TRUE", list[object]()
    if feed_ids is not None:
        # Articles any of the feeds carried (a story can come by several), or fetched on request.
        marks = ",".join("?" * len(feed_ids))
        member = f"SELECT article_id FROM article_feeds WHERE feed_id IN ({marks})"  # noqa: S608
        sql += f" AND (a.feed_id IS NULL OR a.id IN ({member}))"
        params += list(feed_ids)
    if exclude is not None:
        sql += " AND a.id <> ?"
        params.append(exclude)
    return sql, params


def _sqlite_search(
    terms: Sequence[SearchTerm], limit: int, scope: tuple[str, list[object]]
) -> tuple[str, list[object]]:
    join, params = scope
    sql = f"SELECT f.rowid AS rowid, {_SQLITE_RANK} AS score FROM articles_fts f{join}"  # noqa: S608
    sql += (" AND" if join else " WHERE") + " articles_fts MATCH ? ORDER BY score DESC LIMIT ?"
    return sql, [*params, fts_query(terms), limit]


def _postgres_search(
    texts: list[str], limit: int, scope: tuple[str, list[object]]
) -> tuple[str, list[object]]:
    join, params = scope
    values = ", ".join(f"({i}, phraseto_tsquery('english', ?))" for i in range(len(texts)))
    sql = f"""
        WITH terms(i, query) AS (VALUES {values}),
        hits AS MATERIALIZED (
            SELECT t.i, s.rowid FROM terms t JOIN articles_search s ON s.document @@ t.query),
        articles_count AS (
            SELECT CASE WHEN reltuples >= {EXACT_COUNT_BELOW} THEN reltuples
                        ELSE (SELECT COUNT(*) FROM articles_search) END AS n
            FROM pg_class WHERE oid = 'articles_search'::regclass),
        weighted AS (
            SELECT t.i, t.query, ln(1 + (GREATEST(c.n, h.df) - h.df + 0.5) / (h.df + 0.5)) AS idf
            FROM terms t JOIN (SELECT i, COUNT(*) AS df FROM hits GROUP BY i) h USING (i)
            CROSS JOIN articles_count c),
        shortlist AS (
            SELECT h.rowid FROM hits h JOIN weighted w USING (i){join}
            GROUP BY h.rowid ORDER BY SUM(w.idf) DESC, h.rowid DESC LIMIT {SHORTLIST}),
        documents AS MATERIALIZED (
            SELECT l.rowid, s.document || ''::tsvector AS document
            FROM shortlist l JOIN articles_search s USING (rowid))
        SELECT d.rowid, SUM(w.idf * ts_rank('{POSTGRES_WEIGHTS}', d.document, w.query)) AS score
        FROM documents d CROSS JOIN weighted w
        GROUP BY d.rowid ORDER BY score DESC, d.rowid DESC LIMIT ?"""  # noqa: S608 - constants
    return sql, [*texts, *params, limit]


async def ranked(
    db: Database,
    terms: Sequence[SearchTerm],
    limit: int,
    feed_ids: Sequence[int] | None,
    exclude: str | None,
    columns: str,
) -> list[Row]:
    """``columns`` of the ``limit`` articles holding any of ``terms`` that the engine ranks
    best, in one statement. ``feed_ids``: only articles those feeds carried, or fetched on
    request; ``exclude``: all but that id. A query the index cannot read finds nothing rather
    than failing the question."""
    texts = _texts(terms)
    if not texts or (feed_ids is not None and not feed_ids):
        return []
    if db.dialect.name == "postgresql":
        best, params = _postgres_search(texts, limit, _scope("h.rowid", feed_ids, exclude))
    else:
        best, params = _sqlite_search(terms, limit, _scope("f.rowid", feed_ids, exclude))
    sql = f"SELECT {columns} FROM ({best}) r JOIN articles a ON a.rowid = r.rowid"  # noqa: S608
    try:
        return await db.fetchall(sql, params)
    except sqlite3.OperationalError:
        return []


def bm25(
    terms: Sequence[SearchTerm],
    frequencies: Sequence[int],
    documents: Sequence[tuple[str, str, str]],
    articles: int,
) -> list[float]:
    """Each document's (title, text, brief) BM25 score for ``terms``, FTS5's formula and
    constants with the column weights above; ``frequencies``: how many of the ``articles``
    hold each term.

    Both engines' searches are scored again by this one function, so that what the answerer
    reads of a search (each article's score relative to the best one's, and their order) is
    the same function of the same articles whichever engine found them: FTS5's ``bm25`` and
    PostgreSQL's ranking differ in scale and spread. Documents are as long as the average of
    those found (an engine-neutral length; FTS5 uses its whole index's)."""
    idf: dict[tuple[str, ...], float] = {}
    for term, n in zip(terms, frequencies, strict=True):
        phrase = tuple(_index_words(term.text))
        if phrase:
            idf[phrase] = max(math.log((max(articles - n, 0) + 0.5) / (n + 0.5)), BM25_MIN_IDF)
    columns = [[_index_words(column) for column in document] for document in documents]
    lengths = [sum(map(len, document)) for document in columns]
    average = sum(lengths) / len(lengths) if lengths else 1.0
    weights = (TITLE_WEIGHT, TEXT_WEIGHT, BRIEF_WEIGHT)
    scores: list[float] = []
    for document, length in zip(columns, lengths, strict=True):
        norm = BM25_K1 * (1 - BM25_B + BM25_B * length / (average or 1.0))
        score = 0.0
        for phrase, weight in idf.items():
            tf = sum(w * _occurrences(phrase, column) for w, column in zip(weights, document, strict=True))
            score += weight * tf * (BM25_K1 + 1) / (tf + norm)
        scores.append(score)
    return scores


def _index_words(text: str) -> list[str]:
    """Every word of ``text`` as the indexes count them (FTS5's unicode61 splits at every
    character that is neither a letter nor a digit), stemmed alike."""
    return list(map(index_stem, _INDEX_WORD.findall(text)))


def _occurrences(phrase: tuple[str, ...], stems: list[str]) -> int:
    if len(phrase) == 1:
        return stems.count(phrase[0])
    first, size = phrase[0], len(phrase)
    return sum(1 for i, s in enumerate(stems) if s == first and tuple(stems[i : i + size]) == phrase)


async def document_frequencies(db: Database, terms: Sequence[SearchTerm]) -> list[int]:
    """How many articles hold each term, in one statement: counted, or on PostgreSQL with many
    articles, for a single word, read from the statistics ``ANALYZE`` keeps (autovacuum runs
    it as articles arrive): counting a word in a third of 50,000 articles takes longer than
    the search."""
    texts = [_texts([t]) for t in terms]
    asked = [t[0] for t in texts if t]
    if not asked:
        return [0] * len(terms)
    if db.dialect.name == "postgresql":
        values = ", ".join(f"({i}, CAST(? AS text))" for i in range(len(asked)))
        sql = _POSTGRES_FREQUENCIES.format(values=values)
        rows = await db.fetchall(sql, [*asked, EXACT_COUNT_BELOW])
        counts = [round(float(r[0])) for r in rows]
    else:
        counts = await _sqlite_frequencies(db, asked)
    found = iter(counts)
    return [next(found) if t else 0 for t in texts]


async def _sqlite_frequencies(db: Database, texts: list[str]) -> list[int]:
    one = "(SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH ?)"
    try:
        row = await db.fetchone("SELECT " + ", ".join([one] * len(texts)), [f'"{t}"' for t in texts])
    except sqlite3.OperationalError:
        row = None
    return [int(row[i]) for i in range(len(texts))] if row else [0] * len(texts)


# Each term's share of articles: for a single word among the most common words ANALYZE tracks
# (pg_stats lists the shares, then the least tracked share), and a word not among them is rarer
# than that: half of it, as the planner assumes. Counted instead for a phrase, a store too small
# to bother (below the last parameter), or one not analysed yet.
_POSTGRES_FREQUENCIES = """
    WITH terms(i, text) AS (VALUES {values}),
    stats AS (
        SELECT c.reltuples AS n, s.most_common_elems::text::text[] AS words,
               s.most_common_elem_freqs AS shares
        FROM pg_class c JOIN pg_stats s ON s.schemaname = current_schema() AND s.tablename = c.relname
        WHERE c.oid = 'articles_search'::regclass AND s.attname = 'document'
          AND c.reltuples >= ? AND s.most_common_elems IS NOT NULL),
    lexemes AS (SELECT i, text, tsvector_to_array(to_tsvector('english', text)) AS lexemes FROM terms)
    SELECT COALESCE(
        (SELECT s.n * COALESCE(s.shares[array_position(s.words, l.lexemes[1])],
                               s.shares[cardinality(s.words) + 1] / 2)
         FROM stats s WHERE cardinality(l.lexemes) = 1),
        (SELECT COUNT(*) FROM articles_search WHERE document @@ phraseto_tsquery('english', l.text)))
    FROM lexemes l ORDER BY l.i"""
