"""Which network addresses the fetcher may visit: the rules of the SSRF guard, as pure functions.

A URL pasted into a chat or found in a feed must never make Briefbot reach its own machine, the
local network or a cloud metadata service. The fetcher resolves every host itself, refuses the
whole host when any of its addresses is not public, and connects only to an address that passed.
"""

from __future__ import annotations

import ipaddress
import re

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# RFC 6761: these names always mean this machine; refuse them before asking any resolver.
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
_NUMBER = re.compile(r"^(0x[0-9a-f]*|0[0-7]*|[1-9][0-9]*)$", re.I)


def ip_literal(host: str) -> IPAddress | None:
    """The address a host string denotes by itself, without DNS, or None for a name.

    Besides the usual dotted quad and IPv6 forms this accepts what ``inet_aton`` accepts and
    browsers honour — ``2130706433``, ``0x7f000001``, ``0177.0.0.1``, ``127.1`` — because a
    resolver would turn them into the same addresses and they are a classic way round filters.
    """
    text = host.strip().strip("[]").rstrip(".")
    if "%" in text:  # a zone index (fe80::1%eth0): link-local by definition, keep the address
        text = text.split("%", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    parts = text.split(".")
    if not 1 <= len(parts) <= 4 or not all(_NUMBER.match(p) for p in parts):
        return None
    numbers = [_number(p) for p in parts]
    # a, a.b, a.b.c, a.b.c.d: the last part fills the remaining bytes.
    limits = [256] * (len(numbers) - 1) + [256 ** (5 - len(numbers))]
    if any(n >= limit for n, limit in zip(numbers, limits, strict=True)):
        return None
    value = 0
    for n in numbers[:-1]:
        value = value * 256 + n
    value = value * limits[-1] + numbers[-1]
    return ipaddress.IPv4Address(value)


def _number(part: str) -> int:
    lowered = part.lower()
    if lowered.startswith("0x"):
        return int(lowered[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        return int(part, 8)
    return int(part)


def is_local_name(host: str) -> bool:
    name = host.strip().rstrip(".").lower()
    return name in _LOCAL_NAMES or name.endswith(".localhost")


def refusal(ip: IPAddress) -> str | None:
    """Why the fetcher must not connect to ``ip``, or None when it is a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return "an IPv4-mapped IPv6 address"
        # Addresses that carry an IPv4 address inside (6to4, Teredo, NAT64) are judged by it.
        embedded = ip.sixtofour or (ip.teredo[1] if ip.teredo else None) or _nat64(ip)
        if embedded is not None and (inner := refusal(embedded)):
            return inner
    checks = (
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_loopback, "a loopback address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_reserved, "a reserved address"),
        (ip.is_private, "a private network address"),
        (not ip.is_global, "not a public address"),
    )
    for matched, reason in checks:
        if matched:
            return reason
    return None


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _nat64(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None
