"""From URLs, texts and feeds to stored, briefed articles: the ``Ingestor``.

Every article moves through the durable queue in the store — ``new`` (known, text not yet
fetched) → ``fetched`` (text stored) → ``briefed`` — or to ``failed`` with its error and an
attempt count; failed articles are retried after a growing delay, at most ``MAX_ATTEMPTS``
times. Because every step is written before the next begins, a crash or restart loses nothing:
``process_queue`` picks up whatever is ``new`` or ``fetched``. Briefs are stored with an upsert
keyed by article, so even an article briefed again after a crash has exactly one brief.

Several processes (replicas) on one database share the work: each due feed and each queued
article is *claimed* by one of them for a lease (``[store] lease``) that it renews while it
works, and its result is written only while it still holds the claim (``bot.store.leases``).
A replica that dies stops renewing; the others take its feeds and articles over once the
lease is over.

``file://`` feeds: only an operator may add them (``add_feed(..., local_files=True)``, which the
command line passes; chat commands never do), so a URL from a chat user can never make Briefbot
read a local file. Items of a local feed are taken as they are (their ``content:encoded`` or
summary); their links are not visited.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bot.ingest.canonical import canonical_url, is_web_url, shown_url
from bot.ingest.extract import Extracted, extract_html
from bot.ingest.feeds import FeedError, ParsedFeed, backoff_until, item_article, parse_feed
from bot.ingest.fetch import Fetched, Fetcher
from bot.ingest.files import InputError
from bot.settings import Settings
from bot.store import Feed, NewArticle, Store, StoredArticle
from bot.store.articles import IdTaken, content_hash, derived_id
from bot.store.engine import LeaseLost
from bot.store.leases import LOCAL_OWNER
from bot.textio import NotText, decode_text
from summarizer.backend import BriefBackend
from summarizer.brief import Article, Brief
from summarizer.clean import clean_text
from summarizer.errors import BriefbotError, ExtractError, FetchError, SummarizeError

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # tries per article before it stays failed
RETRY_DELAY_S = 300.0  # wait before the first retry; doubles with each attempt
MIN_INTERVAL_S = 60  # no feed is polled more often than once a minute
POLL_CONCURRENCY = 8  # feeds fetched at once (each host is limited further by the fetcher)
FETCH_CONCURRENCY = 8  # article pages fetched at once
EXTRACT_CONCURRENCY = 2  # pages parsed at once (CPU-bound; in worker threads)
BRIEF_BATCH = 16  # articles per backend.brief_many call

Progress = Callable[[int, int], None]  # (done, total) while the queue is worked through


@dataclass(frozen=True, slots=True)
class IngestResult:
    article_id: str
    created: bool  # False when it was already stored (deduplicated)
    brief: Brief  # the stored brief (briefed now, or earlier)


@dataclass(frozen=True, slots=True)
class FeedCheck:
    url: str  # the feed's URL as stored (after normalisation)
    title: str | None
    items: int


@dataclass(frozen=True, slots=True)
class PollReport:
    feeds_polled: int
    feeds_failed: int
    new_articles: int
    briefed: int
    failed: int
    unchanged: int = 0  # feeds that answered 304 Not Modified (nothing parsed)
    errors: tuple[str, ...] = ()  # one line per failed feed: "feed 3 (URL): reason"


@dataclass(slots=True)
class _Tally:
    briefed: int = 0
    failed: int = 0
    merged: int = 0  # fetched text turned out to be another article's

    @property
    def done(self) -> int:
        return self.briefed + self.failed + self.merged


class Ingestor:
    def __init__(
        self,
        store: Store,
        fetcher: Fetcher,
        backend: BriefBackend,
        settings: Settings,
        clock: Callable[[], float] = time.time,
        *,
        progress: Progress | None = None,
        owner: str = LOCAL_OWNER,
    ) -> None:
        self._store = store
        self._owner = owner  # this replica's id in its claims (bot.store.leases.new_owner)
        self._lease_s = settings.store.lease.total_seconds()
        self._holding = 0  # operations under way that hold claims (renewed while > 0)
        self._renewer: asyncio.Task[None] | None = None
        self._fetcher = fetcher
        self._backend = backend
        self._settings = settings
        self._clock = clock
        self.progress = progress
        self._queue_lock = asyncio.Lock()  # one pass over the queue at a time
        self._extract_slots = asyncio.Semaphore(EXTRACT_CONCURRENCY)

    # -- single articles -----------------------------------------------------------------------
    async def ingest_url(self, url: str) -> IngestResult:
        """Fetch, extract, store and brief one page (or return what is stored for it)."""
        canonical = canonical_url(url)
        stored = await self._store.articles.find_url(canonical)
        if stored is not None:
            return await self._ensure_brief(stored, created=False)
        page = await self._page_text(url)
        new = NewArticle(
            id=derived_id(canonical),
            url=url.strip(),
            canonical_url=canonical,
            title=page.title,
            source=_site(canonical),
            author=page.author,
            published=page.published,
            text=page.text,
        )
        return await self._store_and_brief(new)

    async def ingest_text(self, text: str, title: str = "") -> IngestResult:
        """Store and brief pasted text (the same text twice is one article)."""
        if not text.strip():
            raise SummarizeError("the article is empty")
        new = NewArticle(id=derived_id("text", content_hash(text)), title=title.strip(), text=text.strip())
        return await self._store_and_brief(new)

    async def import_articles(self, articles: Sequence[Article]) -> list[IngestResult | BriefbotError]:
        """Store articles read from files (each keeps its ``id`` as its key) and brief those not
        briefed yet; one result per article, in order. Empty articles are not stored, nor
        those whose id already names a different article (an ``InputError``)."""
        empty = SummarizeError("the article is empty")
        keep = [a for a in articles if a.text.strip()]
        news = [
            NewArticle(
                id=a.id,
                url=a.url,
                canonical_url=_canonical_or_none(a.url),
                title=a.title,
                source=a.source,
                published=a.published,
                text=a.text,
            )
            for a in keep
        ]
        added = iter(await self._store.articles.import_many(news, self._clock()))
        pairs = [next(added) if a.text.strip() else None for a in articles]
        stored: dict[str, StoredArticle] = {}
        for article, pair in zip(articles, pairs, strict=True):
            if pair is None or isinstance(pair, IdTaken) or pair[0] in stored:
                continue
            row = await self._store.articles.get(pair[0])
            if row is not None and not row.text.strip():
                # It matched a feed item whose page was not fetched yet: this is its text.
                await self._store.articles.mark_fetched(row.id, text=article.text, now=self._clock())
                row = await self._store.articles.get(row.id)
            if row is not None:
                stored[row.id] = row
        briefs: dict[str, Brief | BriefbotError] = {}
        todo = []
        for article_id, row in stored.items():
            brief = await self._store.articles.get_brief(article_id)
            if brief is not None:
                briefs[article_id] = brief
            elif row.text.strip():
                todo.append(row)
            else:
                briefs[article_id] = empty
        tally = _Tally()
        for start in range(0, len(todo), BRIEF_BATCH):
            briefs.update(await self._brief_chunk(todo[start : start + BRIEF_BATCH], tally))
        results: list[IngestResult | BriefbotError] = []
        for pair in pairs:
            if pair is None:
                results.append(empty)
                continue
            if isinstance(pair, IdTaken):
                # Not merged, and not stored under an invented key either: the id is how its
                # owner finds the article (ask --thread ID), so the line fails by its id.
                results.append(InputError("this id already names a different article; not stored"))
                continue
            article_id, created = pair
            outcome = briefs.get(article_id, SummarizeError("the article could not be stored"))
            results.append(
                IngestResult(article_id, created, outcome) if isinstance(outcome, Brief) else outcome
            )
        return results

    async def _store_and_brief(self, new: NewArticle) -> IngestResult:
        article_id, created = await self._store.articles.add(new, self._clock())
        stored = await self._store.articles.get(article_id)
        if stored is None:  # removed between the two statements (a concurrent merge)
            raise SummarizeError("the article could not be stored; please try again")
        return await self._ensure_brief(stored, created)

    async def _ensure_brief(self, stored: StoredArticle, created: bool) -> IngestResult:
        brief = await self._store.articles.get_brief(stored.id)
        if brief is not None:
            return IngestResult(stored.id, created, brief)
        if not stored.text.strip():  # known from a feed, not fetched yet: fetch it now
            stored = await self._fill(stored)
        outcome = (await self._brief_chunk([stored], _Tally()))[stored.id]
        if isinstance(outcome, BriefbotError):
            raise outcome
        return IngestResult(stored.id, created, outcome)

    # -- feeds ---------------------------------------------------------------------------------
    async def has_feeds(self) -> bool:
        return bool(await self._store.feeds.list_all())

    async def check_feed(self, url: str, *, local_files: bool = False) -> FeedCheck:
        """Fetch and parse a feed to validate it before subscribing; raises ``FetchError``."""
        feed_url = feed_location(url, local_files)
        fetched = await self._read_feed(feed_url, None, None)
        parsed = await self._parse(fetched)
        return FeedCheck(url=feed_url, title=parsed.title, items=len(parsed.items))

    async def add_feed(
        self, url: str, interval_s: int | None = None, *, local_files: bool = False
    ) -> tuple[Feed, bool]:
        """Subscribe to a feed after checking it; ``True`` when it is new. ``local_files``
        (operators only) also accepts ``file://`` URLs and paths."""
        feed_url = feed_location(url, local_files)
        existing = await self._store.feeds.get_by_url(feed_url)
        if existing is not None:
            return existing, False
        check = await self.check_feed(feed_url, local_files=local_files)
        interval = interval_s if interval_s is not None else self._default_interval()
        return await self._store.feeds.add(
            check.url, max(MIN_INTERVAL_S, int(interval)), self._clock(), title=check.title
        )

    async def poll_feeds(self, only_due: bool = True) -> PollReport:
        """Poll (due) feeds, store their new articles, and brief everything queued. Each feed is
        claimed first: with several replicas, each due feed is polled by one of them."""
        if not only_due:
            await self._store.feeds.make_due(self._clock())
        outcomes: list[_FeedOutcome] = []

        async def worker() -> None:
            while feeds := await self._store.feeds.claim_due(self._owner, self._clock(), self._lease_s, 1):
                outcomes.append(await self._poll_one(feeds[0]))

        async with self._claims_renewed():
            await asyncio.gather(*(worker() for _ in range(POLL_CONCURRENCY)))
            tally = await self._run_queue()
        return PollReport(
            feeds_polled=len(outcomes),
            feeds_failed=sum(1 for o in outcomes if o.error is not None),
            new_articles=sum(o.new for o in outcomes),
            briefed=tally.briefed,
            failed=tally.failed,
            unchanged=sum(1 for o in outcomes if o.unchanged),
            errors=tuple(o.error for o in outcomes if o.error is not None),
        )

    async def _poll_one(self, feed: Feed) -> _FeedOutcome:
        """One feed, one poll. Whatever goes wrong is recorded against the feed (with backoff,
        and disabling after ``[feeds] max_failures``), never raised: one broken feed must not
        stop the others."""
        now = self._clock()
        try:
            fetched = await self._read_feed(feed.url, feed.etag, feed.last_modified)
            if fetched.not_modified:
                await self._store.feeds.record_success(
                    feed.id,
                    now=now,
                    next_poll_at=now + feed.interval_s,
                    etag=fetched.etag or feed.etag,
                    last_modified=fetched.last_modified or feed.last_modified,
                    owner=self._owner,
                )
                return _FeedOutcome(unchanged=True)
            parsed = await self._parse(fetched)
            if parsed.problem:
                log.warning("feed damaged feed_id=%d url=%s problem=%s", feed.id, feed.url, parsed.problem)
            local = feed.url.startswith("file:")
            source = parsed.title or feed.title
            # Oldest first, so that the queue (in insertion order) briefs in publication order.
            news = [item_article(i, feed.id, feed.url, source, local) for i in reversed(parsed.items)]
            added = await self._store.articles.add_many(news, now)
            # Validators are saved only after the items: a crash in between re-reads the feed
            # instead of answering 304 and losing them.
            if not await self._store.feeds.record_success(
                feed.id,
                now=now,
                next_poll_at=now + feed.interval_s,
                etag=fetched.etag,
                last_modified=fetched.last_modified,
                title=parsed.title,
                owner=self._owner,
            ):
                log.warning("feed poll outlived its claim, another replica polls it feed_id=%d", feed.id)
            new = sum(1 for _, created in added if created)
            log.info("feed polled feed_id=%d items=%d new=%d", feed.id, len(parsed.items), new)
            return _FeedOutcome(new=new)
        except Exception as exc:
            reason = (
                str(exc) if isinstance(exc, BriefbotError) else f"unexpected error ({type(exc).__name__})"
            )
            if not isinstance(exc, BriefbotError):
                log.exception("feed poll crashed feed_id=%d url=%s", feed.id, feed.url)
            failures = feed.failures + 1
            after = await self._store.feeds.record_failure(
                feed.id,
                now=now,
                error=reason,
                next_poll_at=backoff_until(now, feed.interval_s, failures),
                max_failures=self._settings.feeds.max_failures,
                owner=self._owner,
            )
            log.warning(
                "feed poll failed feed_id=%d url=%s failures=%d error=%s", feed.id, feed.url, failures, reason
            )
            if after is not None and after.disabled:
                log.warning("feed disabled feed_id=%d reason=%s", feed.id, after.disabled_reason)
            return _FeedOutcome(error=f"feed {feed.id} ({shown_url(feed.url)}): {reason}")

    async def _read_feed(self, feed_url: str, etag: str | None, last_modified: str | None) -> Fetched:
        if feed_url.startswith("file:"):
            max_bytes = self._settings.fetch.max_bytes
            return await asyncio.to_thread(_read_local_feed, feed_url, last_modified, max_bytes)
        return await self._fetcher.fetch(feed_url, want="feed", etag=etag, last_modified=last_modified)

    async def _parse(self, fetched: Fetched) -> ParsedFeed:
        header = fetched.content_type + (f"; charset={fetched.charset}" if fetched.charset else "")
        try:
            return await asyncio.to_thread(
                parse_feed, fetched.body, fetched.url, header, self._settings.fetch.max_bytes
            )
        except FeedError:
            raise
        except Exception as exc:  # a parser bug on a hostile document is that feed's problem only
            log.exception("feed parser crashed url=%s", fetched.url)
            raise FeedError(f"the feed could not be parsed ({type(exc).__name__})") from exc

    def _default_interval(self) -> int:
        return int(self._settings.feeds.default_interval.total_seconds())

    # -- the queue -----------------------------------------------------------------------------
    async def process_queue(self) -> int:
        """Fetch and brief everything queued (``new``/``fetched``, and failed articles due for a
        retry), e.g. after a restart; returns how many were briefed."""
        return (await self._run_queue()).briefed

    async def _run_queue(self) -> _Tally:
        async with self._queue_lock, self._claims_renewed():
            articles = self._store.articles
            await articles.requeue_failed(self._clock(), MAX_ATTEMPTS, RETRY_DELAY_S)
            total = await articles.count("new") + await articles.count("fetched")
            tally = _Tally()
            if total == 0:
                return tally
            self._report(tally, total)
            fetching_done = asyncio.Event()
            wake = asyncio.Event()

            async def fetch_stage() -> None:
                try:
                    await self._fetch_stage(tally, total, wake)
                finally:
                    fetching_done.set()
                    wake.set()

            async with asyncio.TaskGroup() as group:
                group.create_task(fetch_stage())
                group.create_task(self._brief_stage(tally, total, fetching_done, wake))
            log.info("queue done briefed=%d failed=%d merged=%d", tally.briefed, tally.failed, tally.merged)
            return tally

    async def _fetch_stage(self, tally: _Tally, total: int, wake: asyncio.Event) -> None:
        """Give every ``new`` article its text, with FETCH_CONCURRENCY pages in flight."""
        queue: asyncio.Queue[StoredArticle | None] = asyncio.Queue(maxsize=FETCH_CONCURRENCY * 2)

        async def worker() -> None:
            while (article := await queue.get()) is not None:
                try:
                    await self._fetch_text(article, self._owner)
                except LeaseLost:
                    log.warning("article fetch outlived its claim, another replica has it id=%s", article.id)
                except BriefbotError as exc:
                    if await self._store.articles.mark_failed(
                        article.id, str(exc), self._clock(), self._owner
                    ):
                        tally.failed += 1
                except Exception as exc:
                    log.exception("article fetch crashed id=%s", article.id)
                    reason = f"unexpected error ({type(exc).__name__})"
                    if await self._store.articles.mark_failed(article.id, reason, self._clock(), self._owner):
                        tally.failed += 1
                else:
                    wake.set()
                self._report(tally, total)

        async with asyncio.TaskGroup() as group:
            workers = [group.create_task(worker()) for _ in range(FETCH_CONCURRENCY)]
            # Claimed a few at a time: the rest stay free for other replicas.
            while batch := await self._store.articles.claim(
                "new", self._owner, self._clock(), self._lease_s, FETCH_CONCURRENCY
            ):
                for article in batch:
                    await queue.put(article)
            for _ in workers:
                await queue.put(None)

    async def _fill(self, article: StoredArticle) -> StoredArticle:
        """``_fetch_text`` for an article briefed on request: the article as stored now."""
        survivor = await self._fetch_text(article)
        found = await self._store.articles.get(survivor or article.id)
        if found is None:
            raise SummarizeError("the article disappeared while it was being fetched")
        return found

    async def _fetch_text(self, article: StoredArticle, owner: str | None = None) -> str | None:
        """Fetch and extract an article's page and store its text (with ``owner``: only while
        it holds the article's claim, else ``LeaseLost``). When the page cannot be used, the
        feed's own text stands in; without one, the error is raised. The id of the article it
        was merged into, if it turned out to be a duplicate."""
        try:
            if not article.url:
                raise ExtractError("the feed item has no link and no text")
            page = await self._page_text(article.url)
            text, title, author, published = page.text, page.title, page.author, page.published
        except (FetchError, ExtractError) as exc:
            fallback = (article.summary or "").strip()
            if not fallback:
                raise
            log.info("using the feed's text id=%s reason=%s", article.id, exc)
            text, title, author, published = fallback, None, None, None
        return await self._store.articles.mark_fetched(
            article.id,
            text=text,
            now=self._clock(),
            title=title,
            author=author,
            published=published,
            owner=owner,
        )

    async def _page_text(self, url: str) -> Extracted:
        fetched = await self._fetcher.fetch(url, want="page")
        if fetched.content_type == "text/plain":
            text = _decode(fetched).strip()
            if not text:
                raise ExtractError(f"{shown_url(url)} is empty")
            return Extracted(text=text)
        async with self._extract_slots:
            # Without a charset in the headers, trafilatura reads the page's own <meta charset>.
            html: str | bytes = _decode(fetched) if fetched.charset else fetched.body
            try:
                return await asyncio.to_thread(extract_html, html, fetched.url)
            except ExtractError as exc:
                raise ExtractError(f"{shown_url(url)}: {exc}") from None

    async def _brief_stage(
        self, tally: _Tally, total: int, fetching_done: asyncio.Event, wake: asyncio.Event
    ) -> None:
        """Brief ``fetched`` articles in batches, ``[feeds] brief_concurrency`` batches at once,
        while the fetch stage is still filling the queue."""
        concurrency = self._settings.feeds.brief_concurrency
        while True:
            wake.clear()
            finished = fetching_done.is_set()  # read before querying: see the loop's end
            batch = await self._store.articles.claim(
                "fetched", self._owner, self._clock(), self._lease_s, BRIEF_BATCH * concurrency
            )
            if batch:
                chunks = [batch[i : i + BRIEF_BATCH] for i in range(0, len(batch), BRIEF_BATCH)]
                await asyncio.gather(*(self._brief_chunk(c, tally, total, self._owner) for c in chunks))
                continue
            if finished:  # fetching had ended before the query found nothing: all done
                return
            await wake.wait()

    async def _brief_chunk(
        self, articles: Sequence[StoredArticle], tally: _Tally, total: int = 0, owner: str | None = None
    ) -> dict[str, Brief | BriefbotError]:
        """Brief a few articles with one backend call and store each outcome (with ``owner``:
        those whose claims it still holds)."""
        try:
            results: list[Brief | SummarizeError] = await self._backend.brief_many(
                [a.as_article() for a in articles]
            )
        except Exception as exc:  # the protocol returns errors, but a backend bug must not kill the run
            log.exception("brief_many crashed articles=%d", len(articles))
            results = [SummarizeError(f"could not brief this article ({type(exc).__name__})")] * len(articles)
        outcomes: dict[str, Brief | BriefbotError] = {}
        now = self._clock()
        done: list[Brief] = []
        for article, result in zip(articles, results, strict=True):
            if isinstance(result, Brief):
                brief = dataclasses.replace(
                    result,
                    id=article.id,
                    title=result.title or article.title,
                    url=result.url or article.url,
                    published=result.published or article.published,
                )
                done.append(brief)
                outcomes[article.id] = brief
            else:
                if await self._store.articles.mark_failed(article.id, str(result), now, owner):
                    log.info("brief failed id=%s error=%s", article.id, result)
                    tally.failed += 1
                outcomes[article.id] = result
        saved = await self._store.articles.save_briefs(done, now, owner)  # one transaction per batch
        if len(saved) < len(done):
            log.warning(
                "briefs outlived their claims, other replicas have them lost=%d", len(done) - len(saved)
            )
        tally.briefed += len(saved)
        if total:
            self._report(tally, total)
        return outcomes

    # -- claims --------------------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def _claims_renewed(self) -> AsyncIterator[None]:
        """While any polling or queue work is under way, this replica's claims are renewed
        three times per lease, so that only a replica that stopped loses them."""
        self._holding += 1
        if self._renewer is None:
            released = await self._store.release_dead_claims(self._owner)
            if released:
                log.info("resuming the work of stopped processes owners=%d", released)
            self._renewer = asyncio.create_task(self._renew())
        try:
            yield
        finally:
            self._holding -= 1
            if self._holding == 0 and self._renewer is not None:
                self._renewer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._renewer
                self._renewer = None

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(self._lease_s / 3)
            try:
                await self._store.renew_claims(self._owner, self._clock() + self._lease_s)
            except BriefbotError as exc:  # the database is away for a moment: try again
                log.warning("claims not renewed error=%s", exc)

    async def release_claims(self) -> None:
        """Hand back this replica's claims (when it stops): others take the work at once."""
        await self._store.release_claims(self._owner)

    def _report(self, tally: _Tally, total: int) -> None:
        if self.progress is not None:
            self.progress(min(tally.done, total), total)


