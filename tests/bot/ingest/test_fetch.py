"""The safe fetcher against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import re
from collections.abc import Sequence
from datetime import timedelta

import pytest

from bot.ingest.addresses import IPAddress, refusal
from bot.ingest.fetch import AddressRefused, Fetcher
from summarizer.errors import FetchError
from tests.bot.ingest.conftest import fetch_settings
from tests.fakes.web import FakeWeb, Resource

LOOPBACK = ipaddress.ip_address("127.0.0.1")


def resolver(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    """A resolver answering from a table (names tests made up), counting its calls."""
    calls: list[str] = []

    async def resolve(host: str, port: int) -> Sequence[IPAddress]:
        calls.append(host)
        answers = table[host]
        return [
            ipaddress.ip_address(a) for a in (answers.pop(0) if len(answers) > 1 else answers[0]).split(",")
        ]

    resolve.calls = calls  # type: ignore[attr-defined]
    return resolve


def loopback_is_public(ip: IPAddress) -> str | None:
    """Policy for tests: our server's address counts as public, every other rule stands."""
    return None if ip == LOOPBACK else refusal(ip)


# -- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/page",
        "http://localhost:{port}/page",
        "http://LOCALHOST./page",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:{port}/page",
        "http://[::ffff:127.0.0.1]:{port}/page",
        "http://10.0.0.1/",
        "http://192.168.0.1/",
        "http://2130706433:{port}/page",
        "http://0x7f000001:{port}/page",
        "http://127.1:{port}/page",
        "http://0/",
        "http://[fe80::1]/",
    ],
)
async def test_private_targets_are_refused_without_a_connection(web: FakeWeb, url: str) -> None:
    web.page("/page", "<p>internal</p>")
    async with Fetcher(fetch_settings(allow_private=False)) as fetcher:
        with pytest.raises(AddressRefused) as caught:
            await fetcher.fetch(url.format(port=web.port))
    message = str(caught.value)
    assert message.startswith("refusing to fetch http")
    assert "\n" not in message
    assert web.requests == []


async def test_a_name_resolving_to_loopback_is_refused_at_connection(web: FakeWeb) -> None:
    web.page("/page", "<p>internal</p>")
    resolve = resolver({"intranet.test": ["127.0.0.1"]})
    async with Fetcher(fetch_settings(allow_private=False), resolver=resolve) as fetcher:
        with pytest.raises(
            AddressRefused, match=r"intranet\.test resolves to 127\.0\.0\.1, a loopback address"
        ):
            await fetcher.fetch(f"http://intranet.test:{web.port}/page")
    assert web.requests == []


async def test_names_of_this_machine_are_refused_before_any_lookup(web: FakeWeb) -> None:
    async with Fetcher(fetch_settings(allow_private=False)) as fetcher:
        for name in ("ip6-localhost", "app.localhost", "localhost.localdomain"):
            with pytest.raises(AddressRefused, match="is this machine"):
                await fetcher.fetch(f"http://{name}:{web.port}/")
    assert web.requests == []


async def test_the_system_resolver_is_used_when_private_networks_are_allowed(web: FakeWeb) -> None:
    """``localhost`` through getaddrinfo (it may answer ::1 first, where nothing listens: the
    next vetted address is tried)."""
    web.page("/page", "<p>local</p>")
    async with Fetcher(fetch_settings(allow_private=True)) as fetcher:
        fetched = await fetcher.fetch(f"http://localhost:{web.port}/page")
    assert fetched.body == b"<p>local</p>"


async def test_a_name_with_any_private_answer_is_refused(web: FakeWeb) -> None:
    resolve = resolver({"mixed.test": ["127.0.0.1,10.0.0.7"]})
    async with Fetcher(
        fetch_settings(allow_private=False), resolver=resolve, address_policy=loopback_is_public
    ) as fetcher:
        with pytest.raises(AddressRefused, match=r"10\.0\.0\.7"):
            await fetcher.fetch(f"http://mixed.test:{web.port}/")
    assert web.requests == []


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/admin",
        "http://localhost:{port}/secret",
        "http://[::1]:{port}/secret",
        "http://intranet.test:{port}/secret",
        "file:///etc/passwd",
    ],
)
async def test_a_redirect_from_an_allowed_host_to_a_private_one_is_refused(web: FakeWeb, target: str) -> None:
    web.page("/secret", "<p>do not show</p>")
    web.redirect("/go", target.format(port=web.port))
    resolve = resolver({"news.test": ["127.0.0.1"], "intranet.test": ["10.1.2.3"]})
    async with Fetcher(
        fetch_settings(allow_private=False), resolver=resolve, address_policy=loopback_is_public
    ) as fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.fetch(f"http://news.test:{web.port}/go")
    assert "/go" in str(caught.value)
    assert web.hits("/go") == 1
    assert web.hits("/secret") == 0


