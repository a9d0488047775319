"""Followers collection synchronization (FEP-8fcf), the sans-IO part: digests, the header, the
partial collection.

A server that delivers a followers-addressed activity tells the receiving server, in the
`Collection-Synchronization` header, which partial followers collection it holds for it: the
followers whose id shares the receiver's scheme and authority, summed up as the XOR of the
SHA-256 of each id (FEDERATION.md#follower-sync). The receiver compares it with its own view
and, when they differ, fetches the partial collection with a signed GET. Everything here takes
strings and returns strings or values; the drain, the route and the inbox do the I/O.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from site_core.ids import parse_http_url

__all__ = [
    "EMPTY_DIGEST",
    "HEADER",
    "SyncHeader",
    "addresses",
    "authority_of",
    "format_header",
    "parse_header",
    "partial_collection",
    "partial_digest",
]

HEADER = "Collection-Synchronization"
# The digest of an empty partial collection: nothing XORed together.
EMPTY_DIGEST = "0" * 64
_AS = "https://www.w3.org/ns/activitystreams"
_AUDIENCE = ("to", "cc", "bto", "bcc", "audience")
# `name="value"` pairs, the syntax of the cavage `Signature` header (FEP-8fcf says so).
_PARAM = re.compile(r'\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*"([^"]*)"\s*(?:,|\Z)')
_HEX64 = re.compile(r"[0-9a-f]{64}\Z")
_MAX_HEADER = 4096


@dataclass(frozen=True, slots=True)
class SyncHeader:
    """A parsed `Collection-Synchronization` header; `digest` is lower-case hex."""

    collection_id: str
    url: str
    digest: str


def authority_of(url: str) -> str | None:
    """`scheme://host[:port]` of an http(s) URL (the FEP's "scheme and authority"), else None.

    The default port is left out, so `https://a.example:443/x` and `https://a.example/x` agree.
    """
    parts = parse_http_url(url)
    if parts is None:
        return None
    default = 443 if parts.scheme == "https" else 80
    port = "" if parts.port in (None, default) else f":{parts.port}"
    host = f"[{parts.host}]" if ":" in parts.host else parts.host
    return f"{parts.scheme}://{host}{port}"


def partial_digest(ids: Iterable[str]) -> str:
    """XOR of SHA-256 of each id (UTF-8), as 64 hex digits; `EMPTY_DIGEST` for none."""
    total = 0
    for actor_id in ids:
        total ^= int.from_bytes(hashlib.sha256(actor_id.encode("utf-8")).digest(), "big")
    return f"{total:064x}"


def format_header(collection_id: str, url: str, digest: str) -> str:
    """The header value, in the parameter order Mastodon writes it."""
    return f'collectionId="{collection_id}", url="{url}", digest="{digest}"'


def parse_header(value: str) -> SyncHeader | None:
    """The three parameters, or None for anything malformed (then the header is ignored)."""
    if len(value) > _MAX_HEADER:
        return None
    params: dict[str, str] = {}
    position = 0
    while position < len(value):
        match = _PARAM.match(value, position)
        if match is None or match.end() == position:
            return None
        params[match.group(1)] = match.group(2)
        position = match.end()
    collection_id, url = params.get("collectionId"), params.get("url")
    digest = params.get("digest", "").lower()
    if not collection_id or not url or _HEX64.match(digest) is None:
        return None
    return SyncHeader(collection_id, url, digest)


def addresses(activity: Mapping[str, Any], collection_id: str) -> bool:
    """True when the activity's audience fields name `collection_id` (a followers-addressed
    activity: the ones the FEP recommends the header for)."""
    for field in _AUDIENCE:
        value = activity.get(field)
        values = value if isinstance(value, list) else [value]
        for item in values:
            target = item.get("id") if isinstance(item, dict) else item
            if target == collection_id:
                return True
    return False


def partial_collection(document_id: str, items: Iterable[str]) -> dict[str, Any]:
    """The partial followers collection document: an `OrderedCollection` of ids, sorted."""
    ordered = sorted(items)
    return {
        "@context": _AS,
        "id": document_id,
        "type": "OrderedCollection",
        "totalItems": len(ordered),
        "orderedItems": ordered,
    }
