"""The database schema as an ordered list of migrations.

``PRAGMA user_version`` records how many have run; start-up applies the rest, each in its own
transaction. Never edit a migration that has shipped: append a new one.
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: feeds, articles (+ full-text index), briefs, channels, subscriptions, deliveries,
    #    posted messages and conversation memory.
    """
    CREATE TABLE feeds (
        id              INTEGER PRIMARY KEY,
        url             TEXT NOT NULL UNIQUE,
        title           TEXT,
        interval_s      INTEGER NOT NULL,
        etag            TEXT,
        last_modified   TEXT,
        next_poll_at    REAL NOT NULL DEFAULT 0,
        last_polled_at  REAL,
        last_ok_at      REAL,
        failures        INTEGER NOT NULL DEFAULT 0,
        last_error      TEXT,
        disabled        INTEGER NOT NULL DEFAULT 0,
        disabled_reason TEXT,
        created_at      REAL NOT NULL
    );

    CREATE TABLE articles (
        rowid         INTEGER PRIMARY KEY,
        id            TEXT NOT NULL UNIQUE,     -- the key: a JSONL id, or derived from the URL
        url           TEXT,
        canonical_url TEXT UNIQUE,
        feed_id       INTEGER REFERENCES feeds(id) ON DELETE SET NULL,
        guid          TEXT,
        title         TEXT NOT NULL DEFAULT '',
        source        TEXT,                     -- outlet
        author        TEXT,
        published     TEXT,                     -- ISO 8601 as given
        summary       TEXT,                     -- the feed's own summary: the fallback text
        text          TEXT NOT NULL DEFAULT '',
        content_hash  TEXT UNIQUE,
        brief_text    TEXT NOT NULL DEFAULT '', -- searchable words of the brief
        state         TEXT NOT NULL DEFAULT 'new'
                      CHECK (state IN ('new', 'fetched', 'briefed', 'failed')),
        error         TEXT,
        attempts      INTEGER NOT NULL DEFAULT 0,
        created_at    REAL NOT NULL,
        updated_at    REAL NOT NULL
    );
    CREATE UNIQUE INDEX articles_feed_guid ON articles(feed_id, guid) WHERE guid IS NOT NULL;
    CREATE INDEX articles_state ON articles(state, updated_at);
    CREATE INDEX articles_created ON articles(created_at);

    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, text, brief_text,
        content='articles', content_rowid='rowid', tokenize='porter unicode61'
    );
    CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, text, brief_text)
        VALUES (new.rowid, new.title, new.text, new.brief_text);
    END;
    CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text, brief_text)
        VALUES ('delete', old.rowid, old.title, old.text, old.brief_text);
    END;
    CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text, brief_text ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text, brief_text)
        VALUES ('delete', old.rowid, old.title, old.text, old.brief_text);
        INSERT INTO articles_fts(rowid, title, text, brief_text)
        VALUES (new.rowid, new.title, new.text, new.brief_text);
    END;

    CREATE TABLE briefs (
        article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        json       TEXT NOT NULL,
        backend    TEXT NOT NULL,
        created_at REAL NOT NULL
    );

    -- Other keys of a stored article: the id, canonical URL or feed GUID under which a duplicate
    -- arrived (a re-published story, a feed that changed its GUIDs, a JSONL line repeating an
    -- article under a new id). Looking them up keeps duplicates out and finds the article by
    -- any of its names. kind 'guid' keys are '<feed id>' || x'1f' || guid.
    CREATE TABLE article_keys (
        kind       TEXT NOT NULL CHECK (kind IN ('id', 'url', 'guid')),
        key        TEXT NOT NULL,
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE ON UPDATE CASCADE,
        PRIMARY KEY (kind, key)
    ) WITHOUT ROWID;
    CREATE INDEX article_keys_article ON article_keys(article_id);

    CREATE TABLE channels (
        key             TEXT PRIMARY KEY,       -- platform:workspace:channel (ChannelRef.key)
        platform        TEXT NOT NULL,
        workspace_id    TEXT NOT NULL DEFAULT '',
        channel_id      TEXT NOT NULL,
        mode            TEXT NOT NULL DEFAULT 'digest' CHECK (mode IN ('digest', 'each', 'both')),
        digest_time     TEXT,                   -- 'HH:MM' (or 'HH:MM:SS'), NULL when digests are off
        timezone        TEXT,
        weekdays        TEXT,                   -- e.g. 'mon,tue,wed,thu,fri'; NULL: every day
        schedule_since  REAL,                   -- when the schedule was set: no catch-up before it
        each_since      REAL,                   -- when 'each'/'both' began: older briefs are not posted
        disabled        INTEGER NOT NULL DEFAULT 0,
        disabled_reason TEXT,
        created_at      REAL NOT NULL
    );

    CREATE TABLE subscriptions (
        id          INTEGER PRIMARY KEY,
        channel_key TEXT NOT NULL REFERENCES channels(key) ON DELETE CASCADE,
        feed_id     INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        keywords    TEXT,                       -- JSON list of words, any of which must occur
        pattern     TEXT,                       -- a regular expression the title/text must match
        created_by  TEXT,
        created_at  REAL NOT NULL,
        UNIQUE (channel_key, feed_id)
    );
    CREATE INDEX subscriptions_feed ON subscriptions(feed_id);

    -- What was posted where: one row per channel and brief (kind 'brief', ref = article id) or
    -- per channel and digest period (kind 'digest', ref = period key). Written before posting
    -- (state 'pending') and after ('posted'), so nothing is posted twice. A digest covers the
    -- briefs made up to its window_end; the next one starts there.
    CREATE TABLE deliveries (
        id          INTEGER PRIMARY KEY,
        channel_key TEXT NOT NULL REFERENCES channels(key) ON DELETE CASCADE,
        kind        TEXT NOT NULL CHECK (kind IN ('brief', 'digest')),
        ref         TEXT NOT NULL,
        state       TEXT NOT NULL CHECK (state IN ('pending', 'posted', 'failed', 'skipped')),
        detail      TEXT,
        window_end  REAL,
        attempts    INTEGER NOT NULL DEFAULT 1,
        created_at  REAL NOT NULL,
        posted_at   REAL,
        UNIQUE (channel_key, kind, ref)
    );
    CREATE INDEX deliveries_window ON deliveries(channel_key, kind, window_end);

    -- Platform messages that carried an article, so a follow-up in their thread finds it.
    CREATE TABLE posts (
        channel_key TEXT NOT NULL,
        message_id  TEXT NOT NULL,
        article_id  TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        created_at  REAL NOT NULL,
        PRIMARY KEY (channel_key, message_id)
    );

    -- Digests and 'each' mode look up briefs by feed and by the time they were made.
    CREATE INDEX articles_feed ON articles(feed_id);
    CREATE INDEX briefs_created ON briefs(created_at);

    -- Conversation memory, per thread.
    CREATE TABLE turns (
        id         INTEGER PRIMARY KEY,
        thread_key TEXT NOT NULL,
        question   TEXT NOT NULL,
        answer     TEXT,
        article_id TEXT,
        created_at REAL NOT NULL
    );
    CREATE INDEX turns_thread ON turns(thread_key, id);
    """,
    # 2: what the LLM backend has already paid for (briefs by content, model and prompt
    #    version) and the tokens it spent, per model, for `briefbot doctor`.
    """
    CREATE TABLE llm_cache (
        key        TEXT PRIMARY KEY,
        json       TEXT NOT NULL,
        created_at REAL NOT NULL
    );

    CREATE TABLE llm_usage (
        model             TEXT PRIMARY KEY,
        requests          INTEGER NOT NULL DEFAULT 0,
        prompt_tokens     INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0,
        updated_at        REAL NOT NULL
    );
    """,
    # 3: which feeds carried each article, and since when. Articles are deduplicated across
    #    feeds, so a story two feeds carry is stored once; it must still reach the subscribers
    #    of both, each from the time its own feed brought it. Existing articles belong to the
    #    feed they came from and to any other feed they were remembered under (a GUID key),
    #    since they were stored: nothing old is delivered again.
    """
    CREATE TABLE article_feeds (
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE ON UPDATE CASCADE,
        feed_id    INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        added_at   REAL NOT NULL,
        PRIMARY KEY (article_id, feed_id)
    ) WITHOUT ROWID;
    CREATE INDEX article_feeds_feed ON article_feeds(feed_id, added_at);
    INSERT INTO article_feeds (article_id, feed_id, added_at)
        SELECT id, feed_id, created_at FROM articles WHERE feed_id IS NOT NULL;
    INSERT OR IGNORE INTO article_feeds (article_id, feed_id, added_at)
        SELECT k.article_id, f.id, a.created_at FROM article_keys k
        JOIN articles a ON a.id = k.article_id
        JOIN feeds f ON f.id = CAST(substr(k.key, 1, instr(k.key, char(31)) - 1) AS INTEGER)
        WHERE k.kind = 'guid';
    """,
    # 4: a feed GUID no longer has to be unique within its feed: a broken feed that gives
    #    different stories one GUID keeps them all (a GUID identifies an item only together
    #    with its link or title).
    """
    DROP INDEX articles_feed_guid;
    CREATE INDEX articles_feed_guid ON articles(feed_id, guid) WHERE guid IS NOT NULL;
    """,
    # 5: each-mode posts are retried: a failed one when retry_at has come (NULL: given up), a
    #    pending one left by a process that died while posting once claimed_at is long past.
    """
    ALTER TABLE deliveries ADD COLUMN retry_at REAL;
    ALTER TABLE deliveries ADD COLUMN claimed_at REAL;
    UPDATE deliveries SET claimed_at = created_at;
    """,
    # 6: platform events already handled, until they expire (see bot/store/events.py).
    """
    CREATE TABLE seen_events (
        key        TEXT PRIMARY KEY,
        expires_at REAL NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX seen_events_expiry ON seen_events(expires_at);
    """,
    # 7: claims with leases, so that several processes (replicas) on one database share the
    #    work: a feed being polled and an article being fetched or briefed belong to one owner
    #    until lease_until (renewed while it works); past it another may take them over. A
    #    delivery's claim too; posting_at marks the moment its post went to the platform: a
    #    claim that never got that far is safely taken over, one that did may have reached the
    #    channel. Claims pending before this migration count as posting (as they were treated).
    """
    ALTER TABLE feeds ADD COLUMN lease_owner TEXT;
    ALTER TABLE feeds ADD COLUMN lease_until REAL;
    ALTER TABLE articles ADD COLUMN lease_owner TEXT;
    ALTER TABLE articles ADD COLUMN lease_until REAL;
    ALTER TABLE deliveries ADD COLUMN lease_owner TEXT;
    ALTER TABLE deliveries ADD COLUMN lease_until REAL;
    ALTER TABLE deliveries ADD COLUMN posting_at REAL;
    UPDATE deliveries SET posting_at = COALESCE(claimed_at, created_at) WHERE state = 'pending';
    CREATE INDEX feeds_lease ON feeds(lease_owner) WHERE lease_owner IS NOT NULL;
    CREATE INDEX articles_lease ON articles(lease_owner) WHERE lease_owner IS NOT NULL;
    """,
]
