"""RFC 9421 HTTP Message Signatures: `Signature-Input` + `Signature` (FEDERATION.md#rfc9421).

Mastodon validates these from 4.4/4.5 and Fedify-based senders knock with them first. The
signature base is built from derived components (`@method`, `@target-uri`, `@authority`,
`@scheme`, `@request-target`, `@path`, `@query`) and header fields, then the
`@signature-params` line, exactly as RFC 9421 section 2.5 lays it out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import NamedTuple

from site_core.signatures.model import (
    MALFORMED,
    SignatureInput,
    VerificationFailure,
)
from site_core.signatures.structured_fields import (
    InnerList,
    Item,
    Token,
    parse_dictionary,
    serialize_inner_list,
    serialize_item,
)

__all__ = [
    "DERIVED_COMPONENTS",
    "RequestTarget",
    "component_value",
    "parse_rfc9421",
    "signature_base",
    "signature_params",
]

DERIVED_COMPONENTS = frozenset(
    {"@method", "@target-uri", "@authority", "@scheme", "@request-target", "@path", "@query"}
)
_DEFAULT_PORTS = {"https": "443", "http": "80"}


class RequestTarget(NamedTuple):
    """Where the request was sent, as the sender saw it (the function's public base URL).
    A NamedTuple: one is built per signed request, in C."""

    method: str
    scheme: str
    authority: str
    path: str
    query: str

    @property
    def target_uri(self) -> str:
        suffix = f"?{self.query}" if self.query else ""
        authority = normalize_authority(self.authority, self.scheme)
        return f"{self.scheme.lower()}://{authority}{self.path or '/'}{suffix}"


def normalize_authority(authority: str, scheme: str) -> str:
    """Lowercase host, default port dropped (RFC 9421 2.2.3)."""
    authority = authority.strip().lower()
    host, sep, port = authority.rpartition(":")
    if sep and "]" not in port and port == _DEFAULT_PORTS.get(scheme):
        return host
    return authority


def component_value(name: str, target: RequestTarget, headers: Mapping[str, str]) -> str | None:
    """The value of one covered component, or None when the request lacks it."""
    if name == "@method":
        return target.method.upper()
    if name == "@target-uri":
        return target.target_uri
    if name == "@authority":
        return normalize_authority(target.authority, target.scheme)
    if name == "@scheme":
        return target.scheme.lower()
    if name == "@request-target":
        return f"{target.path or '/'}?{target.query}" if target.query else target.path or "/"
    if name == "@path":
        return target.path or "/"
    if name == "@query":
        return f"?{target.query}"
    value = headers.get(name)
    return None if value is None else value.strip()


def signature_base(
    covered: tuple[str, ...], params: str, target: RequestTarget, headers: Mapping[str, str]
) -> bytes | str:
    """The signature base as bytes, or the name of the first covered component missing."""
    lines = []
    for name in covered:
        value = component_value(name, target, headers)
        if value is None:
            return name
        lines.append(f'"{name}": {value}')
    lines.append(f'"@signature-params": {params}')
    return "\n".join(lines).encode("utf-8")


def signature_params(
    covered: tuple[str, ...],
    *,
    created: datetime | None,
    key_id: str,
    algorithm: str | None,
    expires: datetime | None = None,
    nonce: str | None = None,
) -> str:
    """Serialize `@signature-params` in the order created, keyid, alg, expires, nonce."""
    params: dict[str, int | str] = {}
    if created is not None:
        params["created"] = int(created.timestamp())
    params["keyid"] = key_id
    if algorithm is not None:
        params["alg"] = algorithm
    if expires is not None:
        params["expires"] = int(expires.timestamp())
    if nonce is not None:
        params["nonce"] = nonce
    items = tuple(Item(name, {}) for name in covered)
    return serialize_inner_list(InnerList(items, dict(params)))


def _timestamp(value: object) -> datetime | VerificationFailure | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        return VerificationFailure(MALFORMED, "created/expires must be integers")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (ValueError, OverflowError, OSError):
        return VerificationFailure(MALFORMED, "created/expires out of range")


def _covered_names(inner: InnerList) -> tuple[str, ...] | VerificationFailure:
    names: list[str] = []
    for item in inner.items:
        if not isinstance(item.value, str) or isinstance(item.value, Token):
            return VerificationFailure(MALFORMED, "covered components must be strings")
        if item.params:
            # ;sf ;key ;bs ;req ;name re-serialize values; no fediverse sender uses them.
            return VerificationFailure(MALFORMED, "component parameters are not supported")
        name = item.value
        if name.startswith("@") and name not in DERIVED_COMPONENTS:
            return VerificationFailure(MALFORMED, f"unsupported derived component {name}")
        if name != name.lower() or name in names:
            return VerificationFailure(MALFORMED, f"bad or repeated component {name}")
        names.append(name)
    return tuple(names)


def parse_rfc9421(signature_input: str, signature: str) -> SignatureInput | VerificationFailure:
    """Parse the first label present in both headers (senders add one signature each)."""
    try:
        inputs = parse_dictionary(signature_input)
        signatures = parse_dictionary(signature)
    except ValueError as exc:
        return VerificationFailure(MALFORMED, str(exc))
    for label, inner in inputs.items():
        value = signatures.get(label)
        if value is None:
            continue
        if not isinstance(inner, InnerList):
            return VerificationFailure(MALFORMED, f"Signature-Input {label} is not a list")
        if not isinstance(value, Item) or not isinstance(value.value, bytes):
            return VerificationFailure(MALFORMED, f"Signature {label} is not a byte sequence")
        covered = _covered_names(inner)
        if isinstance(covered, VerificationFailure):
            return covered
        key_id = inner.params.get("keyid")
        alg = inner.params.get("alg")
        if not isinstance(key_id, str) or not key_id:
            return VerificationFailure(MALFORMED, "Signature-Input lacks a keyid")
        if alg is not None and not isinstance(alg, str):
            return VerificationFailure(MALFORMED, "alg must be a string")
        created = _timestamp(inner.params.get("created"))
        expires = _timestamp(inner.params.get("expires"))
        if isinstance(created, VerificationFailure):
            return created
        if isinstance(expires, VerificationFailure):
            return expires
        return SignatureInput(
            scheme="rfc9421",
            key_id=key_id,
            algorithm=alg,
            covered=covered,
            created=created,
            expires=expires,
            signature=value.value,
            label=label,
            signature_params=serialize_inner_list(inner),
        )
    return VerificationFailure(MALFORMED, "no label appears in both Signature-Input and Signature")


def format_signature_headers(label: str, params: str, signature: bytes) -> tuple[str, str]:
    """(`Signature-Input`, `Signature`) header values for one label."""
    return f"{label}={params}", f"{label}={serialize_item(signature)}"
