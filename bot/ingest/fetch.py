"""The safe fetcher: every page and feed Briefbot downloads goes through ``Fetcher.fetch``.

What it guarantees, whoever supplied the URL (a chat user, a feed, a redirect):

- only ``http``/``https``; at most ``[fetch] max_redirects`` redirects, followed one by one so
  that every hop passes the same checks; redirect loops are reported as such;
- no loopback, private, link-local, multicast, reserved, unspecified or IPv4-mapped addresses
  (unless ``[fetch] allow_private_networks``). The check sits in the connection layer: the host
  is resolved once, every address it resolves to is vetted, and the socket is opened to a vetted
  address — so a DNS answer cannot change between the check and the connection (rebinding).
  TLS still verifies the certificate against the host name (SNI is the name, not the address);
- a whole-request timeout, a body cap (``max_bytes``, enforced while streaming, after gzip
  decoding), content-type checks before the body is read, a per-host concurrency limit and a
  User-Agent that says who we are.

Every refusal or failure is a ``FetchError`` whose message is one polite sentence.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from email.message import Message
from typing import Literal
from urllib.parse import urljoin

import httpcore
import httpx

from bot.ingest.addresses import IPAddress, ip_literal, is_local_name, refusal
from bot.ingest.canonical import shown_url
from bot.settings import FetchSettings
from summarizer.errors import FetchError

log = logging.getLogger(__name__)

Resolver = Callable[[str, int], Awaitable[Sequence[IPAddress]]]
# Why an address must not be visited (None: it may be). The rules are ``addresses.refusal``;
# tests substitute one that treats their loopback server as public, to test what follows.
AddressPolicy = Callable[[IPAddress], str | None]
Want = Literal["page", "feed"]

_REDIRECTS = {301, 302, 303, 307, 308}
_ACCEPT: dict[Want, str] = {
    "page": "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.5,*/*;q=0.1",
    "feed": "application/rss+xml,application/atom+xml,application/feed+json,application/xml;q=0.9,"
    "text/xml;q=0.9,*/*;q=0.1",
}
_PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain", ""})
_BINARY_PREFIXES = ("image/", "audio/", "video/", "font/", "model/", "multipart/")


class AddressRefused(FetchError):
    """The host is, or resolves to, an address the fetcher must not visit."""


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str  # where the body came from, after redirects
    status: int
    content_type: str  # media type in lower case, without parameters ("" when not sent)
    charset: str | None
    body: bytes
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        """A conditional request answered 304: nothing changed, there is no body to parse."""
        return self.status == 304


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    """Every address the operating system's resolver gives for ``host`` (off the event loop)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: dict[IPAddress, None] = {}
    for *_, sockaddr in infos:
        seen[ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])] = None
    return list(seen)


def vet_host(host: str, allow_private: bool, policy: AddressPolicy = refusal) -> IPAddress | None:
    """Refuse a host that names this machine or a non-public address by itself (no DNS);
    returns the address a literal host denotes, or None for a name that must be resolved."""
    literal = ip_literal(host)
    if allow_private:
        return literal
    if literal is not None:
        if reason := policy(literal):
            raise AddressRefused(f"{host} is {reason}")
        return literal
    if is_local_name(host):
        raise AddressRefused(f"{host} is this machine")
    return None


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """Opens TCP connections only to vetted addresses (see the module docstring)."""

    def __init__(self, resolver: Resolver, allow_private: bool, policy: AddressPolicy = refusal) -> None:
        self._resolver = resolver
        self._allow_private = allow_private
        self._policy = policy
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self.vetted_addresses(host, port)
        error: Exception = httpcore.ConnectError(f"cannot connect to {host}")
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error

    async def vetted_addresses(self, host: str, port: int) -> list[IPAddress]:
        literal = vet_host(host, self._allow_private, self._policy)
        if literal is not None:
            return [literal]
        try:
            addresses = list(await self._resolver(host, port))
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        if not addresses:
            raise httpcore.ConnectError(f"cannot resolve {host}")
        if not self._allow_private:
            # One bad address refuses the host: a name that mixes public and private answers
            # is exactly what a rebinding attack looks like.
            for address in addresses:
                if reason := self._policy(address):
                    raise AddressRefused(f"{host} resolves to {address}, {reason}")
        return addresses

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise AddressRefused("local sockets are never fetched")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport (request/response mapping, exceptions) over the guarded backend.

    httpx does not take a network backend as an argument, so the connection pool it builds is
    replaced by an identical one that has ours; tests that reach a loopback server through a
    resolved name (and are refused without ``allow_private_networks``) prove it is in use.
    """

    def __init__(self, backend: GuardedNetworkBackend, max_connections: int) -> None:
        super().__init__(trust_env=False, retries=0)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=max_connections,
            max_keepalive_connections=max(10, max_connections // 2),
            keepalive_expiry=5.0,
            network_backend=backend,
        )


class _HostLimiter:
    """At most ``limit`` requests in flight to one host; idle hosts cost no memory."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._slots: dict[str, tuple[asyncio.Semaphore, int]] = {}

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        semaphore, users = self._slots.get(host, (asyncio.Semaphore(self._limit), 0))
        self._slots[host] = (semaphore, users + 1)
        try:
            async with semaphore:
                yield
        finally:
            semaphore, users = self._slots[host]
            if users <= 1:
                del self._slots[host]
            else:
                self._slots[host] = (semaphore, users - 1)


