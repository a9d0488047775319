"""The ids of the authorizations the function grants: what they say, readable back from the id
(sans-IO).

A quote authorization needs no table (FEDERATION.md#quote-consent): its id carries the quoted
post, the quoting post and the quoter, stamped with an HMAC of the function's stamp key
(`Settings.stamp_key`), so the route that serves it checks the stamp and rebuilds the
document; a forged or altered id fails the check. A reply authorization names the reply only:
the reply itself is in the store with the owner's decision, which the route reads
(FEDERATION.md#reply-authorization).

    /ap/authorizations/quote/<payload>.<stamp>   payload: base64url JSON [slug, quote, quoter]
    /ap/authorizations/reply/<reply id, base64url>
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass

from site_core.urls import SLUG_PATTERN, UrlScheme

__all__ = [
    "MAX_TOKEN",
    "QuoteGrant",
    "quote_authorization_id",
    "read_quote_token",
    "read_reply_token",
    "reply_authorization_id",
]

MAX_TOKEN = 8_192  # longer tokens are refused before any decoding
_STAMP_BYTES = 16


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


@dataclass(frozen=True)
class QuoteGrant:
    """One quote authorized: our post (by slug), the quoting post and who wrote it."""

    slug: str
    quote_id: str
    quoter_id: str


def _stamp(key: bytes, payload: str) -> str:
    return _encode(
        hmac.new(key, f"quote\n{payload}".encode(), hashlib.sha256).digest()[:_STAMP_BYTES]
    )


def quote_authorization_id(key: bytes, urls: UrlScheme, grant: QuoteGrant) -> str:
    """The id (and URL) of the QuoteAuthorization of `grant`, the same every time."""
    payload = _encode(json.dumps([grant.slug, grant.quote_id, grant.quoter_id]).encode())
    return urls.authorization("quote", f"{payload}.{_stamp(key, payload)}")


def read_quote_token(key: bytes, token: str) -> QuoteGrant | None:
    """The grant a token states, or None when it is malformed or its stamp does not verify."""
    if len(token) > MAX_TOKEN or token.count(".") != 1:
        return None
    payload, stamp = token.split(".")
    if not hmac.compare_digest(_stamp(key, payload), stamp):
        return None
    raw = _decode(payload)
    try:
        fields = json.loads(raw) if raw is not None else None
    except ValueError:
        return None
    if not (
        isinstance(fields, list) and len(fields) == 3 and all(isinstance(f, str) for f in fields)
    ):
        return None
    slug, quote_id, quoter_id = fields
    return QuoteGrant(slug, quote_id, quoter_id) if SLUG_PATTERN.match(slug) else None


def reply_authorization_id(urls: UrlScheme, reply_id: str) -> str:
    """The id (and URL) of the ReplyAuthorization of the reply `reply_id`."""
    return urls.authorization("reply", _encode(reply_id.encode()))


def read_reply_token(token: str) -> str | None:
    """The reply id a token names, or None when it is not one."""
    if len(token) > MAX_TOKEN:
        return None
    raw = _decode(token)
    try:
        return raw.decode("utf-8") if raw else None
    except UnicodeDecodeError:
        return None
