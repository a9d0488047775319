"""Sign an outgoing request: the headers to send, computed from method, URL, body and `now`.

Defaults follow what Mastodon sends and demands (FEDERATION.md#signed-post,
FEDERATION.md#signed-get, FEDERATION.md#cavage-default): draft-cavage with
`rsa-sha256` over `(request-target) host date digest content-type` on POST and
`(request-target) host date [accept]` on GET. RFC 9421 is offered for double-knocking.
Each retry must call this again with a new `now` (FEDERATION.md#sign-each-attempt).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Literal
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import rsa

from site_core.signatures import cavage, rfc9421
from site_core.signatures.algorithms import ED25519, RSA_V1_5_SHA256, sign_bytes
from site_core.signatures.digest import content_digest_header, digest_header
from site_core.signatures.model import SigningKey

__all__ = ["ACTIVITY_CONTENT_TYPE", "SignatureStyle", "http_date", "sign_request"]

SignatureStyle = Literal["cavage", "cavage-hs2019", "rfc9421"]
ACTIVITY_CONTENT_TYPE = "application/activity+json"

# Headers we always compute, so a caller's stale copy never gets signed.
_COMPUTED = frozenset({"host", "date", "digest", "content-digest", "signature", "signature-input"})
_DEFAULT_PORTS = {"https": 443, "http": 80}


def http_date(now: datetime) -> str:
    """IMF-fixdate in GMT, e.g. `Sun, 05 Jan 2014 21:31:40 GMT`."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return format_datetime(now.astimezone(UTC).replace(microsecond=0), usegmt=True)


def _host(url: str) -> tuple[str, str, str, str]:
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        raise ValueError(f"not an absolute URL: {url!r}")
    host = parts.hostname
    if ":" in host:
        host = f"[{host}]"
    if parts.port is not None and parts.port != _DEFAULT_PORTS.get(parts.scheme):
        host = f"{host}:{parts.port}"
    return parts.scheme, host, parts.path or "/", parts.query


def _default_covered(style: SignatureStyle, has_body: bool, has_accept: bool) -> tuple[str, ...]:
    if style == "rfc9421":
        if has_body:
            return ("@method", "@target-uri", "@authority", "content-digest", "content-type")
        return ("@method", "@target-uri", "@authority") + (("accept",) if has_accept else ())
    if has_body:
        return ("(request-target)", "host", "date", "digest", "content-type")
    return ("(request-target)", "host", "date") + (("accept",) if has_accept else ())


def sign_request(
    method: str,
    url: str,
    *,
    key: SigningKey,
    now: datetime,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    style: SignatureStyle = "cavage",
    include_query: bool = True,
    covered: Sequence[str] | None = None,
) -> dict[str, str]:
    """The full header set to send: the given ones plus Host, Date, digests and the signature.

    With a body: `Digest` always, `Content-Digest` too for rfc9421, and `Content-Type:
    application/activity+json` unless given. `include_query=False` signs the cavage
    request-target without the query (a double-knock variant,
    FEDERATION.md#double-knock). `covered` overrides
    the signed names (cavage header names or RFC 9421 component identifiers).
    """
    scheme, host, path, query = _host(url)
    given = dict(headers or {})
    out = {name: value for name, value in given.items() if name.lower() not in _COMPUTED}
    present = {name.lower() for name in out}
    out["Host"] = host
    out["Date"] = http_date(now)
    if body is not None:
        out["Digest"] = digest_header(body)
        if style == "rfc9421":
            out["Content-Digest"] = content_digest_header(body)
        if "content-type" not in present:
            out["Content-Type"] = ACTIVITY_CONTENT_TYPE
    names = tuple(covered) if covered is not None else None
    names = names or _default_covered(style, body is not None, "accept" in present)
    lowered = {name.lower(): value for name, value in out.items()}
    algorithm = RSA_V1_5_SHA256 if isinstance(key.private_key, rsa.RSAPrivateKey) else ED25519
    if style == "rfc9421":
        target = rfc9421.RequestTarget(method, scheme, host, path, query)
        out["Signature-Input"], out["Signature"] = _rfc9421_headers(
            names, target, lowered, key, algorithm, now
        )
    else:
        request = (method, path, query)
        out["Signature"] = _cavage_header(
            names, request, lowered, key, algorithm, now, style, include_query
        )
    return out


def _rfc9421_headers(
    names: tuple[str, ...],
    target: rfc9421.RequestTarget,
    headers: Mapping[str, str],
    key: SigningKey,
    algorithm: str,
    now: datetime,
) -> tuple[str, str]:
    """`Signature-Input` and `Signature` for RFC 9421, labelled `sig1`."""
    params = rfc9421.signature_params(names, created=now, key_id=key.key_id, algorithm=algorithm)
    base = rfc9421.signature_base(names, params, target, headers)
    if isinstance(base, str):
        raise ValueError(f"cannot sign {base}: the request does not have it")
    signature = sign_bytes(algorithm, key.private_key, base)
    return rfc9421.format_signature_headers("sig1", params, signature)


def _cavage_header(
    names: tuple[str, ...],
    request: tuple[str, str, str],
    headers: Mapping[str, str],
    key: SigningKey,
    algorithm: str,
    now: datetime,
    style: SignatureStyle,
    include_query: bool,
) -> str:
    """The draft-cavage `Signature` header for `request` = (method, path, query)."""
    missing = [n for n in names if n not in cavage.REQUEST_PSEUDO and n not in headers]
    if missing:
        raise ValueError(f"cannot sign {missing[0]}: the request does not have it")
    method, path, query = request
    text = cavage.signing_string(
        names, method, path, query, headers, created=now, include_query=include_query
    )
    signature = sign_bytes(algorithm, key.private_key, text.encode("utf-8"))
    label = "hs2019" if style == "cavage-hs2019" or algorithm == ED25519 else "rsa-sha256"
    created = now if cavage.CREATED in names else None
    return cavage.format_signature_header(key.key_id, label, names, signature, created=created)
