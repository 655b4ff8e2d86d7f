"""Feeds as data: RSS, Atom and RDF through feedparser, JSON Feed by hand, on bytes we fetched.

feedparser is only ever given a byte stream: given a string it would fetch URLs (or open local
files) itself, bypassing every rule of the safe fetcher.

Pure functions only; polling, storing and scheduling live in ``pipeline``.
"""

from __future__ import annotations

import calendar
import io
import logging
import re
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from bot.ingest.canonical import canonical_url
from bot.store.articles import NewArticle, derived_id
from summarizer.clean import clean_text, load_json
from summarizer.errors import FetchError

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 24 * 3600


class FeedError(FetchError):
    """A document was fetched but is not a usable feed (empty, malformed, not a feed at all)."""


@dataclass(frozen=True, slots=True)
class FeedItem:
    guid: str | None
    link: str | None
    title: str
    published: str | None  # ISO 8601 (UTC) when the feed gives a date
    author: str | None
    summary: str  # plain text
    content: str  # plain text of the full content (content:encoded, Atom content), often ""
    source: str | None = None  # the outlet the item names as its origin (RSS/Atom <source>)

    @property
    def fallback_text(self) -> str:
        """What the feed itself says about the story, when the page cannot be used."""
        return self.content if len(self.content) >= len(self.summary) else self.summary


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str | None
    items: tuple[FeedItem, ...]
    problem: str | None = None  # set when the feed was damaged but some items could be read
    skipped: int = 0  # entries with nothing in them (no title, link, id or text), left out


def parse_feed(body: bytes, url: str, content_type: str = "", max_bytes: int = 5_000_000) -> ParsedFeed:
    """Items of a feed document; raises ``FeedError`` (a polite sentence) when it is not one."""
    if body[:2] == b"\x1f\x8b":  # a gzip file served as-is (not as Content-Encoding)
        body = _gunzip(body, max_bytes)
    stripped = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        raise FeedError("the feed is empty")
    if stripped[:1] in (b"{", b"["):
        return _json_feed(stripped, url)
    return _xml_feed(stripped, url, content_type)


def _gunzip(body: bytes, max_bytes: int) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, max_bytes + 1)
    except zlib.error:
        raise FeedError("the feed is a damaged gzip file") from None
    if len(out) > max_bytes:
        raise FeedError(f"the feed is larger than {max_bytes // 1_000_000} MB once uncompressed")
    if not inflater.eof:
        raise FeedError("the feed is a damaged gzip file")
    return out