async def test_dns_rebinding_cannot_switch_the_address_after_the_check(web: FakeWeb) -> None:
    """The resolver's first answer is allowed, any later one private: the connection must go to
    the address that was checked, so the host is resolved exactly once."""
    web.page("/page", "<p>public page</p>")
    resolve = resolver({"rebind.test": ["127.0.0.1", "10.0.0.9"]})
    async with Fetcher(
        fetch_settings(allow_private=False), resolver=resolve, address_policy=loopback_is_public
    ) as fetcher:
        fetched = await fetcher.fetch(f"http://rebind.test:{web.port}/page")
    assert fetched.body == b"<p>public page</p>"
    assert resolve.calls == ["rebind.test"]  # type: ignore[attr-defined]
    assert web.requests[0].headers["Host"] == f"rebind.test:{web.port}"  # the name, not the address


@pytest.mark.parametrize(
    "url", ["ftp://news.test/a", "file:///etc/passwd", "javascript:alert(1)", "gopher://x/"]
)
async def test_only_http_and_https(url: str) -> None:
    async with Fetcher(fetch_settings()) as fetcher:
        with pytest.raises(FetchError, match="only http:// and https://"):
            await fetcher.fetch(url)


# -- what comes back ------------------------------------------------------------------------


async def test_page_with_user_agent_gzip_and_validators(web: FakeWeb) -> None:
    web.page("/a", "<p>Héllo</p>", gzip=True, etag='"v1"', last_modified="Sat, 01 Mar 2025 08:00:00 GMT")
    async with Fetcher(fetch_settings()) as fetcher:
        fetched = await fetcher.fetch(web.url("/a"))
    assert fetched.body.decode() == "<p>Héllo</p>"
    assert (fetched.status, fetched.content_type, fetched.charset) == (200, "text/html", "utf-8")
    assert (fetched.etag, fetched.last_modified) == ('"v1"', "Sat, 01 Mar 2025 08:00:00 GMT")
    assert web.requests[0].headers["User-Agent"].startswith("Briefbot/")


async def test_conditional_get_answers_304_without_a_body(web: FakeWeb) -> None:
    web.feed("/rss", "<rss/>", etag='"v7"', last_modified="Sat, 01 Mar 2025 08:00:00 GMT")
    async with Fetcher(fetch_settings()) as fetcher:
        by_etag = await fetcher.fetch(web.url("/rss"), want="feed", etag='"v7"')
        by_date = await fetcher.fetch(
            web.url("/rss"), want="feed", last_modified="Sat, 01 Mar 2025 08:00:00 GMT"
        )
        changed = await fetcher.fetch(web.url("/rss"), want="feed", etag='"v6"')
    assert by_etag.not_modified
    assert by_etag.body == b""
    assert by_date.not_modified
    assert not changed.not_modified
    assert changed.body == b"<rss/>"
    assert web.requests[0].headers["If-None-Match"] == '"v7"'


async def test_redirects_are_followed_up_to_the_limit(web: FakeWeb) -> None:
    web.page("/final", "<p>here</p>")
    web.redirect("/r1", "/final", status=301)
    web.redirect("/r2", web.url("/r1"), status=307)
    chain = ["/c0", "/c1", "/c2", "/c3", "/c4", "/c5", "/c6"]
    for here, there in zip(chain, [*chain[1:], "/final"], strict=True):
        web.redirect(here, there)
    async with Fetcher(fetch_settings()) as fetcher:
        fetched = await fetcher.fetch(web.url("/r2"))
        assert fetched.url == web.url("/final")
        with pytest.raises(FetchError, match="more than 5 redirects"):
            await fetcher.fetch(web.url("/c0"))
    assert web.hits("/c5") == 1
    assert web.hits("/c6") == 0


async def test_errors_after_a_redirect_read_well(web: FakeWeb) -> None:
    web.redirect("/moved", "/gone")
    web.redirect("/to-ftp", "ftp://files.test/a")
    async with Fetcher(fetch_settings()) as fetcher:
        with pytest.raises(FetchError) as gone:
            await fetcher.fetch(web.url("/moved"))
        with pytest.raises(FetchError) as ftp:
            await fetcher.fetch(web.url("/to-ftp"))
    assert str(gone.value) == f"could not fetch {web.url('/moved')}: the server answered 404 Not Found"
    assert str(ftp.value) == (
        f"could not fetch {web.url('/to-ftp')}: it redirects to ftp://files.test/a, which is not a web "
        "address; only http:// and https:// URLs are fetched"
    )


