"""A small web site on 127.0.0.1 serving pages and feeds that each test sets up.

    async with FeedSite() as site:
        site.add("/rss", rss_xml, "application/rss+xml")
        url = site.url("/rss")                # http://127.0.0.1:PORT/rss
        ...                                   # site.hits lists the paths requested

Unknown paths answer 404, so a test never passes on an accidental default.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType

from aiohttp import web


@dataclass(frozen=True)
class Page:
    body: str
    content_type: str = "text/html"
    status: int = 200


class FeedSite:
    def __init__(self) -> None:
        self.pages: dict[str, Page] = {}
        self.hits: list[str] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    def add(self, path: str, body: str, content_type: str = "text/html", status: int = 200) -> str:
        self.pages[path] = Page(body, content_type, status)
        return self.url(path)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def _serve(self, request: web.Request) -> web.Response:
        self.hits.append(request.path)
        page = self.pages.get(request.path)
        if page is None:
            return web.Response(status=404, text="not found")
        return web.Response(status=page.status, text=page.body, content_type=page.content_type)

    async def __aenter__(self) -> FeedSite:
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self._serve)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def rss(title: str, items: list[dict[str, str]]) -> str:
    """An RSS 2.0 document; each item: title, link, guid, text (full text), source (outlet)."""
    entries = []
    for item in items:
        source = f'<source url="{item["link"]}">{item["source"]}</source>' if item.get("source") else ""
        entries.append(
            f"<item><title>{item['title']}</title><link>{item['link']}</link>"
            f'<guid isPermaLink="false">{item.get("guid", item["link"])}</guid>{source}'
            f"<content:encoded><![CDATA[{item['text']}]]></content:encoded></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>{title}</title><link>http://127.0.0.1/</link><description>test</description>"
        + "".join(entries)
        + "</channel></rss>"
    )
