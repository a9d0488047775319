"""The values signature code hands back: what was parsed, what was verified, why it failed.

Verification failures are expected outcomes (a stale delivery, a forged request), so they are
values with a reason constant the function maps to 401, never exceptions (STYLE.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, NamedTuple

from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

__all__ = [
    "BAD_SIGNATURE",
    "DIGEST_MISMATCH",
    "DIGEST_MISSING",
    "FUTURE",
    "MALFORMED",
    "MISSING_HEADER",
    "NO_SIGNATURE",
    "REASONS",
    "STALE",
    "UNSUPPORTED_ALGORITHM",
    "WEAK_COVERAGE",
    "WRONG_HOST",
    "SignatureInput",
    "SigningKey",
    "VerificationFailure",
    "VerifiedSignature",
]

NO_SIGNATURE = "no_signature"
MALFORMED = "malformed"
UNSUPPORTED_ALGORITHM = "unsupported_algorithm"
MISSING_HEADER = "missing_header"
WEAK_COVERAGE = "weak_coverage"
STALE = "stale"
FUTURE = "future"
DIGEST_MISSING = "digest_missing"
DIGEST_MISMATCH = "digest_mismatch"
BAD_SIGNATURE = "bad_signature"
WRONG_HOST = "wrong_host"  # signed for another server's host: a replay, not for us

REASONS = frozenset(
    {
        NO_SIGNATURE,
        MALFORMED,
        UNSUPPORTED_ALGORITHM,
        MISSING_HEADER,
        WEAK_COVERAGE,
        STALE,
        FUTURE,
        DIGEST_MISSING,
        DIGEST_MISMATCH,
        BAD_SIGNATURE,
        WRONG_HOST,
    }
)


@dataclass(frozen=True)
class SigningKey:
    """Our key and the id peers fetch it by (`<actor>#main-key`, UrlScheme.key_id).

    Ed25519 keys are accepted for tests and RFC 9421 vectors; peers verify RSA
    (FEDERATION.md#signature-algorithms).
    """

    key_id: str
    private_key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey = field(repr=False)


class SignatureInput(NamedTuple):
    """What a request's signature headers say, parsed before any key is known.

    The function reads `key_id` to fetch the key, then passes this object back to
    `verify_request` so the headers are not parsed twice. `algorithm` is the name the sender
    gave (cavage: rsa-sha256 or hs2019, None means hs2019; RFC 9421: the `alg` parameter).
    `covered` holds cavage header names or RFC 9421 component identifiers as serialized
    (`"@method"`, `"content-digest"`). A NamedTuple, not a frozen dataclass: one is built per
    signed request, and a tuple is built in C (the dataclass set each field in Python).
    """

    scheme: Literal["cavage", "rfc9421"]
    key_id: str
    algorithm: str | None
    covered: tuple[str, ...]
    created: datetime | None
    expires: datetime | None
    signature: bytes
    # RFC 9421: the label and the serialized `@signature-params` value it is checked with.
    label: str | None = None
    signature_params: str | None = None

    def __repr__(self) -> str:
        # The signature bytes and params are left out, as the dataclass's repr=False did.
        return (
            f"SignatureInput(scheme={self.scheme!r}, key_id={self.key_id!r},"
            f" algorithm={self.algorithm!r}, covered={self.covered!r},"
            f" created={self.created!r}, expires={self.expires!r}, label={self.label!r})"
        )


@dataclass(frozen=True)
class VerificationFailure:
    """Why a request's signature was not accepted; `detail` is safe to log (no secrets)."""

    reason: str
    detail: str


@dataclass(frozen=True)
class VerifiedSignature:
    """A signature that checked out: who signed (by key id), how, and over what."""

    key_id: str
    scheme: str
    algorithm: str
    covered: tuple[str, ...]