async def test_waiting_for_a_busy_host_does_not_count_against_the_timeout(web: FakeWeb) -> None:
    for i in range(4):
        web.add(f"/q{i}", Resource(body=b"<p>ok</p>", delay=0.3))
    settings = fetch_settings(per_host_concurrency=1, timeout=timedelta(seconds=1))
    async with Fetcher(settings) as fetcher:
        results = await asyncio.gather(*(fetcher.fetch(web.url(f"/q{i}")) for i in range(4)))
    assert [r.status for r in results] == [200] * 4
    assert web.max_in_flight == 1


async def test_a_redirect_loop_is_reported(web: FakeWeb) -> None:
    web.redirect("/ping", "/pong")
    web.redirect("/pong", "/ping")
    async with Fetcher(fetch_settings()) as fetcher:
        with pytest.raises(FetchError, match="redirects in a loop"):
            await fetcher.fetch(web.url("/ping"))


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        (Resource(size=6_000_000), "larger than the 5 MB"),
        (Resource(size=6_000_000, declare_length=False), "larger than the 5 MB"),
        (Resource(body=b" " * 6_000_000, gzip=True), "larger than the 5 MB"),  # small on the wire
        (Resource(body=b"\x89PNG...", content_type="image/png"), "image/png, not a web page"),
        (Resource(body=b"%PDF-1.7", content_type="application/pdf"), "not a web page"),
        (Resource(status=404, body=b"gone"), "answered 404 Not Found"),
        (Resource(status=503, body=b"busy"), "answered 503"),
        (Resource(status=302), "redirect (302) without a target"),
    ],
)
async def test_bad_answers_are_polite_errors(web: FakeWeb, resource: Resource, message: str) -> None:
    web.add("/x", resource)
    async with Fetcher(fetch_settings()) as fetcher:
        with pytest.raises(FetchError, match=re.escape(message)) as caught:
            await fetcher.fetch(web.url("/x"))
    assert "\n" not in str(caught.value)


async def test_feeds_are_accepted_under_loose_content_types(web: FakeWeb) -> None:
    web.feed("/plain", "<rss/>", content_type="text/plain")
    web.feed("/octet", "<rss/>", content_type="application/octet-stream")
    web.feed("/png", "<rss/>", content_type="image/png")
    async with Fetcher(fetch_settings()) as fetcher:
        assert (await fetcher.fetch(web.url("/plain"), want="feed")).body == b"<rss/>"
        assert (await fetcher.fetch(web.url("/octet"), want="feed")).body == b"<rss/>"
        with pytest.raises(FetchError, match="not a feed"):
            await fetcher.fetch(web.url("/png"), want="feed")


async def test_slow_servers_time_out(web: FakeWeb) -> None:
    web.add("/late", Resource(body=b"<p>late</p>", delay=3.0))
    web.add("/drip", Resource(body=b"<p>" + b"x" * 20_000 + b"</p>", drip=0.1))
    settings = fetch_settings(timeout=timedelta(seconds=0.5))
    async with Fetcher(settings) as fetcher:
        for path in ("/late", "/drip"):
            with pytest.raises(FetchError, match=r"in time|within 0\.5 s"):
                await fetcher.fetch(web.url(path))


async def test_a_closed_port_is_a_polite_error() -> None:
    async with FakeWeb() as gone:
        port = gone.port
    async with Fetcher(fetch_settings()) as fetcher:
        with pytest.raises(FetchError, match="cannot connect"):
            await fetcher.fetch(f"http://127.0.0.1:{port}/")


async def test_requests_per_host_are_limited(web: FakeWeb) -> None:
    for i in range(6):
        web.add(f"/p{i}", Resource(body=b"<p>ok</p>", delay=0.2))
    async with Fetcher(fetch_settings(per_host_concurrency=2)) as fetcher:
        await asyncio.gather(*(fetcher.fetch(web.url(f"/p{i}")) for i in range(6)))
    assert web.max_in_flight == 2


async def test_gzip_bomb_on_the_wire_is_cut_off(web: FakeWeb) -> None:
    bomb = gzip.compress(b"<p>" + b"a" * 20_000_000)
    web.add("/bomb", Resource(body=bomb, headers={"Content-Encoding": "gzip"}))
    async with Fetcher(fetch_settings()) as fetcher:
        with pytest.raises(FetchError, match="larger than"):
            await fetcher.fetch(web.url("/bomb"))
