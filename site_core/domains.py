"""Pure helpers on hosts and domains: what a domain block or a hold domain covers, and the
host an inbox breaker counts by. Shared by the function's store and the generator's pull."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from site_core.ids import parse_http_url

__all__ = ["domain_candidates", "host_of", "normalize_domain"]


@lru_cache(maxsize=8192)
def normalize_domain(domain: str) -> str:
    """Lower-case IDNA form of a domain, without a trailing dot (as blocks store it)."""
    text = domain.strip().rstrip(".").lower()
    if not text:
        return ""
    if text.isascii():
        # The idna codec returns ASCII text unchanged (or refuses it, and then it is kept as
        # is below): skip its slow per-label work, which every Follow paid.
        return text
    try:
        return text.encode("idna").decode("ascii")
    except UnicodeError:
        # Already-ASCII labels that the idna codec refuses (e.g. underscores) are kept as is.
        return text


@lru_cache(maxsize=8192)
def host_of(url: str) -> str:
    """The breaker unit of an inbox URL: lower-cased ``hostname[:port]`` (ports kept apart)."""
    parts = parse_http_url(url)
    if parts is None:
        return ""
    hostname = normalize_domain(parts.host)
    if ":" in hostname:  # an IPv6 literal
        hostname = f"[{hostname}]"
    return f"{hostname}:{parts.port}" if parts.port is not None else hostname


def domain_candidates(actor_id: str) -> list[str]:
    """The host of an actor id and each parent domain: the values a domain block may hold."""
    return list(_domain_candidates(actor_id))


@lru_cache(maxsize=8192)
def _domain_candidates(actor_id: str) -> tuple[str, ...]:
    # Cached: every inbox request checks blocks, and parsing the URL and trying it as an IP
    # address cost more than the SQL lookup itself.
    parts = parse_http_url(actor_id)
    hostname = normalize_domain(parts.host) if parts is not None else ""
    if not hostname:
        return ()
    try:
        ipaddress.ip_address(hostname)
    except ValueError:
        pass
    else:
        return (hostname,)  # an address has no parent domains
    labels = hostname.split(".")
    return tuple(".".join(labels[i:]) for i in range(len(labels)))
