"""Body digests: legacy `Digest` (RFC 3230) and RFC 9530 `Content-Digest`
(FEDERATION.md#digest, FEDERATION.md#rfc9421).

Both are computed over the exact body bytes sent or received, never over re-serialized JSON.
Checks return a reason constant or None, so the verifier can say which way a digest failed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from site_core.signatures.model import DIGEST_MISMATCH, UNSUPPORTED_ALGORITHM
from site_core.signatures.structured_fields import Item, parse_dictionary

__all__ = [
    "check_content_digest",
    "check_digest",
    "content_digest_header",
    "digest_header",
]

# Digest names (lowercase) -> hashlib constructor; Mastodon only accepts SHA-256
# (FEDERATION.md#digest).
_DIGEST_ALGORITHMS = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def digest_header(body: bytes) -> str:
    """`Digest` value: `SHA-256=<base64>`, the form Mastodon requires on POST
    (FEDERATION.md#signed-post)."""
    return "SHA-256=" + _b64(hashlib.sha256(body).digest())


def content_digest_header(body: bytes, algorithm: str = "sha-256") -> str:
    """RFC 9530 `Content-Digest` value, e.g. `sha-256=:<base64>:`."""
    return f"{algorithm}=:{_b64(_DIGEST_ALGORITHMS[algorithm](body).digest())}:"


def _body_digest(
    name: str, hasher: Callable[[bytes], Any], body: bytes, digests: dict[str, bytes] | None
) -> bytes:
    """The body's digest, computed once per algorithm when a verifier checks both headers."""
    if digests is None:
        return hasher(body).digest()  # type: ignore[no-any-return]
    digest = digests.get(name)
    if digest is None:
        digest = digests[name] = hasher(body).digest()
    return digest


def check_digest(value: str, body: bytes, digests: dict[str, bytes] | None = None) -> str | None:
    """None when a supported entry of a `Digest` list matches the body, else the reason.

    Names compare case-insensitively and the list may carry several entries; every supported
    entry must match (a sender listing a wrong SHA-512 beside a right SHA-256 is tampering).
    """
    checked = False
    for entry in value.split(","):
        name, sep, encoded = entry.strip().partition("=")
        name = name.strip().lower()
        hasher = _DIGEST_ALGORITHMS.get(name)
        if not sep or hasher is None:
            continue
        try:
            # What base64.b64decode(validate=True) calls, without its Python-level wrapper.
            expected = binascii.a2b_base64(encoded.strip(), strict_mode=True)
        except ValueError:
            return DIGEST_MISMATCH
        if not hmac.compare_digest(expected, _body_digest(name, hasher, body, digests)):
            return DIGEST_MISMATCH
        checked = True
    return None if checked else UNSUPPORTED_ALGORITHM


def check_content_digest(
    value: str, body: bytes, digests: dict[str, bytes] | None = None
) -> str | None:
    """None when the supported entries of a `Content-Digest` dictionary match the body."""
    try:
        members = parse_dictionary(value)
    except ValueError:
        return DIGEST_MISMATCH
    checked = False
    for name, member in members.items():
        hasher = _DIGEST_ALGORITHMS.get(name)
        if hasher is None:
            continue
        if not isinstance(member, Item) or not isinstance(member.value, bytes):
            return DIGEST_MISMATCH
        if not hmac.compare_digest(member.value, _body_digest(name, hasher, body, digests)):
            return DIGEST_MISMATCH
        checked = True
    return None if checked else UNSUPPORTED_ALGORITHM
