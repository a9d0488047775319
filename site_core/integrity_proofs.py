"""`eddsa-jcs-2022` Data Integrity proofs (FEP-8b32): add one to a document, verify one.

The cryptosuite of W3C Data Integrity EdDSA, section 3.3: the proof options (the proof without
`proofValue`, carrying the document's `@context`) and the document without its proof are each
canonicalized with JCS (`site_core.jcs`) and hashed with SHA-256; Ed25519 signs the two hashes,
options first. Pure: the key, the document and `created` come in, a document goes out; nothing
reads a clock, so a post's object signed with its own date is the same bytes on every build
(FEDERATION.md#integrity-proofs). Verification results are values (`VerifiedProof` or
`ProofFailure` with a reason), never exceptions, whatever the document holds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

from site_core.jcs import CanonicalizationError, canonicalize
from site_core.multikey import (
    decode_multibase,
    ed25519_public_key_from_multibase,
    encode_multibase,
)

__all__ = [
    "BAD_PROOF",
    "CONTEXT_MISMATCH",
    "CRYPTOSUITE",
    "MALFORMED_PROOF",
    "NO_PROOF",
    "PROOF_TYPE",
    "UNSUPPORTED_PROOF",
    "ProofFailure",
    "ProofKey",
    "VerifiedProof",
    "add_proof",
    "assertion_key",
    "proof_form_failure",
    "proof_method",
    "verify_proof",
]

CRYPTOSUITE = "eddsa-jcs-2022"
PROOF_TYPE = "DataIntegrityProof"
_PURPOSE = "assertionMethod"

NO_PROOF = "no_proof"
MALFORMED_PROOF = "malformed_proof"
UNSUPPORTED_PROOF = "unsupported_proof"
CONTEXT_MISMATCH = "context_mismatch"
BAD_PROOF = "bad_proof"


@dataclass(frozen=True)
class ProofKey:
    """An Ed25519 private key and the `verificationMethod` (key id) its proofs name."""

    verification_method: str
    private_key: ed25519.Ed25519PrivateKey = field(repr=False, compare=False)


@dataclass(frozen=True)
class VerifiedProof:
    """A proof that verified: which key made it, and when it says it was made."""

    verification_method: str
    created: str | None


@dataclass(frozen=True)
class ProofFailure:
    """Why a document's proof is not trusted (one of the reason constants), with detail."""

    reason: str
    detail: str


def _hash_data(options: Mapping[str, Any], unsecured: Mapping[str, Any]) -> bytes:
    """What Ed25519 signs: SHA-256 of the canonical options, then of the canonical document."""
    return (
        hashlib.sha256(canonicalize(options)).digest()
        + hashlib.sha256(canonicalize(unsecured)).digest()
    )


def add_proof(
    document: Mapping[str, Any],
    key: ed25519.Ed25519PrivateKey,
    verification_method: str,
    created: str,
) -> dict[str, Any]:
    """`document` with an `eddsa-jcs-2022` proof by `key` (any earlier `proof` replaced).

    `created` is an XML Schema dateTime (`2024-05-01T10:00:00Z`); the caller chooses it, so
    the same inputs always give the same bytes (Ed25519 signatures are deterministic).
    """
    unsecured = {name: value for name, value in document.items() if name != "proof"}
    options: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "verificationMethod": verification_method,
        "proofPurpose": _PURPOSE,
        "created": created,
    }
    if "@context" in unsecured:
        options["@context"] = unsecured["@context"]
    signature = key.sign(_hash_data(options, unsecured))
    return {**unsecured, "proof": {**options, "proofValue": encode_multibase(signature)}}


def proof_method(document: Mapping[str, Any]) -> str | None:
    """The `verificationMethod` a document's proof names, to look its key up; None if none."""
    proof = document.get("proof")
    method = proof.get("verificationMethod") if isinstance(proof, dict) else None
    return method if isinstance(method, str) else None


def verify_proof(
    document: Mapping[str, Any], key: ed25519.Ed25519PublicKey
) -> VerifiedProof | ProofFailure:
    """Check the document's `eddsa-jcs-2022` proof against `key` (section 3.3.2 of the suite).

    The caller has found `key` from `proof_method(document)` and checked that it belongs to
    whom the document speaks for (`assertion_key`).
    """
    unusable = proof_form_failure(document)
    if unusable is not None:
        return unusable
    proof = document["proof"]
    signature = decode_multibase(proof.get("proofValue", "") or "")
    if signature is None or len(signature) != 64:
        return ProofFailure(MALFORMED_PROOF, "proofValue is not a base58btc Ed25519 signature")
    unsecured = {name: value for name, value in document.items() if name != "proof"}
    options = {name: value for name, value in proof.items() if name != "proofValue"}
    if "@context" in options:
        if not _starts_with(document.get("@context"), options["@context"]):
            return ProofFailure(CONTEXT_MISMATCH, "the proof's @context is not the document's")
        unsecured["@context"] = options["@context"]
    try:
        key.verify(signature, _hash_data(options, unsecured))
    except CanonicalizationError as exc:
        return ProofFailure(MALFORMED_PROOF, f"not canonicalizable: {exc}")
    except InvalidSignature:
        return ProofFailure(BAD_PROOF, "the signature does not match the document")
    created = proof.get("created")
    return VerifiedProof(proof["verificationMethod"], created if isinstance(created, str) else None)


def proof_form_failure(document: Mapping[str, Any]) -> ProofFailure | None:
    """Why the document's proof cannot be checked at all (none, not one object, not an
    `eddsa-jcs-2022` assertion), else None: read before any key is looked up for it."""
    proof = document.get("proof")
    if proof is None:
        return ProofFailure(NO_PROOF, "the document carries no proof")
    if not isinstance(proof, dict):
        return ProofFailure(MALFORMED_PROOF, "the proof must be one object")
    return _check_options(proof)


def _check_options(proof: Mapping[str, Any]) -> ProofFailure | None:
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        return ProofFailure(UNSUPPORTED_PROOF, f"only {PROOF_TYPE} with {CRYPTOSUITE} is checked")
    if proof.get("proofPurpose") != _PURPOSE:
        return ProofFailure(MALFORMED_PROOF, f"proofPurpose must be {_PURPOSE}")
    if not isinstance(proof.get("verificationMethod"), str):
        return ProofFailure(MALFORMED_PROOF, "verificationMethod must be a URL")
    if not isinstance(proof.get("proofValue"), str):
        return ProofFailure(MALFORMED_PROOF, "proofValue must be a string")
    return None


def _starts_with(context: Any, prefix: Any) -> bool:
    """The document's `@context` begins with the proof's, in order (a lone value is a list)."""
    have = context if isinstance(context, list) else [context]
    want = prefix if isinstance(prefix, list) else [prefix]
    return have[: len(want)] == want


def assertion_key(actor: Mapping[str, Any], method: str) -> ed25519.Ed25519PublicKey | None:
    """The Ed25519 key `method` names in the actor's `assertionMethod` (FEP-521a), if the actor
    controls it; None when the actor does not list it, so the proof does not speak for them."""
    entries = actor.get("assertionMethod")
    for entry in entries if isinstance(entries, list) else [entries]:
        if not isinstance(entry, dict) or entry.get("id") != method:
            continue
        if entry.get("type") != "Multikey" or entry.get("controller") != actor.get("id"):
            return None
        value = entry.get("publicKeyMultibase")
        return ed25519_public_key_from_multibase(value) if isinstance(value, str) else None
    return None
