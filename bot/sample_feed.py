"""The bundled sample feed (``config/sample-feed.xml``): invented news for trying Briefbot offline.

It is read from the local file, never fetched: the feed is stored under a fixed pseudo-URL with
its next poll far in the future, and its articles go into the queue with their full text, so
the ordinary queue briefs them.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import feedparser

from bot.store import Feed, NewArticle, Store
from bot.store.articles import derived_id
from summarizer.errors import ConfigError

SAMPLE_FEED_URL = "briefbot:sample-feed"
SAMPLE_NAMES = ("sample", "sample-feed", SAMPLE_FEED_URL)
_NEVER_S = 10 * 365 * 24 * 3600  # the file does not change while the bot runs

_BLOCK_END = re.compile(r"(?i)</p\s*>|<br\s*/?>|</h\d\s*>|</li\s*>")
_TAG = re.compile(r"<[^>]+>")


def sample_feed_path() -> Path:
    """config/sample-feed.xml of this installation (next to the package), else of the cwd."""
    beside_package = Path(__file__).resolve().parent.parent / "config" / "sample-feed.xml"
    return beside_package if beside_package.is_file() else Path("config/sample-feed.xml")


def html_to_text(markup: str) -> str:
    text = _TAG.sub("", _BLOCK_END.sub("\n\n", markup))
    paragraphs = (" ".join(p.split()) for p in html.unescape(text).split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)


def parse_sample(content: bytes, feed_id: int) -> tuple[str, list[NewArticle]]:
    """The feed's title and its items as articles with their full text."""
    parsed = feedparser.parse(content)
    if parsed.get("bozo") and not parsed.entries:
        raise ConfigError(f"the sample feed is not a valid feed: {parsed.get('bozo_exception')}")
    articles = []
    for entry in parsed.entries:
        guid = str(entry.get("id") or entry.get("link") or entry.get("title"))
        body = entry.get("content") or []
        text = html_to_text(body[0].get("value", "")) if body else html_to_text(entry.get("summary", ""))
        source = entry.get("source") or {}
        articles.append(
            NewArticle(
                id=derived_id("sample", guid),
                url=entry.get("link"),
                canonical_url=entry.get("link"),
                feed_id=feed_id,
                guid=guid,
                title=str(entry.get("title", "")),
                source=source.get("title") or None,
                author=entry.get("author"),
                published=entry.get("published"),
                text=text,
            )
        )
    return str(parsed.feed.get("title") or "Briefbot sample news"), articles


async def install_sample_feed(store: Store, now: float, path: Path | None = None) -> Feed:
    """Store the sample feed and queue its articles (idempotent); returns the feed."""
    path = path or sample_feed_path()
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"the sample feed {path} cannot be read: {exc.strerror or exc}") from exc
    feed, _ = await store.feeds.add(SAMPLE_FEED_URL, _NEVER_S, now)
    title, articles = parse_sample(content, feed.id)
    await store.feeds.record_success(
        feed.id, now=now, next_poll_at=now + _NEVER_S, etag=None, last_modified=None, title=title
    )
    for article in articles:
        await store.articles.add(article, now)
    refreshed = await store.feeds.get(feed.id)
    assert refreshed is not None
    return refreshed