@dataclass(frozen=True, slots=True)
class _FeedOutcome:
    new: int = 0
    unchanged: bool = False
    error: str | None = None


def feed_location(url: str, local_files: bool = False) -> str:
    """A feed's URL as stored: canonical for the web; for operators (``local_files``), a
    ``file://`` URL or a path becomes an absolute ``file://`` URL of an existing file."""
    text = url.strip()
    if is_web_url(text):
        return canonical_url(text)
    try:
        parts = urlsplit(text)
    except ValueError as exc:  # "http://[": an unclosed IPv6 address
        raise FetchError(f"{shown_url(text)} is not a valid URL ({exc})") from None
    scheme = parts.scheme.lower() if "://" in text else ""
    if scheme in ("http", "https"):
        return canonical_url(text)  # not a web URL after all: it says what is wrong ("no host")
    if scheme not in ("", "file"):
        raise FetchError(f"{shown_url(text)} is not a web address; only http:// and https:// feeds are read")
    if not local_files:
        raise FetchError(f"{shown_url(text)} is not a web address; only http:// and https:// feeds are read")
    path = Path(unquote(parts.path)) if scheme == "file" else Path(text)
    path = path.expanduser().resolve()
    if not path.is_file():
        raise FetchError(f"no feed file at {path} (for a web feed, give its http:// or https:// URL)")
    return path.as_uri()


