"""The inbox's input: a POST as it arrived, and which hosts it may have been signed for."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlsplit

from site_function.settings import Settings

if TYPE_CHECKING:
    from site_core.signatures import SignatureInput, VerificationFailure, VerifiedSignature

__all__ = [
    "InboxRequest",
    "SignatureCode",
    "is_activity_content_type",
    "our_authorities",
    "signature_code",
    "verify_received",
]

_AS_PROFILE = "https://www.w3.org/ns/activitystreams"


class InboxRequest(NamedTuple):
    """A POST as it arrived: raw path and query, lowercase headers, exact body bytes.
    A NamedTuple: one is built per request, in C (a frozen dataclass sets each field in
    Python, and compiles its methods at import)."""

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


class SignatureCode:
    """The signature checks the inbox runs on every request, imported on the first one (the
    cryptography they load stays out of the cold start) and then kept: an import statement
    in a function costs, call after call, more than several of the checks it fetches."""

    __slots__ = ("bad_signature", "failure", "parse_signature", "verify_request")

    def __init__(self) -> None:
        from site_core.signatures.model import BAD_SIGNATURE, VerificationFailure
        from site_core.signatures.verify import parse_signature, verify_request

        self.parse_signature = parse_signature
        self.verify_request = verify_request
        self.failure = VerificationFailure
        self.bad_signature = BAD_SIGNATURE


@functools.cache
def signature_code() -> SignatureCode:
    """The one `SignatureCode`, made on the first signed request."""
    return SignatureCode()


def verify_received(
    settings: Settings, request: InboxRequest, signature: SignatureInput, public_key: Any,
    now: datetime,
) -> VerifiedSignature | VerificationFailure:  # fmt: skip
    """A signed request checked against `public_key`, for the URL and hosts the sender could
    have used (the public base behind a rewriting proxy, else the request's own)."""
    target_uri = None
    if settings.public_base:
        query = f"?{request.query}" if request.query else ""
        target_uri = f"{settings.public_base.rstrip('/')}{request.path}{query}"
    ours = request.authorities
    return signature_code().verify_request(
        request.method,
        request.path,
        request.query,
        request.headers,
        request.body,
        public_key,
        now,
        signature=signature,
        scheme=request.scheme,
        target_uri=target_uri,
        expected_authorities=ours if ours is not None else our_authorities(settings),
    )


def is_activity_content_type(value: str) -> bool:
    """activity+json, or ld+json with the ActivityStreams profile (FEDERATION.md#activity-json)."""
    media, _, params = value.partition(";")
    media = media.strip().lower()
    if media == "application/activity+json":
        return True
    return media == "application/ld+json" and _AS_PROFILE in params
