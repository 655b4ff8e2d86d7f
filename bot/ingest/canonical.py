"""One spelling per article URL, so the same story reached by different links is stored once."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from summarizer.errors import FetchError

_DEFAULT_PORTS = {"http": 80, "https": 443}

# Query parameters that only say how a reader arrived (campaigns, ad clicks, newsletters,
# social shares); they never change which article a page is.
_TRACKING_PREFIXES = ("utm_", "_hs", "mc_", "oly_", "pk_", "mtm_")
_TRACKING = frozenset(
    (
        "fbclid gclid gclsrc dclid gbraid wbraid msclkid yclid twclid ttclid li_fat_id igshid "
        "mkt_tok vero_id vero_conv wickedid rb_clickid s_cid ncid cmpid ocid sr_share "
        "at_medium at_campaign at_custom1 at_custom2 at_custom3 at_custom4 ito"
    ).split()
)


def is_web_url(text: str) -> bool:
    """Whether a command-line or chat argument is an http(s) URL rather than a path or text."""
    lowered = text.strip().lower()
    return lowered.startswith(("http://", "https://")) and len(lowered) > len("https://")


def canonical_url(url: str) -> str:
    """The URL with what does not identify the article removed: fragment, tracking parameters,
    default port, letter case of scheme and host. Raises ``FetchError`` for non-web URLs."""
    raw = url.strip()
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as exc:
        raise FetchError(f"{shown_url(raw)} is not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise FetchError(f"{shown_url(raw)} is not a web address; only http:// and https:// URLs are fetched")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise FetchError(f"{shown_url(raw)} has no host name")
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host.lower()
    except UnicodeError:
        raise FetchError(f"{shown_url(raw)} has an invalid host name") from None
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = _requote(parts.path) or "/"
    query = urlencode(
        sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)),
        quote_via=quote,
    )
    return urlunsplit((scheme, netloc, path, query, ""))


def _is_tracking(key: str) -> bool:
    lowered = key.lower()
    return lowered in _TRACKING or lowered.startswith(_TRACKING_PREFIXES)


_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _requote(path: str) -> str:
    """Percent-encoding in one spelling: ``%7e`` is ``~``, ``%2f`` stays an escape (``%2F``), and
    spaces or non-ASCII letters are escaped."""

    def one(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else "%" + match.group(1).upper()

    return quote(_ESCAPE.sub(one, path), safe="/:@!$&'()*+,;=-._~%")


def shown_url(url: str) -> str:
    """A URL as it may appear in a message: bounded, and without credentials."""
    try:
        parts = urlsplit(url)
        if parts.username or parts.password:
            url = urlunsplit(parts._replace(netloc=parts.hostname or ""))
    except ValueError:
        pass
    return url if len(url) <= 200 else url[:197] + "..."