def _read_local_feed(feed_url: str, last_modified: str | None, max_bytes: int) -> Fetched:
    """A local feed file (operator-added). Its modification time stands in for Last-Modified,
    so an unchanged file is not parsed again."""
    path = Path(unquote(urlsplit(feed_url).path))
    try:
        stat = path.stat()
        stamp = str(stat.st_mtime_ns)
        if last_modified == stamp:
            return Fetched(
                url=feed_url, status=304, content_type="", charset=None, body=b"", last_modified=stamp
            )
        if stat.st_size > max_bytes:
            raise FetchError(f"the feed file {path} is larger than {max_bytes} bytes")
        body = path.read_bytes()
    except OSError as exc:
        raise FetchError(f"cannot read the feed file {path}: {exc.strerror or exc}") from None
    return Fetched(
        url=feed_url, status=200, content_type="application/xml", charset=None, body=body, last_modified=stamp
    )


def _decode(fetched: Fetched) -> str:
    if fetched.charset:
        try:
            return clean_text(fetched.body.decode(fetched.charset, errors="replace"))
        except LookupError:
            pass  # an unknown charset name: let the bytes speak for themselves
    try:
        return decode_text(fetched.body)
    except NotText:
        raise ExtractError(f"{shown_url(fetched.url)}: this is binary data, not text") from None


def _canonical_or_none(url: str | None) -> str | None:
    if not url or not is_web_url(url):
        return None
    try:
        return canonical_url(url)
    except FetchError:
        return None


def _site(canonical: str) -> str:
    host = urlsplit(canonical).hostname or ""
    return host.removeprefix("www.")
