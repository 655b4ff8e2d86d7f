"""The Ingestor end to end: fake web on loopback, real SQLite file, real local backend."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.ingest.fetch import AddressRefused, Fetcher
from bot.ingest.pipeline import MAX_ATTEMPTS, RETRY_DELAY_S, Ingestor
from bot.settings import FeedSettings, Settings, StoreSettings
from bot.store import Store
from summarizer.brief import Article
from summarizer.errors import ExtractError, FetchError, SummarizeError
from tests.bot.ingest.conftest import Clock, CountingBackend, fetch_settings
from tests.fakes.web import FakeWeb, NewsSite, Resource, article_page, rss, story


@dataclasses.dataclass
class Rig:
    ingestor: Ingestor
    store: Store
    backend: CountingBackend
    clock: Clock
    settings: Settings


@pytest.fixture
async def rig(tmp_path: Path, local_backend: Any) -> AsyncIterator[Rig]:
    settings = Settings(
        store=StoreSettings(path=str(tmp_path / "b.db")),
        fetch=fetch_settings(),
        feeds=FeedSettings(max_failures=3, brief_concurrency=2),
    )
    store = await Store.open(settings.store.path)
    clock = Clock()
    backend = CountingBackend(local_backend)
    async with Fetcher(settings.fetch) as fetcher:
        yield Rig(Ingestor(store, fetcher, backend, settings, clock=clock), store, backend, clock, settings)
    await store.close()


async def count(store: Store, sql: str) -> int:
    row = await store.db.fetchone(sql)
    assert row is not None
    return int(row[0])


async def test_a_feed_is_polled_and_every_article_stored_and_briefed_once(rig: Rig, web: FakeWeb) -> None:
    site = NewsSite(web, articles=6, feeds=1)
    feed, created = await rig.ingestor.add_feed(web.url(site.feed_paths[0]))
    assert created
    assert feed.title == "The Valley Courier 0"

    report = await rig.ingestor.poll_feeds()
    assert (report.feeds_polled, report.feeds_failed, report.new_articles) == (1, 0, 6)
    assert (report.briefed, report.failed) == (6, 0)
    assert await count(rig.store, "SELECT COUNT(*) FROM articles") == 6
    assert await count(rig.store, "SELECT COUNT(*) FROM briefs") == 6
    assert sorted(rig.backend.briefed) == sorted(set(rig.backend.briefed))  # none twice

    s = site.stories[2]
    stored = await rig.store.articles.find_url(web.url(f"/news/{s.slug}"))
    assert stored is not None
    assert stored.state == "briefed"
    assert stored.title == s.title
    assert stored.source == "The Valley Courier 0"
    assert stored.published == s.published.isoformat()
    # the page's article, without its navigation, sidebar and reader comments
    assert s.paragraphs[1] in stored.text
    assert "I am not convinced" not in stored.text
    assert "Related stories" not in stored.text
    brief = await rig.store.articles.get_brief(stored.id)
    assert brief is not None
    assert brief.url == web.url(f"/news/{s.slug}")
    assert brief.backend.startswith("local:")


async def test_an_unchanged_feed_costs_a_304_and_nothing_else(rig: Rig, web: FakeWeb) -> None:
    site = NewsSite(web, articles=3, feeds=1, etag=True)
    await rig.ingestor.add_feed(web.url(site.feed_paths[0]))
    await rig.ingestor.poll_feeds()
    pages_fetched = len(web.requests)

    not_due = await rig.ingestor.poll_feeds()  # its interval has not passed
    assert not_due.feeds_polled == 0

    rig.clock.advance(rig.settings.feeds.default_interval.total_seconds())
    again = await rig.ingestor.poll_feeds()
    assert (again.feeds_polled, again.unchanged, again.new_articles, again.briefed) == (1, 1, 0, 0)
    assert len(web.requests) == pages_fetched + 1
    assert web.requests[-1].headers["If-None-Match"] == '"feed-0-v1"'


async def test_a_story_republished_with_new_guids_links_and_dates_is_stored_once(
    rig: Rig, web: FakeWeb
) -> None:
    stories = [story(n) for n in range(3)]
    for s in stories:
        web.page(f"/news/{s.slug}", article_page(s))
    web.feed("/rss", rss(stories, link=web.url("/news/{slug}")))
    await rig.ingestor.add_feed(web.url("/rss"))
    await rig.ingestor.poll_feeds()

    # The feed regenerates every GUID, adds tracking parameters and fragments, and re-dates
    # the stories; one story also appears under a second address with the same text.
    redated = [dataclasses.replace(s, published=s.published.replace(year=2026)) for s in stories]
    web.page("/mirror/story-1", article_page(stories[1], comments=0))
    mirrored = dataclasses.replace(stories[1], slug="mirror-1", title=stories[1].title + " (updated)")
    feed = rss(redated, link=web.url("/news/{slug}?utm_source=rss&fbclid=x#top"), guid="urn:uuid:{n}-v2")
    feed = feed.replace("</channel>", rss([mirrored], link=web.url("/mirror/story-1")).split("<channel>")[1])
    web.feed("/rss", feed)
    rig.clock.advance(3600)
    report = await rig.ingestor.poll_feeds()

    assert report.failed == 0
    assert await count(rig.store, "SELECT COUNT(*) FROM articles") == 3
    assert await count(rig.store, "SELECT COUNT(*) FROM briefs") == 3
    # the mirror was merged into the original: its address now finds the original
    original = await rig.store.articles.find_url(web.url("/news/story-1"))
    mirror = await rig.store.articles.find_url(web.url("/mirror/story-1"))
    assert original is not None
    assert mirror is not None
    assert mirror.id == original.id


async def test_the_feeds_own_text_stands_in_when_the_page_fails(rig: Rig, web: FakeWeb) -> None:
    s = story(4)
    web.add(f"/news/{s.slug}", Resource(status=500))
    web.feed("/rss", rss([s], link=web.url("/news/{slug}"), full_text=True))
    await rig.ingestor.add_feed(web.url("/rss"))
    report = await rig.ingestor.poll_feeds()
    assert report.briefed == 1
    (stored,) = await rig.store.articles.in_state("briefed")
    assert stored.text == s.text


async def test_a_failed_article_is_retried_later_and_then_given_up(rig: Rig, web: FakeWeb) -> None:
    s = story(8)
    item = rss([s], link=web.url("/news/{slug}")).replace(f"<description>{s.summary}</description>", "")
    web.feed("/rss", item)
    web.add(f"/news/{s.slug}", Resource(status=503))
    await rig.ingestor.add_feed(web.url("/rss"))
    report = await rig.ingestor.poll_feeds()
    assert (report.briefed, report.failed) == (0, 1)
    (failed,) = await rig.store.articles.in_state("failed")
    assert failed.attempts == 1
    assert "503" in (failed.error or "")

    assert await rig.ingestor.process_queue() == 0  # too soon
    assert web.hits(f"/news/{s.slug}") == 1
    rig.clock.advance(RETRY_DELAY_S)
    web.page(f"/news/{s.slug}", article_page(s))  # the site is back
    assert await rig.ingestor.process_queue() == 1
    assert (await rig.store.articles.get(failed.id)).state == "briefed"  # type: ignore[union-attr]


async def test_retries_stop_at_the_cap(rig: Rig, web: FakeWeb) -> None:
    s = story(9)
    web.feed(
        "/rss", rss([s], link=web.url("/news/{slug}")).replace(f"<description>{s.summary}</description>", "")
    )
    await rig.ingestor.add_feed(web.url("/rss"))
    await rig.ingestor.poll_feeds()  # the page is missing (404): attempt 1
    for _ in range(MAX_ATTEMPTS + 2):
        rig.clock.advance(RETRY_DELAY_S * 2**MAX_ATTEMPTS)
        await rig.ingestor.process_queue()
    assert web.hits(f"/news/{s.slug}") == MAX_ATTEMPTS
    (failed,) = await rig.store.articles.in_state("failed")
    assert failed.attempts == MAX_ATTEMPTS


async def test_broken_feeds_are_reported_and_never_stop_the_others(rig: Rig, web: FakeWeb) -> None:
    site = NewsSite(web, articles=2, feeds=1)
    good = web.url(site.feed_paths[0])
    await rig.ingestor.add_feed(good)
    broken = {
        "/garbage": Resource(body=b"\x00\x01 this is no feed", content_type="application/xml"),
        "/empty": Resource(body=b"", content_type="application/rss+xml"),
        "/html": Resource(body=b"<!DOCTYPE html><html><body>Hello</body></html>"),
        "/huge": Resource(size=6_000_000, content_type="application/rss+xml"),
        "/error": Resource(status=500),
        "/loop-a": Resource(status=302, headers={"Location": "/loop-b"}),
        "/loop-b": Resource(status=302, headers={"Location": "/loop-a"}),
    }
    # subscribe while they still work, then break them
    for path in broken:
        web.feed(path, rss([story(50)], link=web.url("/news/{slug}")))
    for path in broken:
        if path != "/loop-b":
            await rig.ingestor.add_feed(web.url(path))
    for path, resource in broken.items():
        web.add(path, resource)

    report = await rig.ingestor.poll_feeds()
    assert (report.feeds_polled, report.feeds_failed) == (7, 6)
    assert (report.new_articles, report.briefed) == (2, 2)  # the good feed's stories
    assert len(report.errors) == 6
    feeds = {f.url: f for f in await rig.store.feeds.list_all()}
    expectations = {
        "/garbage": "not an RSS or Atom feed",
        "/empty": "empty",
        "/html": "web page",
        "/huge": "larger than",
        "/error": "500",
        "/loop-a": "loop",
    }
    for path, words in expectations.items():
        feed = feeds[web.url(path)]
        assert feed.failures == 1
        assert words in (feed.last_error or ""), (path, feed.last_error)
        assert feed.next_poll_at == rig.clock.now + feed.interval_s  # first retry: one interval
    assert feeds[good].failures == 0

    for _ in range(2):  # max_failures = 3 in a row: disabled, with the reason
        rig.clock.advance(86400)
        await rig.ingestor.poll_feeds()
    feeds = {f.url: f for f in await rig.store.feeds.list_all()}
    assert feeds[web.url("/error")].disabled
    assert "failed 3 times in a row" in (feeds[web.url("/error")].disabled_reason or "")
    assert "500" in (feeds[web.url("/error")].disabled_reason or "")
    assert not feeds[good].disabled


async def test_local_feeds_only_for_operators_and_read_without_visiting_links(
    rig: Rig, web: FakeWeb, tmp_path: Path
) -> None:
    path = tmp_path / "sample-feed.xml"
    path.write_text(rss([story(1), story(2)], link=web.url("/news/{slug}"), full_text=True))
    for url in (path.as_uri(), str(path), "file:///etc/passwd"):
        with pytest.raises(FetchError, match="only http:// and https://"):
            await rig.ingestor.add_feed(url)  # as a chat command would
    feed, created = await rig.ingestor.add_feed(str(path), local_files=True)
    assert created
    assert feed.url == path.as_uri()
    report = await rig.ingestor.poll_feeds()
    assert (report.new_articles, report.briefed) == (2, 2)
    assert web.requests == []  # the items' links were not visited
    texts = {a.text for a in await rig.store.articles.in_state("briefed")}
    assert texts == {story(1).text, story(2).text}

    rig.clock.advance(feed.interval_s)
    assert (await rig.ingestor.poll_feeds()).unchanged == 1  # file unchanged: not parsed again


async def test_ingest_url_stores_once_and_refuses_private_targets(
    rig: Rig, web: FakeWeb, tmp_path: Path
) -> None:
    s = story(12)
    web.page(f"/news/{s.slug}", article_page(s))
    first = await rig.ingestor.ingest_url(web.url(f"/news/{s.slug}"))
    assert first.created
    assert first.brief.title == s.title
    again = await rig.ingestor.ingest_url(web.url(f"/news/{s.slug}?utm_medium=chat#top"))
    assert not again.created
    assert again.brief == first.brief
    assert web.hits(f"/news/{s.slug}") == 1
    assert rig.backend.briefed == [first.article_id]

    web.page("/menu", "<html><body><nav><a href='/'>Home</a></nav></body></html>")
    with pytest.raises(ExtractError, match="no article text"):
        await rig.ingestor.ingest_url(web.url("/menu"))

    strict = Settings(store=rig.settings.store, fetch=fetch_settings(allow_private=False))
    async with Fetcher(strict.fetch) as fetcher:
        guarded = Ingestor(rig.store, fetcher, rig.backend, strict, clock=rig.clock)
        for url in ("http://169.254.169.254/latest/meta-data/", "http://localhost/", web.url("/")):
            with pytest.raises(AddressRefused):
                await guarded.ingest_url(url)


async def test_ingest_text_and_import_keep_ids_and_merge_duplicates(rig: Rig) -> None:
    pasted = await rig.ingestor.ingest_text(story(20).text, title="Pasted")
    assert pasted.created
    assert not (await rig.ingestor.ingest_text(story(20).text)).created

    articles = [
        Article(id="eval-1", title=story(21).title, text=story(21).text),
        Article(id="eval-2", title=story(22).title, text=story(22).text),
        Article(id="eval-3", title="Same story again", text=story(21).text),  # a duplicate
        Article(id="eval-4", text="   "),
    ]
    results = await rig.ingestor.import_articles(articles)
    first, second, third, fourth = results
    assert not isinstance(first, Exception)
    assert (first.article_id, first.created) == ("eval-1", True)
    assert not isinstance(second, Exception)
    assert second.article_id == "eval-2"
    assert not isinstance(third, Exception)
    assert (third.article_id, third.created) == ("eval-1", False)
    assert isinstance(fourth, SummarizeError)
    # every id given is found, the duplicate's as the article it repeats
    assert (await rig.store.articles.get("eval-3")).id == "eval-1"  # type: ignore[union-attr]
    assert await rig.store.articles.get_brief("eval-3") == first.brief
    assert await rig.store.articles.get("eval-4") is None
    # importing again changes nothing and briefs nothing
    briefed = len(rig.backend.briefed)
    again = await rig.ingestor.import_articles(articles[:2])
    assert [r.created for r in again if not isinstance(r, Exception)] == [False, False]
    assert len(rig.backend.briefed) == briefed


async def test_an_article_that_cannot_be_briefed_fails_with_its_reason(rig: Rig) -> None:
    text = "Der Stadtrat hat am Montag beschlossen, die Brücke über den Fluss zu erneuern und zu verbreitern."
    (result,) = await rig.ingestor.import_articles([Article(id="de-1", text=text)])
    assert isinstance(result, SummarizeError)
    stored = await rig.store.articles.get("de-1")
    assert stored is not None
    assert stored.state == "failed"
    assert "English" in (stored.error or "")


async def test_the_queue_resumes_whatever_a_crash_left(rig: Rig, web: FakeWeb) -> None:
    """Articles left ``new`` (page not fetched) and ``fetched`` (not briefed) by an interrupted
    run are finished by the next, each briefed once, with progress reported up to the total."""
    from bot.store import NewArticle

    stories = [story(n) for n in range(30, 40)]
    for s in stories:
        web.page(f"/news/{s.slug}", article_page(s))
    for i, s in enumerate(stories):
        url = web.url(f"/news/{s.slug}")
        text = s.text if i % 2 else ""
        await rig.store.articles.add(NewArticle(id=s.slug, url=url, canonical_url=url, text=text), 1.0)
    seen: list[tuple[int, int]] = []
    rig.ingestor.progress = lambda done, total: seen.append((done, total))

    assert await rig.ingestor.process_queue() == 10
    assert sorted(rig.backend.briefed) == sorted(s.slug for s in stories)
    assert seen[-1] == (10, 10)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert rig.backend.max_in_flight <= rig.settings.feeds.brief_concurrency
    assert await rig.ingestor.process_queue() == 0


async def test_an_import_gives_a_queued_feed_item_its_text(rig: Rig, web: FakeWeb) -> None:
    s = story(80)
    web.add(f"/news/{s.slug}", Resource(status=404))
    web.feed(
        "/rss", rss([s], link=web.url("/news/{slug}")).replace(f"<description>{s.summary}</description>", "")
    )
    await rig.ingestor.add_feed(web.url("/rss"))
    await rig.ingestor.poll_feeds()  # the item is known, its page is missing: failed
    url = web.url(f"/news/{s.slug}")
    (result,) = await rig.ingestor.import_articles([Article(id="archived-80", url=url, text=s.text)])
    assert not isinstance(result, Exception)
    assert not result.created
    stored = await rig.store.articles.get("archived-80")
    assert stored is not None
    assert (stored.state, stored.text) == ("briefed", s.text)
    assert await rig.store.articles.count() == 1


async def test_page_text_is_read_as_text_whatever_its_encoding(rig: Rig, web: FakeWeb) -> None:
    s = story(90)
    # Plain text without a charset, in Latin-1, with control characters; and an HTML page with a
    # character reference to a surrogate.
    plain = f"{s.title} at Café Quay\n\n{s.text}\x00\x1b[2J".encode("latin-1")
    web.add("/plain", Resource(body=plain, content_type="text/plain"))
    page = article_page(story(91)).replace("<h1>", "<h1>&#xD800; ")
    web.page("/page", page)
    for path in ("/plain", "/page"):
        result = await rig.ingestor.ingest_url(web.url(path))
        stored = await rig.store.articles.get(result.article_id)
        assert stored is not None
        assert not any(ord(c) < 32 and c not in "\n\t" for c in stored.text)
        assert "\ud800" not in stored.text + stored.title
    stored = await rig.store.articles.find_url(web.url("/plain"))
    assert stored is not None
    assert "at Café Quay" in stored.text

    web.add("/noise", Resource(body=bytes(range(256)) * 40, content_type="text/plain"))
    with pytest.raises(ExtractError, match="binary data, not text"):
        await rig.ingestor.ingest_url(web.url("/noise"))


async def test_items_that_reuse_one_guid_are_all_kept(rig: Rig, web: FakeWeb) -> None:
    """A broken feed gives five different stories the same GUID: they are five articles."""
    linked = [story(n) for n in range(60, 65)]
    bare = [story(n) for n in range(67, 70)]
    web.feed("/linked", rss(linked, link=web.url("/news/{slug}"), guid="urn:same", full_text=True))
    web.feed("/bare", rss(bare, link=None, guid="urn:same", full_text=True, title="Bare"))
    for path in ("/linked", "/bare"):
        await rig.ingestor.add_feed(web.url(path))
    report = await rig.ingestor.poll_feeds()
    assert (report.new_articles, report.briefed, report.failed) == (8, 8, 0)
    titles = sorted(a.title for a in await rig.store.articles.in_state("briefed"))
    assert titles == sorted(s.title for s in linked + bare)
    # Polled again, the same documents store nothing twice.
    rig.clock.advance(86400)
    assert (await rig.ingestor.poll_feeds()).new_articles == 0
    assert await rig.store.articles.count() == 8


async def test_an_item_without_a_link_gets_none_invented_from_its_guid(rig: Rig, web: FakeWeb) -> None:
    s = story(66)
    # isPermaLink defaults to true: a feed reader would take "item-66" for a link.
    item = f"<item><title>{s.title}</title><guid>item-66</guid><description>{s.text}</description></item>"
    web.feed(
        "/rss", f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{item}</channel></rss>'
    )
    await rig.ingestor.add_feed(web.url("/rss"))
    assert (await rig.ingestor.poll_feeds()).briefed == 1
    (stored,) = await rig.store.articles.in_state("briefed")
    assert stored.url is None
    assert stored.text == s.text
    assert web.hits("/item-66") == 0
    brief = await rig.store.articles.get_brief(stored.id)
    assert brief is not None
    assert brief.url is None


class WriteLocks:
    """Records how many statements each write transaction of a connection held the lock for."""

    def __init__(self) -> None:
        self.held: list[int] = []  # statements inside each BEGIN IMMEDIATE … COMMIT
        self._inside: int | None = None

    def __call__(self, sql: str) -> None:
        if sql.startswith("BEGIN IMMEDIATE"):
            self._inside = 0
        elif sql in ("COMMIT", "ROLLBACK"):
            if self._inside is not None:
                self.held.append(self._inside)
            self._inside = None
        elif self._inside is not None:
            self._inside += 1


async def test_a_large_feed_is_stored_in_short_write_transactions(rig: Rig, web: FakeWeb) -> None:
    """Other writers (a chat command, `briefbot feeds add`) wait for one short batch at most:
    a 3,000-item feed is not stored in one transaction, and polling it again unchanged holds
    the write lock for no item at all."""
    items = "".join(
        f"<item><title>Notice {n}</title><guid>notice-{n}</guid><description>Notice {n} of the "
        f"harbour office.</description></item>"
        for n in range(3000)
    )
    web.feed(
        "/big", f'<?xml version="1.0"?><rss version="2.0"><channel><title>B</title>{items}</channel></rss>'
    )
    await rig.ingestor.add_feed(web.url("/big"))
    locks = WriteLocks()
    await rig.store.db._conn.set_trace_callback(locks)  # observes the statements, changes nothing
    assert (await rig.ingestor.poll_feeds()).new_articles == 3000
    assert await rig.store.articles.count() == 3000
    assert max(locks.held) < 3000  # on main: one transaction of ~4 statements per item

    locks.held.clear()
    rig.clock.advance(86400)
    report = await rig.ingestor.poll_feeds()  # no ETag: parsed again, every item known
    assert (report.feeds_polled, report.new_articles) == (1, 0)
    assert sum(locks.held) <= 10, locks.held


async def test_a_poisoned_title_fails_no_article_of_its_batch(rig: Rig, web: FakeWeb) -> None:
    """One item of a 16-item feed has a title of over a million characters: all 16 are
    briefed (the title cut), none left failed."""
    stories = [story(n) for n in range(100, 116)]
    xml = rss(stories, link=None, full_text=True)
    xml = xml.replace(stories[5].title, "Flood " * 200_000, 1)
    web.feed("/rss", xml)
    await rig.ingestor.add_feed(web.url("/rss"))
    report = await rig.ingestor.poll_feeds()
    assert (report.new_articles, report.briefed, report.failed) == (16, 16, 0)
    stored = await rig.store.articles.in_state("briefed")
    assert max(len(a.title) for a in stored) <= 1000


async def test_a_304_to_a_first_request_is_not_an_empty_feed(rig: Rig, web: FakeWeb) -> None:
    """Nothing was asked conditionally, so "Not Modified" is the server's mistake, and says so."""
    web.add("/rss", Resource(status=304))
    with pytest.raises(FetchError, match="304") as refused:
        await rig.ingestor.add_feed(web.url("/rss"))
    assert "empty" not in str(refused.value)
    assert await rig.store.feeds.list_all() == []
