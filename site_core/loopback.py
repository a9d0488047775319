"""What counts as this machine: the loopback host names of the local loop.

A site whose `base_url` is on loopback (`http://localhost:8000`) is a site being tried out
on one machine: `site-gen serve` answers as that very origin, and the owner commands allow
deliveries to loopback followers without a flag. Public sites never get either.
"""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["LOOPBACK_NAMES", "is_loopback_host", "is_loopback_url"]

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def is_loopback_host(host: str | None) -> bool:
    """True for localhost, 127.0.0.1, ::1 (with or without brackets) and *.localhost."""
    if not host:
        return False
    name = host.strip().strip("[]").rstrip(".").lower()
    return name in LOOPBACK_NAMES or name.endswith(".localhost")


def is_loopback_url(url: str | None) -> bool:
    """True when `url`'s host is a loopback host (see `is_loopback_host`)."""
    if not url:
        return False
    try:
        return is_loopback_host(urlsplit(url.strip()).hostname)
    except ValueError:  # a malformed port or IPv6 literal: not a URL we can answer as
        return False
