"""A fake web: real HTTP on 127.0.0.1 serving our own invented news feeds and article pages.

    async with FakeWeb() as web:                       # web.url("/x") == "http://127.0.0.1:PORT/x"
        web.page("/a", html)                           # 200 text/html
        web.feed("/rss", xml, etag='"v1"')             # answers 304 to If-None-Match: "v1"
        web.redirect("/old", "/a")                     # 302 (a loop: redirect each to the other)
        web.add("/big", Resource(size=6_000_000))      # a body streamed to that size
        web.add("/slow", Resource(body=b"...", delay=3.0))
        web.hits("/rss"), web.requests[-1].headers     # what the fetcher sent

Every resource can be gzip-encoded, sent with any content type, delayed before the headers
(``delay``) or dripped slowly (``drip``). Unknown paths answer 404.

``NewsSite`` invents plausible articles (no real people or places) and renders them as RSS
items and as full web pages with navigation, sidebars and reader comments around the story, so
extraction has real work to do.

Run as a process (for benchmarks), it serves a generated site and prints its base URL:

    python -m tests.fakes.web --articles 1000 --feeds 10       # feeds at /feeds/N.xml
    python -m tests.fakes.web --articles 2000 --feeds 200 --full-text   # 200 feeds, no pages
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import html
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from aiohttp import web


@dataclass
class Resource:
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    etag: str | None = None  # conditional GET: If-None-Match equal to it → 304
    last_modified: str | None = None  # conditional GET: If-Modified-Since equal to it → 304
    gzip: bool = False
    delay: float = 0.0  # seconds before the response starts
    drip: float = 0.0  # seconds between 1 kB chunks of the body
    size: int | None = None  # stream this many bytes of filler instead of ``body``
    declare_length: bool = True  # send Content-Length (for ``size``)


@dataclass(frozen=True)
class Recorded:
    path: str
    headers: Mapping[str, str]


class FakeWeb:
    def __init__(self) -> None:
        self.resources: dict[str, Resource] = {}
        self.requests: list[Recorded] = []
        self.in_flight = 0
        self.max_in_flight = 0  # the most requests the server was answering at once
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- scripting -------------------------------------------------------------------------
    def add(self, path: str, resource: Resource) -> str:
        self.resources[path] = resource
        return self.url(path)

    def page(self, path: str, text: str, **kw: object) -> str:
        return self.add(path, Resource(body=text.encode(), **kw))  # type: ignore[arg-type]

    def feed(self, path: str, xml: str, content_type: str = "application/rss+xml", **kw: object) -> str:
        return self.add(path, Resource(body=xml.encode(), content_type=content_type, **kw))  # type: ignore[arg-type]

    def redirect(self, path: str, to: str, status: int = 302) -> str:
        return self.add(path, Resource(status=status, headers={"Location": to}))

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def hits(self, path: str) -> int:
        return sum(1 for r in self.requests if r.path == path)

    # -- serving ---------------------------------------------------------------------------
    async def __aenter__(self) -> FakeWeb:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._answer(request)
        finally:
            self.in_flight -= 1

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        path = request.path_qs if request.query_string else request.path
        self.requests.append(Recorded(path, dict(request.headers)))
        res = self.resources.get(path) or self.resources.get(request.path)
        if res is None:
            return web.Response(status=404, text="not found")
        if res.delay:
            await asyncio.sleep(res.delay)
        if (res.etag and request.headers.get("If-None-Match") == res.etag) or (
            res.last_modified and request.headers.get("If-Modified-Since") == res.last_modified
        ):
            return web.Response(status=304, headers=_validators(res))
        headers = {**_validators(res), **res.headers}
        if res.size is not None:
            return await self._stream_filler(request, res, headers)
        body = res.body
        if res.gzip:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        if not res.drip:
            response = web.Response(status=res.status, body=body, headers=headers)
            if res.content_type:
                response.headers["Content-Type"] = res.content_type
            return response
        stream = web.StreamResponse(status=res.status, headers=headers)
        stream.content_type = res.content_type
        await stream.prepare(request)
        for start in range(0, len(body), 1024):
            await stream.write(body[start : start + 1024])
            await asyncio.sleep(res.drip)
        await stream.write_eof()
        return stream

    async def _stream_filler(
        self, request: web.Request, res: Resource, headers: dict[str, str]
    ) -> web.StreamResponse:
        assert res.size is not None
        stream = web.StreamResponse(status=res.status, headers=headers)
        stream.content_type = res.content_type.split(";")[0]
        if res.declare_length:
            stream.content_length = res.size
        else:
            stream.enable_chunked_encoding()
        await stream.prepare(request)
        chunk = b"<p>filler filler filler filler</p>\n" * 1800  # ~64 kB
        sent = 0
        try:
            while sent < res.size:
                part = chunk[: res.size - sent]
                await stream.write(part)
                sent += len(part)
                if res.drip:
                    await asyncio.sleep(res.drip)
            await stream.write_eof()
        except (ConnectionResetError, ConnectionError):
            pass  # the client gave up, as it should
        return stream


def _validators(res: Resource) -> dict[str, str]:
    out = {}
    if res.etag:
        out["ETag"] = res.etag
    if res.last_modified:
        out["Last-Modified"] = res.last_modified
    return out


# -- invented news -------------------------------------------------------------------------

_FIRST = (
    "Miriam Tobias Anika Rafael Odile Kwame Ingrid Mateo Priya Soren Lucia Emeka Hana Dorian Yusuf Greta"
).split()
_LAST = (
    "Okafor Lindqvist Marchetti Abernathy Okonkwo Vasquez Halloran Petrescu Nakamura Delacroix "
    "Brannigan Oyelaran Sorensen Castellano Whitlow Mbeki"
).split()
_TOWNS = (
    "Portvale Kessing Ashmoor Bellhaven Corrigan Falls Dunmere Eastwick Harrow Glenfield Marlowe "
    "Norbridge Oakhollow Pellham Quarry Bay Ravenscar Stonebridge Thornby Westmarch"
).split(" ")
_ORGS = [
    "Harbour Authority",
    "Water Board",
    "Transit Commission",
    "Teachers' Union",
    "Chamber of Commerce",
    "Regional Health Trust",
    "Fire Service",
    "Library Trust",
    "Farmers' Cooperative",
    "Energy Cooperative",
]
_ROLES = ["chair", "director", "spokesperson", "chief engineer", "treasurer", "president", "mayor"]
_PROJECTS = [
    ("a six-month trial of night ferries", "cut evening road traffic"),
    ("a new flood barrier on the river", "protect low-lying streets from winter storms"),
    ("free bus travel for students", "reduce the number of cars near schools"),
    ("a community solar farm", "lower electricity bills for local households"),
    ("longer opening hours at the central library", "give students a quiet place to study"),
    ("a ban on heavy lorries in the old town", "protect historic buildings from vibration"),
    ("a wetland restoration scheme", "bring back migrating birds and filter farm runoff"),
    ("a weekly farmers' market in the square", "help small growers sell directly to residents"),
    ("a rapid-response ambulance station", "shorten emergency response times in rural villages"),
    ("a tenant mediation service", "settle disputes before they reach the courts"),
]
_ISSUES = [
    "who will pay for the extra staff",
    "whether the budget can cover rising construction costs",
    "how noise from the new site will be limited at night",
    "whether neighbouring villages will be consulted",
    "how long the temporary road closures will last",
    "whether the scheme will survive the next election",
]
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


@dataclass(frozen=True)
class Story:
    n: int
    slug: str
    title: str
    summary: str
    paragraphs: tuple[str, ...]
    published: datetime

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


def story(n: int, seed: int = 7) -> Story:
    """The n-th invented story: the same n always gives the same story, different n differ."""
    rnd = random.Random(seed * 1_000_003 + n)
    person = f"{rnd.choice(_FIRST)} {rnd.choice(_LAST)}"
    other = f"{rnd.choice(_FIRST)} {rnd.choice(_LAST)}"
    town, town2 = rnd.sample(_TOWNS, 2)
    org = f"{town} {rnd.choice(_ORGS)}"
    role = rnd.choice(_ROLES)
    project, goal = rnd.choice(_PROJECTS)
    issue, issue2 = rnd.sample(_ISSUES, 2)
    day = rnd.choice(_WEEKDAYS)
    votes = rnd.randint(5, 14)
    cost = rnd.randint(2, 90) / 10
    title = f"{org} backs {project} (report {n})"
    summary = f"The {org} on {day} approved {project} in {town}, aiming to {goal}."
    paragraphs = (
        f"The {org} on {day} approved {project} in {town}, after months of pressure from residents "
        f"and local businesses. The decision, taken by {votes} votes to {votes // 3}, is number {n} "
        f"in a series of measures the board has debated this year.",
        f"{role.capitalize()} {person} said the plan aims to {goal}, and that the first results "
        f'would be published before the end of the year. "We listened to people in {town} and '
        f'in {town2}, and this is what they asked for," {person.split()[1]} told reporters at the '
        f"town hall.",
        f"The project is expected to cost about {cost} million pounds over three years. Critics, "
        f"led by councillor {other}, argue that the money would be better spent on repairing "
        f"roads, and they question {issue}.",
        f"Residents of {town2} remain divided. Some welcome the plan, while others want to know "
        f"{issue2} before any work begins. A public meeting is planned for next month at the "
        f"community centre in {town}.",
        f"The board will review the scheme in the spring, when {person} is due to present a "
        f"progress report to the regional council in {town2}.",
    )
    published = datetime(2025, 3, 1, 8, 0, tzinfo=UTC) + timedelta(hours=n)
    return Story(n, f"story-{n}", title, summary, paragraphs, published)


def article_page(s: Story, comments: int = 3) -> str:
    """A full page: header, navigation, the story, a sidebar, reader comments, a footer."""
    esc = html.escape
    body = "\n".join(f"<p>{esc(p)}</p>" for p in s.paragraphs)
    nav = "".join(f'<li><a href="/section/{k}">{k.title()}</a></li>' for k in ("news", "sport", "weather"))
    related = "".join(
        f'<li><a href="/news/related-{s.n}-{i}">More from the region: update {i}</a></li>' for i in range(5)
    )
    replies = "".join(
        f'<div class="comment"><span class="author">reader{i}</span><p>I have lived here for '
        f"{10 + i} years and I am not convinced this will work.</p></div>"
        for i in range(comments)
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(s.title)} | The Valley Courier</title>
<meta property="og:title" content="{esc(s.title)}">
<meta name="author" content="Staff Reporter">
<meta property="article:published_time" content="{s.published.isoformat()}">
</head><body>
<header><div class="logo">The Valley Courier</div><nav><ul>{nav}</ul></nav></header>
<main><article>
<h1>{esc(s.title)}</h1>
<div class="byline">By Staff Reporter, {s.published:%d %B %Y}</div>
{body}
</article>
<aside><h3>Related stories</h3><ul>{related}</ul></aside>
<section id="comments"><h3>Comments</h3>{replies}</section>
</main>
<footer><p>Copyright The Valley Courier. All rights reserved.</p><a href="/privacy">Privacy</a></footer>
</body></html>"""


