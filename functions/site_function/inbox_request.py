"""The inbox's input: a POST as it arrived, and which hosts it may have been signed for."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from site_function.settings import Settings

__all__ = ["InboxRequest", "is_activity_content_type", "our_authorities"]

_AS_PROFILE = "https://www.w3.org/ns/activitystreams"


@dataclass(frozen=True)
class InboxRequest:
    """A POST as it arrived: raw path and query, lowercase headers, exact body bytes."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes
    scheme: str = "https"
    # The hosts (with port) a signature may name; None: those of the settings (`our_authorities`).
    authorities: frozenset[str] | None = None


def our_authorities(settings: Settings) -> frozenset[str]:
    """The hosts this function answers as: its public base (a rewriting proxy's, when set), the
    function's URL and the site's. A signature naming any other host was made for another server."""
    urls = (settings.public_base, settings.urls.fn, settings.base_url)
    return frozenset(urlsplit(url).netloc for url in urls if url)


def is_activity_content_type(value: str) -> bool:
    """activity+json, or ld+json with the ActivityStreams profile (FEDERATION.md#activity-json)."""
    media, _, params = value.partition(";")
    media = media.strip().lower()
    if media == "application/activity+json":
        return True
    return media == "application/ld+json" and _AS_PROFILE in params