class Fetcher:
    """One shared HTTP client with the safety rules; build it once (bot/app.py) and close it."""

    def __init__(
        self,
        settings: FetchSettings,
        *,
        resolver: Resolver | None = None,
        address_policy: AddressPolicy = refusal,
    ) -> None:
        self._settings = settings
        self._policy = address_policy
        self._backend = GuardedNetworkBackend(
            resolver or system_resolver, settings.allow_private_networks, address_policy
        )
        seconds = settings.timeout.total_seconds()
        self._client = httpx.AsyncClient(
            transport=_GuardedTransport(self._backend, max_connections=100),
            timeout=httpx.Timeout(seconds, connect=min(seconds, 10.0)),
            follow_redirects=False,  # followed by hand below: each hop is checked again
            trust_env=False,  # an environment proxy would bypass the address checks
            headers={"User-Agent": settings.user_agent},
        )
        self._hosts = _HostLimiter(settings.per_host_concurrency)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def fetch(
        self,
        url: str,
        *,
        want: Want = "page",
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Fetched:
        """GET ``url`` (following redirects safely); with ``etag``/``last_modified`` it asks
        conditionally and may return a body-less 304 (``Fetched.not_modified``)."""
        shown = shown_url(url)
        budget = self._settings.timeout.total_seconds()  # for all hops together
        loop = asyncio.get_running_loop()
        seen: set[str] = set()
        current = url
        for _hop in range(self._settings.max_redirects + 1):
            target = self._hop_target(url, current)
            if str(target) in seen:
                raise FetchError(f"could not fetch {shown}: it redirects in a loop")
            seen.add(str(target))
            headers = {"Accept": _ACCEPT[want]}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            # Waiting for a slot on a busy host does not count against the timeout.
            async with self._hosts.slot(target.host):
                started = loop.time()
                try:
                    async with asyncio.timeout(max(budget, 0.0)):
                        result = await self._one(target, headers, want, shown)
                except TimeoutError:
                    seconds = self._settings.timeout.total_seconds()
                    raise FetchError(
                        f"could not fetch {shown}: no complete answer within {seconds:g} s"
                    ) from None
                except AddressRefused as exc:  # found when connecting: the host resolved badly
                    raise self._refused(url, current, exc) from None
                budget -= loop.time() - started
            if isinstance(result, Fetched):
                return result
            current = result
        raise FetchError(f"could not fetch {shown}: more than {self._settings.max_redirects} redirects")

    def _hop_target(self, url: str, current: str) -> httpx.URL:
        """The next URL to request, after the checks that need no network."""
        try:
            target = _parse_web_url(current)
            vet_host(target.host, self._settings.allow_private_networks, self._policy)
        except _NotWeb as bad:
            if current == url:
                raise FetchError(f"{shown_url(url)} {bad}") from None
            raise FetchError(
                f"could not fetch {shown_url(url)}: it redirects to {shown_url(current)}, which {bad}"
            ) from None
        except AddressRefused as exc:
            raise self._refused(url, current, exc) from None
        return target

    @staticmethod
    def _refused(url: str, current: str, exc: AddressRefused) -> AddressRefused:
        via = "" if current == url else f" (it redirects to {shown_url(current)})"
        return AddressRefused(f"refusing to fetch {shown_url(url)}{via}: {exc}")

    async def _one(self, target: httpx.URL, headers: dict[str, str], want: Want, shown: str) -> Fetched | str:
        """One request: the response, or the URL a redirect points to."""
        try:
            async with self._client.stream("GET", target, headers=headers) as response:
                status = response.status_code
                if status in _REDIRECTS:
                    location = response.headers.get("Location", "").strip()
                    if not location:
                        raise FetchError(f"could not fetch {shown}: a redirect ({status}) without a target")
                    return str(urljoin(str(target), location))
                if status == 304:
                    if "If-None-Match" not in headers and "If-Modified-Since" not in headers:
                        # Nothing was asked conditionally: there is nothing it could be unchanged from.
                        raise FetchError(
                            f"could not fetch {shown}: the server answered 304 Not Modified to a request "
                            "that was not conditional"
                        )
                    return Fetched(
                        url=str(target),
                        status=304,
                        content_type="",
                        charset=None,
                        body=b"",
                        etag=response.headers.get("ETag"),
                        last_modified=response.headers.get("Last-Modified"),
                    )
                if status >= 400 or status < 200:
                    phrase = response.reason_phrase or ""
                    raise FetchError(
                        f"could not fetch {shown}: the server answered {status} {phrase}".rstrip()
                    )
                content_type, charset = _media_type(response.headers.get("Content-Type", ""))
                _check_type(content_type, want, shown)
                body = await self._read_capped(response, shown)
                return Fetched(
                    url=str(target),
                    status=status,
                    content_type=content_type,
                    charset=charset,
                    body=body,
                    etag=response.headers.get("ETag"),
                    last_modified=response.headers.get("Last-Modified"),
                )
        except FetchError:
            raise
        except httpx.TimeoutException:
            raise FetchError(f"could not fetch {shown}: the server did not answer in time") from None
        except (httpx.ConnectError, httpcore.ConnectError) as exc:
            raise FetchError(f"could not fetch {shown}: cannot connect ({_reason(exc)})") from None
        except httpx.DecodingError:
            raise FetchError(f"could not fetch {shown}: the response is not validly compressed") from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise FetchError(f"could not fetch {shown}: {_reason(exc)}") from None

    async def _read_capped(self, response: httpx.Response, shown: str) -> bytes:
        cap = self._settings.max_bytes
        too_big = FetchError(f"could not fetch {shown}: it is larger than the {_size(cap)} Briefbot reads")
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap:
            raise too_big
        chunks: list[bytes] = []
        total = 0
        async for chunk in response.aiter_bytes():  # decoded: a gzip bomb counts at full size
            total += len(chunk)
            if total > cap:
                raise too_big
            chunks.append(chunk)
        return b"".join(chunks)


class _NotWeb(Exception):
    """A URL the fetcher does not request; the message completes "<url> ..."."""


def _parse_web_url(url: str) -> httpx.URL:
    try:
        target = httpx.URL(url.strip())
    except (httpx.InvalidURL, ValueError, TypeError):
        raise _NotWeb("is not a valid URL") from None
    if target.scheme not in ("http", "https"):
        raise _NotWeb("is not a web address; only http:// and https:// URLs are fetched")
    if not target.host:
        raise _NotWeb("has no host name")
    return target.copy_with(fragment=None)


def _media_type(header: str) -> tuple[str, str | None]:
    message = Message()
    message["Content-Type"] = header
    media = message.get_content_type() if header.strip() else ""
    charset = message.get_param("charset")
    return media.lower(), (str(charset) if isinstance(charset, str) else None)


def _check_type(media: str, want: Want, shown: str) -> None:
    if want == "page":
        if media in _PAGE_TYPES:
            return
        raise FetchError(f"could not use {shown}: it is {media}, not a web page")
    # Feeds are served under many types (text/plain, octet-stream, text/html…); refuse only
    # what is certainly not one.
    if media.startswith(_BINARY_PREFIXES) or media in {"application/pdf", "application/zip"}:
        raise FetchError(f"could not use {shown}: it is {media}, not a feed")


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]


def _size(n: int) -> str:
    return f"{n / 1_000_000:g} MB" if n >= 1_000_000 else f"{n / 1000:g} kB"
