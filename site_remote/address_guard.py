"""Refuse outgoing connections to internal addresses (server-side request forgery guard).

Every URL we fetch or post to comes from someone else's document (a keyId, an inbox, a
redirect), so a hostile server could point us at 127.0.0.1, the cloud metadata service at
169.254.169.254 or a private network. The decision is made on the RESOLVED address, after DNS
and before any connection, so a name that resolves to an internal address is refused as
surely as a literal one. Tests and local development pass `allow_private=True`.

Shared by both sides: the function's key fetches and deliveries, and the generator's build-time
WebFinger lookups, so a post's @mention cannot make a build reach an internal address either.
"""

from __future__ import annotations

import ipaddress
import socket

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

__all__ = [
    "AddressRefused",
    "GuardedResolver",
    "check_host_literal",
    "refusal_reason",
]

_IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Ranges `is_global` lets through in some Python versions but that are never a fediverse server.
_EXTRA_REFUSED = tuple(
    (ipaddress.ip_network(net), reason)
    for net, reason in (
        ("100.64.0.0/10", "shared (carrier-grade NAT)"),  # RFC 6598
        ("192.0.0.0/24", "reserved"),  # IETF protocol assignments
        ("198.18.0.0/15", "reserved"),  # benchmarking
        ("240.0.0.0/4", "reserved"),
        ("64:ff9b:1::/48", "private"),  # local-use NAT64 (RFC 8215)
        ("fc00::/7", "private"),  # unique local addresses
        ("fec0::/10", "site-local"),
        ("2001:db8::/32", "reserved"),  # documentation
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class AddressRefused(aiohttp.ClientConnectionError):
    """A host resolved to an address the guard refuses; nothing was sent.

    A `ClientConnectionError` so code that treats network failures generically stays correct,
    but callers that care (a fetch result, a delivery marked failed for good) can tell it apart.
    """

    def __init__(self, host: str, address: str, reason: str) -> None:
        self.host = host
        self.address = address
        self.reason = reason
        super().__init__(f"refused to connect to {host} ({address}): {reason} address")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def refusal_reason(address: str | _IPAddress) -> str | None:
    """Why an address must not be contacted ("loopback", "private", ...), or None if public.

    An unparseable address is refused: the guard fails closed.
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0] if isinstance(address, str) else address)
    except ValueError:
        return "unparseable"
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            reason = refusal_reason(inner)
            if reason is not None:
                return f"{reason} (embedded in IPv6)"
            if ip.ipv4_mapped is not None:
                return None  # ::ffff:a.b.c.d is exactly a.b.c.d
    for name in ("unspecified", "loopback", "link_local", "multicast", "private", "reserved"):
        if getattr(ip, f"is_{name}"):
            return name.replace("_", "-")
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        return "site-local"
    for net, reason in _EXTRA_REFUSED:
        if net.version == ip.version and ip in net:
            return reason
    if not ip.is_global:
        return "non-global"
    return None


def check_host_literal(host: str, *, allow_private: bool) -> None:
    """Refuse a URL whose host is an IP literal; names are checked by `GuardedResolver`.

    aiohttp skips the resolver for IP literals, so this check closes that path.
    """
    literal = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        ipaddress.ip_address(literal.split("%", 1)[0])
    except ValueError:
        return
    if allow_private:
        return
    reason = refusal_reason(literal)
    if reason is not None:
        raise AddressRefused(host, literal, reason)


class GuardedResolver(AbstractResolver):
    """Resolves through an inner resolver and refuses the name if any address is internal.

    Refusing the whole name (rather than dropping the bad addresses) keeps a name that mixes
    public and internal records, a common rebinding trick, from ever reaching the connector.
    """

    def __init__(self, inner: AbstractResolver, *, allow_private: bool = False) -> None:
        self._inner = inner
        self._allow_private = allow_private

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        if not self._allow_private:
            for result in results:
                reason = refusal_reason(result["host"])
                if reason is not None:
                    raise AddressRefused(host, result["host"], reason)
        return results

    async def close(self) -> None:
        await self._inner.close()

    def __repr__(self) -> str:
        return f"GuardedResolver({self._inner!r}, allow_private={self._allow_private})"
