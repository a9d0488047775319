"""RFC 9421: the RFC's own vectors verify (and reproduce where deterministic), plus policy."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from fixtures_path import SIGNATURE_VECTORS

from site_core.keys import load_private_key, load_public_key
from site_core.signatures import (
    BAD_SIGNATURE,
    MALFORMED,
    STALE,
    UNSUPPORTED_ALGORITHM,
    WEAK_COVERAGE,
    SigningKey,
    VerificationFailure,
    VerifiedSignature,
    parse_signature,
    sign_request,
    verify_request,
)
from site_core.signatures.algorithms import sign_bytes
from site_core.signatures.rfc9421 import RequestTarget, signature_base
from site_core.signatures.structured_fields import (
    InnerList,
    Item,
    Token,
    parse_dictionary,
    serialize_inner_list,
)

VECTORS = SIGNATURE_VECTORS / "rfc9421-test-vectors.json"
KEYS = Path(__file__).resolve().parent / "signature_keys"
NOW = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)


def _data() -> dict[str, Any]:
    return json.loads(VECTORS.read_text(encoding="utf-8"))


def _case(name: str) -> dict[str, Any]:
    return next(c for c in _data()["cases"] if c["name"] == name)


def _headers(case: dict[str, Any]) -> dict[str, str]:
    headers = {name.lower(): value for name, value in case["request"]["headers"]}
    headers["signature-input"] = case["signatureInput"]
    headers["signature"] = case["signature"]
    return headers


def _created(case: dict[str, Any]) -> datetime:
    parsed = parse_signature("POST", "/", "", _headers(case))
    assert not isinstance(parsed, VerificationFailure)
    assert parsed.created is not None
    return parsed.created


ASYMMETRIC = [c["name"] for c in _data()["cases"] if c["keyid"] != "test-shared-secret"]


@pytest.mark.parametrize("name", ASYMMETRIC)
def test_rfc_vectors_verify(name: str) -> None:
    case = _case(name)
    key_pem = _data()["keys"][case["keyid"]]["publicKeyPem"]
    request = case["request"]
    url = urlsplit(request["url"])
    result = verify_request(
        request["method"],
        url.path,
        url.query,
        _headers(case),
        request["body"].encode(),
        load_public_key(key_pem),
        _created(case),
        target_uri=request["url"],
        require_strength=False,
    )
    assert isinstance(result, VerifiedSignature), result
    assert result.key_id == case["keyid"]
    assert result.algorithm == _data()["keys"][case["keyid"]]["alg"]


@pytest.mark.parametrize("name", ASYMMETRIC)
def test_rfc_vectors_fail_once_tampered(name: str) -> None:
    case = _case(name)
    request = case["request"]
    headers = _headers(case)
    if name.startswith("B.2.1"):
        # B.2.1 covers no component at all: only its signature parameters can be altered.
        headers["signature-input"] = headers["signature-input"].replace("b3k2", "xxxx")
    else:
        headers["content-type"] = "text/plain"
        headers["date"] = "Wed, 21 Apr 2021 02:07:55 GMT"
    result = verify_request(
        request["method"],
        "/",
        "",
        headers,
        request["body"].encode(),
        load_public_key(_data()["keys"][case["keyid"]]["publicKeyPem"]),
        _created(case),
        target_uri=request["url"],
        require_strength=False,
    )
    assert isinstance(result, VerificationFailure)
    assert result.reason == BAD_SIGNATURE


def _base(case: dict[str, Any]) -> bytes:
    parsed = parse_signature("POST", "/", "", _headers(case))
    assert not isinstance(parsed, VerificationFailure)
    url = urlsplit(case["request"]["url"])
    target = RequestTarget(case["request"]["method"], url.scheme, url.netloc, url.path, url.query)
    base = signature_base(parsed.covered, parsed.signature_params or "", target, _headers(case))
    assert isinstance(base, bytes)
    return base


def _expected_signature(case: dict[str, Any]) -> bytes:
    label = case["signature"].split("=", 1)[0]
    member = parse_dictionary(case["signature"])[label]
    assert isinstance(member, Item)
    assert isinstance(member.value, bytes)
    return member.value


@pytest.mark.parametrize(
    ("name", "algorithm"),
    [("B.2.6 ed25519", "ed25519"), (ASYMMETRIC[-1], "rsa-v1_5-sha256")],
)
def test_deterministic_vectors_reproduce_when_signing(name: str, algorithm: str) -> None:
    case = _case(name)
    pem = _data()["keys"][case["keyid"]]["privateKeyPem"].encode()
    private_key = serialization.load_pem_private_key(pem, None)
    signature = sign_bytes(algorithm, private_key, _base(case))  # type: ignore[arg-type]
    assert signature == _expected_signature(case)


def test_hmac_vector_reproduces_but_is_never_accepted() -> None:
    case = _case("B.2.5 HMAC (hmac-sha256)")
    secret = base64.b64decode(_data()["keys"]["test-shared-secret"]["secretBase64"])
    assert hmac.new(secret, _base(case), hashlib.sha256).digest() == _expected_signature(case)
    headers = _headers(case)
    headers["signature-input"] = headers["signature-input"] + ';alg="hmac-sha256"'
    alice = load_private_key((KEYS / "alice-rsa.pem").read_bytes())
    result = verify_request(
        "POST", "/foo", "param=Value&Pet=dog", headers, b"", alice.public_key(), _created(case)
    )
    assert isinstance(result, VerificationFailure)
    assert result.reason == UNSUPPORTED_ALGORITHM


def test_signature_params_line_matches_the_rfc_text() -> None:
    base = _base(_case(ASYMMETRIC[-1])).decode()
    assert base.splitlines()[0] == '"@method": POST'
    assert base.splitlines()[1] == '"@authority": origin.host.internal.example'
    assert base.endswith(
        '"@signature-params": ("@method" "@authority" "@path" "content-digest" '
        '"content-type" "content-length" "forwarded");created=1618884480;'
        'keyid="test-key-rsa";alg="rsa-v1_5-sha256";expires=1618884540'
    )


ALICE = SigningKey(
    "https://alice.example/ap/actor#main-key",
    load_private_key((KEYS / "alice-rsa.pem").read_bytes()),
)
BODY = b'{"type":"Follow"}'


def _signed(url: str = "https://bob.example/inbox", **kwargs: Any) -> dict[str, str]:
    options: dict[str, Any] = {"key": ALICE, "now": NOW, "body": BODY, "style": "rfc9421"}
    options.update(kwargs)
    return sign_request("POST", url, **options)


def test_signed_shape_is_what_mastodon_validates() -> None:
    headers = _signed()
    assert headers["Signature-Input"] == (
        'sig1=("@method" "@target-uri" "@authority" "content-digest" "content-type");'
        f'created={int(NOW.timestamp())};keyid="{ALICE.key_id}";alg="rsa-v1_5-sha256"'
    )
    assert headers["Content-Digest"].startswith("sha-256=:")
    assert headers["Signature"].startswith("sig1=:")


def test_target_uri_from_the_public_base_url() -> None:
    # The function sits behind a proxy: Host and path differ from what the sender signed.
    headers = _signed("https://social.example/ap/inbox?x=1")
    headers["Host"] = "lambda.internal"
    public = ALICE.private_key.public_key()
    args = ("POST", "/default/fn", "", headers, BODY, public, NOW)
    result = verify_request(*args)
    assert isinstance(result, VerificationFailure)
    assert result.reason == BAD_SIGNATURE
    fixed = verify_request(*args, target_uri="https://social.example/ap/inbox?x=1")
    assert isinstance(fixed, VerifiedSignature)
    by_parts = verify_request(
        "POST", "/ap/inbox", "x=1", headers, BODY, public, NOW, authority="social.example:443"
    )
    assert isinstance(by_parts, VerifiedSignature)


def test_created_is_required_and_checked() -> None:
    headers = _signed()
    assert isinstance(
        verify_request(
            "POST",
            "/inbox",
            "",
            headers,
            BODY,
            ALICE.private_key.public_key(),
            NOW + timedelta(minutes=64),
        ),
        VerifiedSignature,
    )
    stale = verify_request(
        "POST",
        "/inbox",
        "",
        headers,
        BODY,
        ALICE.private_key.public_key(),
        NOW + timedelta(minutes=66),
    )
    assert isinstance(stale, VerificationFailure)
    assert stale.reason == STALE


def test_post_without_content_digest_covered_is_weak() -> None:
    headers = _signed(covered=["@method", "@target-uri", "content-type"])
    result = verify_request(
        "POST", "/inbox", "", headers, BODY, ALICE.private_key.public_key(), NOW
    )
    assert isinstance(result, VerificationFailure)
    assert result.reason == WEAK_COVERAGE


@pytest.mark.parametrize(
    "signature_input",
    [
        'sig1=("@method" "@unknown");created=1;keyid="k"',
        'sig1=("@method" "@method");created=1;keyid="k"',
        'sig1=("content-type";sf);created=1;keyid="k"',
        'sig1=("@method");created=1',
        'sig1=("@method");created="yesterday";keyid="k"',
        'sig1=(@method);keyid="k"',
        'other=("@method");keyid="k"',
    ],
)
def test_malformed_signature_input(signature_input: str) -> None:
    result = parse_signature(
        "POST", "/", "", {"signature-input": signature_input, "signature": "sig1=:AAAA:"}
    )
    assert isinstance(result, VerificationFailure)
    assert result.reason == MALFORMED


def test_structured_field_dictionary_round_trip() -> None:
    text = 'a=("x" "y";p=1);n=-12;d=1.5;t=tok/en;b=:AAE=:;f=?0, flag, s="q\\"s"'
    parsed = parse_dictionary(text)
    inner = parsed["a"]
    assert isinstance(inner, InnerList)
    assert inner.items == (Item("x", {}), Item("y", {"p": 1}))
    assert inner.params == {
        "n": -12,
        "d": Decimal("1.5"),
        "t": Token("tok/en"),
        "b": b"\x00\x01",
        "f": False,
    }
    assert parsed["flag"] == Item(True, {})
    assert parsed["s"] == Item('q"s', {})
    assert serialize_inner_list(inner) == 'a=("x" "y";p=1);n=-12;d=1.5;t=tok/en;b=:AAE=:;f=?0'[2:]


@pytest.mark.parametrize("text", ['a="open', "a=(1 2", "a=1,", "A=1", "a=:!!:", "a=1 b=2"])
def test_structured_field_errors(text: str) -> None:
    with pytest.raises(ValueError, match="structured field"):
        parse_dictionary(text)