def rss(
    stories: list[Story],
    link: str | None,
    title: str = "The Valley Courier",
    guid: str = "{slug}",
    full_text: bool = False,
) -> str:
    """An RSS 2.0 feed of the stories; ``link`` is formatted with the story's ``slug`` and ``n``
    (None: items without links); ``full_text`` adds each story as content:encoded."""
    items = []
    for s in stories:
        encoded = ""
        if full_text:
            paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in s.paragraphs)
            encoded = f"<content:encoded><![CDATA[{paragraphs}]]></content:encoded>"
        href = f"<link>{html.escape(link.format(slug=s.slug, n=s.n))}</link>" if link else ""
        items.append(
            f"<item><title>{html.escape(s.title)}</title>{href}"
            f'<guid isPermaLink="false">{html.escape(guid.format(slug=s.slug, n=s.n))}</guid>'
            f"<pubDate>{format_datetime(s.published)}</pubDate>"
            f"<description>{html.escape(s.summary)}</description>{encoded}</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>{html.escape(title)}</title><link>http://courier.invalid/</link>"
        f"<description>Invented local news</description>{''.join(items)}</channel></rss>"
    )


class NewsSite:
    """``articles`` stories spread over ``feeds`` RSS feeds at /feeds/N.xml, pages at /news/SLUG."""

    def __init__(
        self, web: FakeWeb, articles: int, feeds: int, etag: bool = True, full_text: bool = False
    ) -> None:
        """``full_text``: items carry the whole story and no link (no pages are served)."""
        self.stories = [story(n) for n in range(articles)]
        self.feed_paths = [f"/feeds/{i}.xml" for i in range(feeds)]
        for s in [] if full_text else self.stories:
            web.page(f"/news/{s.slug}", article_page(s), gzip=s.n % 2 == 0)
        link = None if full_text else web.url("/news/{slug}")
        for i, path in enumerate(self.feed_paths):
            mine = self.stories[i::feeds]
            xml = rss(mine, link=link, title=f"The Valley Courier {i}", full_text=full_text)
            web.feed(path, xml, etag=f'"feed-{i}-v1"' if etag else None)


async def _serve(args: argparse.Namespace) -> None:
    site = FakeWeb()
    await site.start()
    NewsSite(site, args.articles, args.feeds, full_text=args.full_text)
    print(site.url(""), flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await site.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--feeds", type=int, default=10)
    parser.add_argument("--full-text", action="store_true", help="items carry the story, no links")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
