"""draft-cavage HTTP Signatures: the `Signature` header every fediverse server speaks.

Parsing follows what Mastodon and GoToSocial accept (FEDERATION.md#signature-algorithms,
FEDERATION.md#signed-headers, FEDERATION.md#request-target-query): `algorithm` may be
`rsa-sha256`, `hs2019` or absent (= hs2019); `headers` may be absent (then `date`, or
`(created)` for hs2019); the pseudo-headers `(request-target)`, `(created)` and `(expires)`
are supported; names are lowercased. `Authorization: Signature ...` is read too.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from datetime import UTC, datetime

from site_core.signatures.model import (
    MALFORMED,
    SignatureInput,
    VerificationFailure,
)

__all__ = [
    "CREATED",
    "EXPIRES",
    "REQUEST_PSEUDO",
    "REQUEST_TARGET",
    "format_signature_header",
    "parse_cavage",
    "request_target",
    "signing_string",
]

REQUEST_TARGET = "(request-target)"
CREATED = "(created)"
EXPIRES = "(expires)"
REQUEST_PSEUDO = frozenset({REQUEST_TARGET, CREATED, EXPIRES})

_PARAM = re.compile(r'\s*([A-Za-z]+)\s*=\s*(?:"([^"]*)"|([^",\s]*))\s*(?:,|$)')
# The exact shape Mastodon sends (`format_signature_header`): one match gives what the
# parameter loop of `parse_cavage` would; any other header takes the loop.
_USUAL = re.compile(
    r'keyId="([^"]*)",algorithm="([^"]*)",(?:created=([0-9]+),)?headers="([^"]*)",'
    r'signature="([^"]*)"'
)


def _timestamp(text: str | None) -> datetime | VerificationFailure | None:
    if text is None:
        return None
    try:
        return datetime.fromtimestamp(float(text), UTC)
    except (ValueError, OverflowError, OSError):
        return VerificationFailure(MALFORMED, "created/expires is not a Unix time")


def parse_cavage(value: str) -> SignatureInput | VerificationFailure:
    """Parse a `Signature` header value (or the part after `Signature ` in Authorization)."""
    usual = _USUAL.fullmatch(value)
    if usual is not None:
        key_id, algorithm, created, headers, encoded = usual.groups()
        params = {"keyId": key_id, "algorithm": algorithm, "headers": headers}
        if created is not None:
            params["created"] = created
        params["signature"] = encoded
        return _signature_input(params)
    params = {}
    pos = 0
    end = len(value)
    while pos < end:
        # Anchored match at each position (not finditer, whose search would rescan the rest
        # of a malformed header from every offset).
        match = _PARAM.match(value, pos)
        if match is None:
            return VerificationFailure(MALFORMED, 'Signature header is not key="value" pairs')
        name, quoted, bare = match.groups()
        params[name] = quoted if quoted is not None else bare
        pos = match.end()
    return _signature_input(params)


def _signature_input(params: dict[str, str]) -> SignatureInput | VerificationFailure:
    """The parsed parameters, checked: keyId, base64 signature, headers, times."""
    key_id = params.get("keyId")
    encoded = params.get("signature")
    if not key_id or not encoded:
        return VerificationFailure(MALFORMED, "Signature header lacks keyId or signature")
    try:
        # What base64.b64decode(validate=True) calls, without its Python-level wrapper.
        signature = binascii.a2b_base64(encoded, strict_mode=True)
    except (binascii.Error, ValueError):
        return VerificationFailure(MALFORMED, "signature is not base64")
    algorithm = params.get("algorithm")
    default = CREATED if algorithm in (None, "hs2019") else "date"
    covered = tuple(params.get("headers", default).lower().split())
    if not covered:
        return VerificationFailure(MALFORMED, "headers parameter is empty")
    created = _timestamp(params.get("created"))
    expires = _timestamp(params.get("expires"))
    if isinstance(created, VerificationFailure):
        return created
    if isinstance(expires, VerificationFailure):
        return expires
    return SignatureInput(
        scheme="cavage",
        key_id=key_id,
        algorithm=algorithm,
        covered=covered,
        created=created,
        expires=expires,
        signature=signature,
    )


def request_target(method: str, path: str, query: str, *, include_query: bool = True) -> str:
    """`<lowercase method> <path>[?<query>]`, as Mastodon builds it
    (FEDERATION.md#request-target-query)."""
    target = path or "/"
    if query and include_query:
        target = f"{target}?{query}"
    return f"{method.lower()} {target}"


def signing_string(
    covered: tuple[str, ...],
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    *,
    created: datetime | None = None,
    expires: datetime | None = None,
    include_query: bool = True,
) -> str:
    """The text that is signed: one `name: value` line per covered name, in order.

    Every covered real header must be present in `headers` (lowercase names); the verifier
    checks that first so it can name the missing one.
    """
    lines = []
    for name in covered:
        if name == REQUEST_TARGET:
            value = request_target(method, path, query, include_query=include_query)
        elif name == CREATED:
            value = str(int(created.timestamp())) if created else ""
        elif name == EXPIRES:
            value = str(int(expires.timestamp())) if expires else ""
        else:
            value = headers[name].strip()
        lines.append(f"{name}: {value}")
    return "\n".join(lines)


def format_signature_header(
    key_id: str,
    algorithm: str,
    covered: tuple[str, ...],
    signature: bytes,
    *,
    created: datetime | None = None,
) -> str:
    """The `Signature` header in the exact parameter order Mastodon sends
    (FEDERATION.md#signed-post)."""
    encoded = base64.b64encode(signature).decode("ascii")
    stamp = f"created={int(created.timestamp())}," if created is not None else ""
    return (
        f'keyId="{key_id}",algorithm="{algorithm}",{stamp}headers="{" ".join(covered)}",'
        f'signature="{encoded}"'
    )