def _xml_feed(body: bytes, url: str, content_type: str) -> ParsedFeed:
    import feedparser  # lazy: only polling needs it

    # No Content-Location: feedparser would resolve GUIDs against it, and a GUID is an id
    # (links are resolved by ``_link``).
    headers = {"content-type": content_type} if content_type else {}
    parsed = feedparser.parse(
        io.BytesIO(_SURROGATE_REF.sub(b"&#xFFFD;", body)),
        response_headers=headers,
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    entries: list[Any] = list(parsed.get("entries") or [])
    version = str(parsed.get("version") or "")
    bozo = parsed.get("bozo_exception")
    # feedparser also flags harmless things (no or a non-XML content type, an encoding it
    # overrode); only real damage is worth reporting.
    harmless = isinstance(bozo, feedparser.ThingsNobodyCaresAboutButMe)
    problem = _bozo_reason(parsed) if parsed.get("bozo") and not harmless else None
    if not version and not entries:
        if body[:200].lower().lstrip().startswith((b"<!doctype html", b"<html")):
            raise FeedError("this is a web page, not an RSS or Atom feed")
        raise FeedError(f"this is not an RSS or Atom feed{f' ({problem})' if problem else ''}")
    meta: Mapping[str, Any] = parsed.get("feed") or {}
    items = [_xml_item(e, url) for e in entries]
    kept = tuple(i for i in items if not _blank(i))
    title = _clean_line(str(meta.get("title") or "")) or None
    return ParsedFeed(title, kept, problem if problem and kept else None, skipped=len(items) - len(kept))


def _blank(item: FeedItem) -> bool:
    return not (item.title or item.link or item.guid or item.summary or item.content)


def _bozo_reason(parsed: Mapping[str, Any]) -> str:
    exc = parsed.get("bozo_exception")
    text = str(exc).strip() if exc is not None else ""
    return f"malformed: {text[:120]}" if text else "malformed"


# A character reference to a surrogate (&#xD800;, &#55296;) names no character; feedparser's
# lenient parser raises on it, so it is replaced before parsing, like any invalid character.
_SURROGATE_REF = re.compile(
    rb"&#(?:[xX]0*[dD][89a-fA-F][0-9a-fA-F]{2}"
    rb"|0*(?:5529[6-9]|553[0-9]{2}|55[4-9][0-9]{2}|56[0-9]{3}|57[0-2][0-9]{2}|573[0-3][0-9]|5734[0-3]));"
)


def _xml_item(entry: dict[str, Any], base: str) -> FeedItem:
    raw_link = entry.get("link")
    from_guid = entry.get("guidislink") and not entry.get("links")
    if from_guid and not str(raw_link or "").lower().startswith(("http://", "https://")):
        # feedparser takes the <guid> of an item without <link> for its link (RSS says a GUID
        # is a permalink unless marked otherwise); "item-66" is an id, not an address to visit.
        raw_link = None
    link = _link(raw_link, base)
    contents = entry.get("content") or []
    content_html = "\n".join(str(c.get("value") or "") for c in contents if isinstance(c, Mapping))
    author = entry.get("author")
    origin = entry.get("source")
    source = _clean_line(str(origin.get("title") or "")) if isinstance(origin, Mapping) else ""
    return FeedItem(
        guid=_opt(entry.get("id")),
        link=link,
        title=_clean_line(html_to_text(str(entry.get("title") or ""))),
        # dict.get: feedparser's own get() maps missing keys to others, with a warning.
        published=_iso(dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")),
        author=_clean_line(str(author)) or None if author else None,
        summary=html_to_text(str(entry.get("summary") or "")),
        content=html_to_text(content_html),
        source=source or None,
    )


def _json_feed(body: bytes, url: str) -> ParsedFeed:
    try:
        data = load_json(body)  # every string cleaned: "\ud800" is valid JSON
    except ValueError:  # UnicodeDecodeError and too deep a nesting included
        raise FeedError("this is neither XML nor valid JSON, so not a feed") from None
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith("https://jsonfeed.org/"):
        raise FeedError("this is JSON, but not a JSON Feed")
    raw_items = data.get("items")
    if not isinstance(raw_items, list):
        raise FeedError("this JSON Feed has no list of items")
    items = []
    for item in raw_items:
        if not isinstance(item, dict):
            continue
        authors = item.get("authors") or ([item["author"]] if isinstance(item.get("author"), dict) else [])
        author = next((str(a["name"]) for a in authors if isinstance(a, dict) and a.get("name")), None)
        content = html_to_text(str(item.get("content_html") or "")) or str(item.get("content_text") or "")
        items.append(
            FeedItem(
                guid=_opt(item.get("id")),
                link=_link(item.get("url") or item.get("external_url"), url),
                title=_clean_line(str(item.get("title") or "")),
                published=_iso_text(item.get("date_published") or item.get("date_modified")),
                author=author,
                summary=html_to_text(str(item.get("summary") or "")),
                content=content.strip(),
            )
        )
    kept = tuple(i for i in items if not _blank(i))
    title = _clean_line(str(data.get("title") or "")) or None
    return ParsedFeed(title=title, items=kept, skipped=len(raw_items) - len(kept))


# -- HTML fragments to text ----------------------------------------------------------------

_BLOCKS = (
    "p div br li ul ol h1 h2 h3 h4 h5 h6 blockquote pre table tr section article header footer "
    "figure figcaption dd dt"
).split()
_DROP = ("script", "style", "noscript", "iframe", "template", "svg", "form", "button")
_SPACES = re.compile(r"[ \t\r\f\v\xa0]+")
_BLANKS = re.compile(r"\n\s*\n\s*(\n\s*)*")


def html_to_text(fragment: str) -> str:
    """Readable text of an HTML fragment (feed summaries and content): paragraphs kept apart,
    scripts and styles dropped, entities decoded."""
    if "<" not in fragment and "&" not in fragment:
        return _tidy(fragment)
    import lxml.html  # type: ignore[import-untyped]
    from lxml import etree

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return _tidy(re.sub(r"<[^>]*>", " ", fragment))
    for element in [e for e in root.iter(*_DROP)]:
        element.drop_tree()
    for element in root.iter(*_BLOCKS):
        element.tail = "\n\n" + (element.tail or "")
        if element.tag == "br":
            element.tail = "\n" + element.tail.lstrip("\n")
    return _tidy(root.text_content())


def _tidy(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in clean_text(text).split("\n"))
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()


# -- small helpers -------------------------------------------------------------------------


def _opt(value: object) -> str | None:
    text = clean_text(str(value)).strip() if value is not None else ""
    return text or None


def _link(value: object, base: str) -> str | None:
    text = _opt(value)
    return urljoin(base, text) if text else None


def _clean_line(text: str) -> str:
    return " ".join(clean_text(text).split())


def _iso(parsed: object) -> str | None:
    if not isinstance(parsed, time.struct_time):
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), UTC).isoformat()
    except (OverflowError, ValueError, OSError):
        return None


def _iso_text(value: object) -> str | None:
    text = _opt(value)
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()
    except ValueError:
        return text


# -- items into articles, polls into schedules ---------------------------------------------


def item_article(
    item: FeedItem, feed_id: int, feed_url: str, source: str | None, full_text: bool
) -> NewArticle:
    """The article a feed item announces. ``full_text``: the item's own content is the article
    (local feeds, whose links are not visited), else it is only the fallback."""
    canonical = None
    if item.link:
        try:
            canonical = canonical_url(item.link)
        except FetchError:
            canonical = None  # mailto:, javascript:, a local path: keep the item, not the link
    # Without a link, the GUID and the title name the item (a broken feed may give different
    # items one GUID), or without a GUID the title and date.
    key = canonical or f"{feed_url}\x1f" + (
        f"{item.guid}\x1f{item.title}" if item.guid else item.title + (item.published or "")
    )
    fallback = item.fallback_text
    return NewArticle(
        id=derived_id(key),
        url=item.link if canonical else None,
        canonical_url=canonical,
        feed_id=feed_id,
        guid=item.guid,
        title=item.title,
        # An aggregator's item names its outlet; a digest shows it among the story's sources.
        source=item.source or source,
        author=item.author,
        published=item.published,
        summary=fallback or None,
        text=fallback if full_text or canonical is None else "",
    )


def backoff_until(now: float, interval_s: int, failures: int) -> float:
    """When to try a failing feed again: its interval after the first failure, doubling with
    each further one, never later than a day (or its interval, if that is longer)."""
    delay = interval_s * (1 << max(0, min(failures - 1, 16)))
    return now + min(delay, max(MAX_BACKOFF_S, interval_s))
