"""Every verification failure reason, each from a request that really fails that way."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from site_core.keys import load_private_key
from site_core.signatures import (
    BAD_SIGNATURE,
    DIGEST_MISMATCH,
    DIGEST_MISSING,
    FUTURE,
    MALFORMED,
    MISSING_HEADER,
    NO_SIGNATURE,
    REASONS,
    STALE,
    UNSUPPORTED_ALGORITHM,
    WEAK_COVERAGE,
    SigningKey,
    VerificationFailure,
    VerifiedSignature,
    sign_request,
    verify_request,
)
from site_core.signatures.cavage import signing_string
from site_core.signatures.sign import http_date

KEYS = Path(__file__).resolve().parent / "signature_keys"
NOW = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)
BODY = b'{"type":"Like","actor":"https://alice.example/ap/actor"}'
URL = "https://bob.example/inbox"

ALICE = SigningKey(
    "https://alice.example/ap/actor#main-key",
    load_private_key((KEYS / "alice-rsa.pem").read_bytes()),
)
MALLORY = load_private_key((KEYS / "mallory-rsa.pem").read_bytes())
ALICE_PUBLIC = ALICE.private_key.public_key()


def _verify(
    headers: dict[str, str],
    *,
    body: bytes = BODY,
    now: datetime = NOW,
    method: str = "POST",
    path: str = "/inbox",
    query: str = "",
    public_key: object = ALICE_PUBLIC,
) -> VerifiedSignature | VerificationFailure:
    lowered = {name.lower(): value for name, value in headers.items()}
    return verify_request(method, path, query, lowered, body, public_key, now)  # type: ignore[arg-type]


def _reason(result: VerifiedSignature | VerificationFailure) -> str:
    assert isinstance(result, VerificationFailure), result
    assert result.reason in REASONS
    return result.reason


def _signed(**kwargs: object) -> dict[str, str]:
    options: dict[str, object] = {"key": ALICE, "now": NOW, "body": BODY}
    options.update(kwargs)
    return sign_request("POST", URL, **options)  # type: ignore[arg-type]


def test_no_signature() -> None:
    assert _reason(_verify({"host": "bob.example", "date": http_date(NOW)})) == NO_SIGNATURE


@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        'keyId="k",signature="not base64!!"',
        'algorithm="rsa-sha256",signature="AAAA"',
        'keyId="k",algorithm="rsa-sha256",headers="",signature="AAAA"',
    ],
)
def test_malformed(value: str) -> None:
    headers = _signed()
    headers["Signature"] = value
    assert _reason(_verify(headers)) == MALFORMED


def test_forged_signature() -> None:
    headers = _signed()
    forged = base64.b64encode(bytes(256)).decode()
    headers["Signature"] = (
        headers["Signature"].rsplit('signature="', 1)[0] + f'signature="{forged}"'
    )
    assert _reason(_verify(headers)) == BAD_SIGNATURE


def test_tampered_signed_header() -> None:
    headers = _signed()
    headers["Host"] = "evil.example"
    assert _reason(_verify(headers)) == BAD_SIGNATURE


def test_signature_by_another_key() -> None:
    headers = sign_request("POST", URL, key=SigningKey(ALICE.key_id, MALLORY), now=NOW, body=BODY)
    assert _reason(_verify(headers)) == BAD_SIGNATURE


def test_stale_date() -> None:
    # FEDERATION.md#freshness: a Date is good for 5 min + 1 h of clock skew, so 65 min;
    # 66 min is stale.
    assert isinstance(_verify(_signed(now=NOW - timedelta(minutes=64))), VerifiedSignature)
    assert _reason(_verify(_signed(now=NOW - timedelta(minutes=66)))) == STALE


def test_date_an_hour_in_the_future() -> None:
    assert isinstance(_verify(_signed(now=NOW + timedelta(minutes=59))), VerifiedSignature)
    assert _reason(_verify(_signed(now=NOW + timedelta(minutes=61)))) == FUTURE


def test_expires_is_capped_at_twelve_hours() -> None:
    created = NOW - timedelta(hours=13, seconds=1)
    covered = ("(request-target)", "host", "(created)", "(expires)", "digest")
    headers = {"host": "bob.example", "digest": _signed()["Digest"]}
    expires = created + timedelta(days=2)
    text = signing_string(covered, "POST", "/inbox", "", headers, created=created, expires=expires)
    from site_core.signatures.algorithms import RSA_V1_5_SHA256, sign_bytes

    signature = base64.b64encode(sign_bytes(RSA_V1_5_SHA256, ALICE.private_key, text.encode()))
    headers["signature"] = (
        f'keyId="{ALICE.key_id}",algorithm="hs2019",created={int(created.timestamp())},'
        f'expires={int(expires.timestamp())},headers="{" ".join(covered)}",'
        f'signature="{signature.decode()}"'
    )
    assert _reason(_verify(headers)) == STALE
    assert isinstance(_verify(headers, now=NOW - timedelta(seconds=2)), VerifiedSignature)


def test_digest_mismatch() -> None:
    assert _reason(_verify(_signed(), body=BODY + b" ")) == DIGEST_MISMATCH


def test_digest_mismatch_in_an_extra_entry() -> None:
    headers = _signed(covered=["(request-target)", "host", "date", "digest"])
    headers["Digest"] = "SHA-512=" + base64.b64encode(bytes(64)).decode() + "," + headers["Digest"]
    # The Digest changed after signing, so its check fails before the signature's.
    assert _reason(_verify(headers)) == DIGEST_MISMATCH


def test_post_without_digest() -> None:
    headers = _signed(covered=["(request-target)", "host", "date"])
    del headers["Digest"]
    assert _reason(_verify(headers)) == DIGEST_MISSING


def test_signed_digest_that_is_absent() -> None:
    headers = sign_request("GET", URL, key=ALICE, now=NOW, body=b"")
    del headers["Digest"]
    assert _reason(_verify(headers, method="GET", body=b"")) == DIGEST_MISSING


def test_digest_only_in_unsupported_algorithm() -> None:
    headers = _signed()
    headers["Digest"] = "MD5=" + base64.b64encode(bytes(16)).decode()
    assert _reason(_verify(headers)) == UNSUPPORTED_ALGORITHM


@pytest.mark.parametrize(
    ("method", "covered"),
    [
        ("POST", ["(request-target)", "host", "date"]),  # digest present but not signed
        ("POST", ["(request-target)", "host", "digest"]),  # no date nor (created)
        ("POST", ["host", "date", "content-type"]),  # neither target nor digest
        ("GET", ["(request-target)", "date"]),  # host must be signed on GET
    ],
)
def test_weak_coverage(method: str, covered: list[str]) -> None:
    body = BODY if method == "POST" else None
    headers = sign_request(method, URL, key=ALICE, now=NOW, body=body, covered=covered)
    assert _reason(_verify(headers, method=method, body=body or b"")) == WEAK_COVERAGE


def test_missing_signed_header() -> None:
    headers = _signed(
        headers={"User-Agent": "test"},
        covered=["(request-target)", "host", "date", "digest", "user-agent"],
    )
    del headers["User-Agent"]
    assert _reason(_verify(headers)) == MISSING_HEADER


@pytest.mark.parametrize("algorithm", ["hmac-sha256", "rsa-sha1", "ecdsa-sha256"])
def test_unsupported_algorithm(algorithm: str) -> None:
    headers = _signed()
    headers["Signature"] = headers["Signature"].replace("rsa-sha256", algorithm)
    assert _reason(_verify(headers)) == UNSUPPORTED_ALGORITHM


def test_rsa_sha256_with_an_ed25519_key_fails() -> None:
    key = serialization.load_pem_private_key((KEYS / "bob-ed25519.pem").read_bytes(), None)
    assert _reason(_verify(_signed(), public_key=key.public_key())) == BAD_SIGNATURE


def test_missing_algorithm_means_hs2019() -> None:
    headers = _signed()
    headers["Signature"] = headers["Signature"].replace('algorithm="rsa-sha256",', "")
    assert isinstance(_verify(headers), VerifiedSignature)


def test_missing_headers_and_algorithm_default_to_created() -> None:
    headers = _signed()
    headers["Signature"] = (
        headers["Signature"]
        .replace('algorithm="rsa-sha256",', "")
        .replace('headers="(request-target) host date digest content-type",', "")
    )
    # hs2019 without `headers` covers only (created), which is absent here.
    assert _reason(_verify(headers)) == MALFORMED


def test_query_fallback_signed_with_query() -> None:
    headers = sign_request("POST", URL + "?a=1&b=2", key=ALICE, now=NOW, body=BODY)
    assert isinstance(_verify(headers, query="a=1&b=2"), VerifiedSignature)
    # A signer that covered the query cannot be matched once the query is dropped.
    assert _reason(_verify(headers, query="")) == BAD_SIGNATURE


def test_query_fallback_signed_without_query() -> None:
    headers = sign_request(
        "POST", URL + "?a=1&b=2", key=ALICE, now=NOW, body=BODY, include_query=False
    )
    # Older Mastodon signed the path only: the verifier retries without the query
    # (FEDERATION.md#request-target-query).
    assert isinstance(_verify(headers, query="a=1&b=2"), VerifiedSignature)
    assert isinstance(_verify(headers, query=""), VerifiedSignature)


def test_mixed_case_header_names_are_accepted() -> None:
    headers = _signed()
    result = verify_request("post", "/inbox", "", headers, BODY, ALICE_PUBLIC, NOW)
    assert isinstance(result, VerifiedSignature)


def test_lowercase_digest_algorithm_name() -> None:
    headers = _signed(covered=["(request-target)", "host", "date"])
    headers["Digest"] = headers["Digest"].replace("SHA-256=", "sha-256=")
    result = verify_request(
        "POST", "/inbox", "", headers, BODY, ALICE_PUBLIC, NOW, require_strength=False
    )
    assert isinstance(result, VerifiedSignature)


def test_a_cavage_signature_naming_a_derived_component_is_refused_not_raised() -> None:
    """`@method` means something only in RFC 9421: in a cavage `headers` list it is a header
    that is not there (found by the fuzz in fuzz/signatures.py; it raised KeyError)."""
    headers = _signed()
    signature = headers["Signature"]
    headers["Signature"] = signature.replace('headers="', 'headers="@method ', 1)
    result = verify_request("POST", "/inbox", "", {k.lower(): v for k, v in headers.items()},
                            BODY, ALICE_PUBLIC, NOW, require_strength=False)  # fmt: skip
    assert _reason(result) == MISSING_HEADER


def test_an_expiry_at_the_end_of_the_calendar_does_not_overflow() -> None:
    expires = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
    value = (
        'keyId="https://alice.example/ap/actor#main-key",algorithm="hs2019",'
        f'expires="{int(expires.timestamp())}",headers="(request-target) (expires)",'
        'signature="AAAA"'
    )
    result = verify_request("POST", "/inbox", "", {"signature": value}, BODY, ALICE_PUBLIC, NOW,
                            require_strength=False)  # fmt: skip
    assert isinstance(result, VerificationFailure)  # a bad signature, not an OverflowError
