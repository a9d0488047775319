"""draft-cavage signatures: the published vectors, and sign -> verify round trips."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from fixtures_path import SIGNATURE_VECTORS

from site_core.keys import load_private_key, load_public_key
from site_core.signatures import (
    WEAK_COVERAGE,
    SigningKey,
    VerificationFailure,
    VerifiedSignature,
    digest_header,
    parse_signature,
    sign_request,
    verify_request,
)

VECTORS = SIGNATURE_VECTORS / "draft-cavage-appendix-c.json"
KEYS = Path(__file__).resolve().parent / "signature_keys"
NOW = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)


def _vectors() -> dict[str, Any]:
    return json.loads(VECTORS.read_text(encoding="utf-8"))


def _vector_request(data: dict[str, Any]) -> tuple[str, str, dict[str, str], bytes]:
    request = data["request"]
    path, _, query = request["path"].partition("?")
    headers = {name.lower(): value for name, value in request["headers"]}
    return path, query, headers, request["body"].encode()


def _vector_now(data: dict[str, Any]) -> datetime:
    headers = dict(data["request"]["headers"])
    return parsedate_to_datetime(headers["Date"])


CASES = [case["name"] for case in _vectors()["cases"]]


@pytest.mark.parametrize("name", CASES)
def test_appendix_c_vectors_verify(name: str) -> None:
    data = _vectors()
    case = next(c for c in data["cases"] if c["name"] == name)
    # The Appendix C key is RSA-1024, which load_public_key rightly refuses; load it raw.
    public_key = serialization.load_pem_public_key(data["publicKeyPem"].encode())
    path, query, headers, body = _vector_request(data)
    headers["signature"] = case["signatureHeader"]
    result = verify_request(
        "POST", path, query, headers, body, public_key, _vector_now(data), require_strength=False
    )
    assert result == VerifiedSignature(
        "Test", "cavage", "rsa-v1_5-sha256", tuple((case["headersParam"] or "date").split())
    )


@pytest.mark.parametrize("name", CASES)
def test_appendix_c_vectors_reproduce_when_signing(name: str) -> None:
    data = _vectors()
    case = next(c for c in data["cases"] if c["name"] == name)
    private_key = serialization.load_pem_private_key(data["privateKeyPem"].encode(), None)
    request = data["request"]
    given = {k: v for k, v in request["headers"] if k in ("Content-Type", "Content-Length")}
    signed = sign_request(
        "POST",
        "http://example.com" + request["path"],
        key=SigningKey("Test", private_key),  # type: ignore[arg-type]
        now=_vector_now(data),
        body=request["body"].encode(),
        headers=given,
        covered=(case["headersParam"] or "date").split(),
    )
    assert signed["Host"] == "example.com"
    assert signed["Date"] == "Sun, 05 Jan 2014 21:31:40 GMT"
    assert signed["Digest"] == dict(request["headers"])["Digest"]
    assert signed["Content-Type"] == "application/json"
    if case["headersParam"] is None:
        # C.1 omits headers= (the default); the signature bytes must still be identical.
        expected = case["signatureHeader"].rsplit("signature=", 1)[1]
        assert signed["Signature"].rsplit("signature=", 1)[1] == expected
    else:
        assert signed["Signature"] == case["signatureHeader"]


def test_appendix_c_default_headers_fail_the_inbox_policy() -> None:
    data = _vectors()
    public_key = serialization.load_pem_public_key(data["publicKeyPem"].encode())
    path, query, headers, body = _vector_request(data)
    headers["signature"] = data["cases"][0]["signatureHeader"]
    result = verify_request("POST", path, query, headers, body, public_key, _vector_now(data))
    assert isinstance(result, VerificationFailure)
    assert result.reason == WEAK_COVERAGE


def _alice() -> SigningKey:
    key = load_private_key((KEYS / "alice-rsa.pem").read_bytes())
    return SigningKey("https://alice.example/ap/actor#main-key", key)


def _bob_ed25519() -> SigningKey:
    key = serialization.load_pem_private_key((KEYS / "bob-ed25519.pem").read_bytes(), None)
    return SigningKey("https://bob.example/users/bob#main-key", key)  # type: ignore[arg-type]


BODY = b'{"type":"Follow","actor":"https://alice.example/ap/actor"}'


@pytest.mark.parametrize("style", ["cavage", "cavage-hs2019", "rfc9421"])
def test_post_round_trip(style: str) -> None:
    key = _alice()
    signed = sign_request(
        "POST",
        "https://bob.example/inbox",
        key=key,
        now=NOW,
        body=BODY,
        style=style,  # type: ignore[arg-type]
    )
    assert signed["Content-Type"] == "application/activity+json"
    assert signed["Digest"] == digest_header(BODY)
    assert ("Content-Digest" in signed) == (style == "rfc9421")
    public = load_public_key(
        key.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    result = verify_request("POST", "/inbox", "", signed, BODY, public, NOW)
    assert isinstance(result, VerifiedSignature), result
    assert result.key_id == key.key_id
    assert result.algorithm == "rsa-v1_5-sha256"


def test_post_headers_match_mastodon_delivery_shape() -> None:
    signed = sign_request("POST", "https://bob.example/inbox", key=_alice(), now=NOW, body=BODY)
    assert list(signed) == ["Host", "Date", "Digest", "Content-Type", "Signature"]
    assert signed["Date"] == "Sun, 22 Nov 2026 12:00:00 GMT"
    assert signed["Signature"].startswith(
        'keyId="https://alice.example/ap/actor#main-key",algorithm="rsa-sha256",'
        'headers="(request-target) host date digest content-type",signature="'
    )


def test_get_signs_accept_and_host() -> None:
    signed = sign_request(
        "GET",
        "https://bob.example:8443/users/bob?page=1",
        key=_alice(),
        now=NOW,
        headers={"Accept": "application/activity+json"},
    )
    assert signed["Host"] == "bob.example:8443"
    assert 'headers="(request-target) host date accept"' in signed["Signature"]
    assert "Digest" not in signed
    result = verify_request(
        "GET", "/users/bob", "page=1", signed, b"", _alice().private_key.public_key(), NOW
    )
    assert isinstance(result, VerifiedSignature)


def test_caller_headers_are_kept_but_computed_ones_replaced() -> None:
    signed = sign_request(
        "POST",
        "https://bob.example/inbox",
        key=_alice(),
        now=NOW,
        body=BODY,
        headers={"content-type": "application/ld+json", "Date": "stale", "User-Agent": "x"},
    )
    assert signed["content-type"] == "application/ld+json"
    assert "Content-Type" not in signed
    assert signed["Date"] == "Sun, 22 Nov 2026 12:00:00 GMT"
    assert signed["User-Agent"] == "x"


@pytest.mark.parametrize("style", ["cavage", "cavage-hs2019", "rfc9421"])
def test_ed25519_round_trip(style: str) -> None:
    key = _bob_ed25519()
    signed = sign_request(
        "POST",
        "https://alice.example/ap/inbox",
        key=key,
        now=NOW,
        body=BODY,
        style=style,  # type: ignore[arg-type]
    )
    if style != "rfc9421":
        assert 'algorithm="hs2019"' in signed["Signature"]
    result = verify_request(
        "POST",
        "/ap/inbox",
        "",
        signed,
        BODY,
        key.private_key.public_key(),
        NOW,  # type: ignore[arg-type]
    )
    assert isinstance(result, VerifiedSignature)
    assert result.algorithm == "ed25519"


def test_parse_signature_gives_key_id_before_the_key_is_known() -> None:
    signed = sign_request("POST", "https://bob.example/inbox", key=_alice(), now=NOW, body=BODY)
    headers = {name.lower(): value for name, value in signed.items()}
    parsed = parse_signature("POST", "/inbox", "", headers)
    assert not isinstance(parsed, VerificationFailure)
    assert parsed.scheme == "cavage"
    assert parsed.key_id == "https://alice.example/ap/actor#main-key"
    assert parsed.algorithm == "rsa-sha256"
    assert parsed.covered == ("(request-target)", "host", "date", "digest", "content-type")
    result = verify_request(
        "POST",
        "/inbox",
        "",
        headers,
        BODY,
        _alice().private_key.public_key(),
        NOW,
        signature=parsed,
    )
    assert isinstance(result, VerifiedSignature)


def test_authorization_signature_header_is_read() -> None:
    signed = sign_request("POST", "https://bob.example/inbox", key=_alice(), now=NOW, body=BODY)
    signed["Authorization"] = "Signature " + signed.pop("Signature")
    result = verify_request(
        "POST", "/inbox", "", signed, BODY, _alice().private_key.public_key(), NOW
    )
    assert isinstance(result, VerifiedSignature)


def test_signing_a_header_the_request_lacks_is_a_bug() -> None:
    with pytest.raises(ValueError, match="accept"):
        sign_request(
            "GET", "https://bob.example/x", key=_alice(), now=NOW, covered=["host", "accept"]
        )
