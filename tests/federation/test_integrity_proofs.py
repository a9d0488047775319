"""eddsa-jcs-2022 proofs (FEP-8b32) and Multikeys (FEP-521a): the published vectors, our own
documents, tampering, and offline JSON-LD expansion of what we publish."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

import pytest
from documents_sample import config, posts, public_key_pem
from fixtures_path import SIGNATURE_VECTORS
from offline_jsonld import expand, undefined_terms

from site_core.context import with_proof_terms
from site_core.errors import KeyMaterialError
from site_core.integrity_proofs import (
    BAD_PROOF,
    CONTEXT_MISMATCH,
    MALFORMED_PROOF,
    NO_PROOF,
    UNSUPPORTED_PROOF,
    ProofFailure,
    VerifiedProof,
    add_proof,
    assertion_key,
    proof_method,
    verify_proof,
)
from site_core.jcs import canonicalize
from site_core.keys import generate_ed25519_key
from site_core.multikey import (
    decode_multibase,
    ed25519_private_key_from_multibase,
    ed25519_public_key_from_multibase,
    encode_multibase,
    public_key_multibase,
)
from site_core.serialize import serialize
from site_gen.federation.actor import build_actor
from site_gen.federation.objects import build_object

VECTORS = json.loads((SIGNATURE_VECTORS / "eddsa-jcs-2022-test-vectors.json").read_text("utf-8"))
W3C = VECTORS["w3c_eddsa_jcs_2022"]
FEP_CASES = ["fep_8b32", "fep_8b32_previous"]


def test_w3c_vector_step_by_step() -> None:
    key = ed25519_private_key_from_multibase(W3C["keyPair"]["privateKeyMultibase"])
    assert public_key_multibase(key) == W3C["keyPair"]["publicKeyMultibase"]
    document = {name: value for name, value in W3C["signed"].items() if name != "proof"}
    assert canonicalize(document).decode("utf-8") == W3C["canonDoc"]
    assert canonicalize(W3C["proofConfig"]).decode("utf-8") == W3C["proofCanon"]
    assert hashlib.sha256(W3C["canonDoc"].encode()).hexdigest() == W3C["docHash"]
    proof = W3C["signed"]["proof"]
    signed = add_proof(document, key, proof["verificationMethod"], proof["created"])
    assert decode_multibase(signed["proof"]["proofValue"]) == bytes.fromhex(W3C["sigHex"])
    assert signed == W3C["signed"]
    assert verify_proof(W3C["signed"], key.public_key()) == VerifiedProof(
        proof["verificationMethod"], proof["created"]
    )


@pytest.mark.parametrize("case", FEP_CASES)
def test_fep_8b32_vectors_sign_and_verify(case: str) -> None:
    vector = VECTORS[case]
    key = ed25519_private_key_from_multibase(vector["secretKeyMultibase"])
    signed = add_proof(vector["document"], key, vector["verificationMethod"], vector["created"])
    assert signed == vector["signed"]
    # The verifier finds the key through the actor's assertionMethod, as a receiver does.
    method = proof_method(vector["signed"])
    assert method == vector["verificationMethod"]
    public = assertion_key(vector["actor"], method)
    assert public is not None
    assert isinstance(verify_proof(vector["signed"], public), VerifiedProof)


def _tamper(document: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    target = changed
    for name in path[:-1]:
        target = target[name]
    target[path[-1]] = value
    return changed


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        (("object", "content"), "Hello w0rld", BAD_PROOF),
        (("object", "location", "latitude"), 25.273963, BAD_PROOF),
        (("actor",), "https://server.example/users/mallory", BAD_PROOF),
        (("proof", "created"), "2023-02-24T23:36:39Z", BAD_PROOF),
        (("proof", "verificationMethod"), "https://server.example/users/alice#other", BAD_PROOF),
        (("proof", "proofValue"), "z" + "1" * 10, MALFORMED_PROOF),
        (("proof", "proofValue"), "not multibase", MALFORMED_PROOF),
        (("proof", "cryptosuite"), "eddsa-rdfc-2022", UNSUPPORTED_PROOF),
        (("proof", "proofPurpose"), "authentication", MALFORMED_PROOF),
        (("proof", "@context"), ["https://w3id.org/security/data-integrity/v2"], CONTEXT_MISMATCH),
        (("proof", "@context"), ["https://www.w3.org/ns/activitystreams"], BAD_PROOF),
        (("proof",), "a string", MALFORMED_PROOF),
    ],
)
def test_tampering_fails(path: tuple[str, ...], value: Any, reason: str) -> None:
    vector = VECTORS["fep_8b32"]
    public = assertion_key(vector["actor"], vector["verificationMethod"])
    assert public is not None
    result = verify_proof(_tamper(vector["signed"], path, value), public)
    assert isinstance(result, ProofFailure)
    assert result.reason == reason


def test_another_key_and_no_proof_fail() -> None:
    vector = VECTORS["fep_8b32"]
    other = generate_ed25519_key().public_key()
    assert verify_proof(vector["signed"], other) == ProofFailure(
        BAD_PROOF, "the signature does not match the document"
    )
    assert verify_proof(vector["document"], other).reason == NO_PROOF  # type: ignore[union-attr]


def test_assertion_key_needs_the_actor_to_control_the_key() -> None:
    actor = VECTORS["fep_8b32"]["actor"]
    method = VECTORS["fep_8b32"]["verificationMethod"]
    foreign = _tamper(actor, ("assertionMethod",), [dict(actor["assertionMethod"][0])])
    foreign["assertionMethod"][0]["controller"] = "https://server.example/users/mallory"
    assert assertion_key(foreign, method) is None
    assert assertion_key(actor, method + "-unknown") is None
    assert assertion_key({"id": actor["id"]}, method) is None


def test_multikey_round_trip_and_refusals() -> None:
    key = generate_ed25519_key()
    text = public_key_multibase(key)
    assert text.startswith("z6Mk")
    decoded = ed25519_public_key_from_multibase(text)
    assert decoded is not None
    assert public_key_multibase(decoded) == text
    assert ed25519_public_key_from_multibase("z" + "0OIl") is None  # not base58
    assert ed25519_public_key_from_multibase(encode_multibase(b"\x12\x00" + b"1" * 32)) is None
    assert decode_multibase(encode_multibase(b"\0\0abc")) == b"\0\0abc"
    with pytest.raises(KeyMaterialError):
        ed25519_private_key_from_multibase(text)  # a public key is not a secret one


def _signed_object() -> tuple[dict[str, Any], Any]:
    key = generate_ed25519_key()
    cfg = config()
    document = build_object(posts()[0], cfg)
    document["@context"] = with_proof_terms(document["@context"])
    signed = add_proof(document, key, cfg.urls.ed25519_key_id, "2024-05-01T10:00:00Z")
    return signed, key


def test_our_signed_object_verifies_after_serialization() -> None:
    signed, key = _signed_object()
    published = json.loads(serialize(signed))
    assert isinstance(verify_proof(published, key.public_key()), VerifiedProof)


def test_our_signed_object_and_actor_expand_offline_and_drop_no_term() -> None:
    signed, key = _signed_object()
    expanded = expand(json.loads(serialize(signed)))
    assert undefined_terms(expanded) == []
    proof = expanded[0]["https://w3id.org/security#proof"][0]["@graph"][0]
    assert proof["@type"] == ["https://w3id.org/security#DataIntegrityProof"]
    assert proof["https://w3id.org/security#proofPurpose"] == [
        {"@id": "https://w3id.org/security#assertionMethod"}
    ]
    actor = build_actor(
        config(), public_key_pem(), posts(), assertion_key=public_key_multibase(key)
    )
    expanded_actor = expand(json.loads(serialize(actor)))
    assert undefined_terms(expanded_actor) == []
    method = expanded_actor[0]["https://w3id.org/security#assertionMethod"][0]
    assert method["@type"] == ["https://w3id.org/security#Multikey"]
    assert method["https://w3id.org/security#controller"] == [{"@id": actor["id"]}]
    # The actor's own entry is what a verifier of our objects looks the key up in.
    found = assertion_key(actor, proof_method(signed) or "")
    assert found is not None
    assert isinstance(verify_proof(signed, found), VerifiedProof)


def test_an_actor_without_the_key_has_no_assertion_method() -> None:
    actor = build_actor(config(), public_key_pem(), posts())
    assert "assertionMethod" not in actor
