"""`parse_cavage` reads Mastodon's exact header shape in one step; that step must give what
the general parameter loop gives for the same parameters written any other legal way."""

from __future__ import annotations

import pytest

from site_core.signatures.cavage import parse_cavage
from site_core.signatures.model import SignatureInput, VerificationFailure

SIG = "c2lnbmF0dXJlIGJ5dGVz"  # base64 of b"signature bytes"


@pytest.mark.parametrize(
    "usual",
    [
        f'keyId="https://a.example/u#main-key",algorithm="rsa-sha256",'
        f'headers="(request-target) host date digest content-type",signature="{SIG}"',
        f'keyId="https://a.example/u#main-key",algorithm="hs2019",created=1700000000,'
        f'headers="(request-target) (created) host digest",signature="{SIG}"',
        f'keyId="k",algorithm="RSA-SHA256",headers="Host Date Digest",signature="{SIG}"',
    ],
)
def test_the_usual_shape_reads_as_the_general_loop_does(usual: str) -> None:
    spaced = usual.replace('",', '" , ').replace("0,", "0 ,")  # the loop's way, same params
    assert spaced != usual
    fast, general = parse_cavage(usual), parse_cavage(spaced)
    assert isinstance(fast, SignatureInput)
    assert fast == general
    assert fast.signature == b"signature bytes"


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ('keyId="",algorithm="rsa-sha256",headers="date",signature="c2ln"', "lacks keyId"),
        ('keyId="k",algorithm="rsa-sha256",headers="date",signature="!!"', "not base64"),
        ('keyId="k",algorithm="rsa-sha256",headers=" ",signature="c2ln"', "headers parameter"),
    ],
)
def test_the_usual_shape_is_checked_as_any_other(header: str, reason: str) -> None:
    failure = parse_cavage(header)
    assert isinstance(failure, VerificationFailure)
    assert reason in failure.detail


def test_a_shape_the_fast_step_does_not_know_still_parses() -> None:
    header = f'signature="{SIG}",keyId="k",headers="date"'  # other order, no algorithm
    parsed = parse_cavage(header)
    assert isinstance(parsed, SignatureInput)
    assert (parsed.key_id, parsed.algorithm, parsed.covered) == ("k", None, ("date",))


def test_a_parsed_signature_is_immutable_and_its_repr_leaves_the_bytes_out() -> None:
    parsed = parse_cavage(f'keyId="k",algorithm="rsa-sha256",headers="date",signature="{SIG}"')
    assert isinstance(parsed, SignatureInput)
    with pytest.raises(AttributeError):
        parsed.key_id = "other"  # type: ignore[misc]
    shown = repr(parsed)
    assert "key_id='k'" in shown
    assert "signature bytes" not in shown
    assert "signature=" not in shown
