"""Fuzz the signature parsers and `verify_request`: only documented values may come out.

Run: `.venv/bin/python -m fuzz.signatures [--seconds 180]` (see fuzz/__init__.py).

Inputs are built three ways, so both the grammar's corners and plain garbage are reached:
text assembled from the headers' own pieces (parameters, labels, inner lists, numbers at the
edges of the datetime range, base64), arbitrary text, and real signatures (cavage rsa-sha256,
hs2019, RFC 9421, RSA and Ed25519) with one part then replaced.
"""

from __future__ import annotations

import base64
import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519
from hypothesis import given
from hypothesis import strategies as st

from fuzz._runner import BATCH, Figures, parse_seconds, run_bounded
from site_core.keys import generate_private_key
from site_core.signatures import (
    REASONS,
    SignatureInput,
    SigningKey,
    VerificationFailure,
    VerifiedSignature,
    parse_signature,
    sign_request,
    verify_request,
)
from site_core.signatures.cavage import parse_cavage
from site_core.signatures.rfc9421 import parse_rfc9421
from site_core.signatures.structured_fields import parse_dictionary

FIGURES = Figures()
RSA_KEY = generate_private_key()
ED_KEY = ed25519.Ed25519PrivateKey.generate()
KEY_ID = "https://remote.example/users/fuzz#main-key"
URL = "https://fn.example/ap/inbox"
NOW = datetime.now(UTC)

# Text as HTTP delivers it (latin-1), and any text at all (the functions take str).
header_text = st.text(st.characters(max_codepoint=255, exclude_characters="\r\n"), max_size=80)
any_text = st.text(max_size=80)
numbers = st.sampled_from(
    ["0", "-1", "1.5", "1e308", "nan", "inf", "-inf", "253402300799", "253402300800",
     "-62135596800", "-62135596801", "9" * 30, "1" * 5000, "0x10", " 1", "1_0", ""]
) | st.integers(-(10**20), 10**20).map(str)  # fmt: skip
b64 = st.binary(max_size=300).map(lambda raw: base64.b64encode(raw).decode())
names = st.sampled_from(
    ["(request-target)", "(created)", "(expires)", "host", "date", "digest", "content-digest",
     "content-type", "accept", "@method", "@target-uri", "@authority", "@path", "@query",
     "@request-target", "@scheme", "@status", "Host", "x-unknown"]
)  # fmt: skip


@st.composite
def cavage_headers(draw: st.DrawFn) -> str:
    """A Signature header from its own pieces, in any order, quoted or bare, with junk."""
    pieces = {
        "keyId": st.sampled_from([KEY_ID, "", "not a url", "http://[::1"]) | any_text,
        "algorithm": st.sampled_from(["rsa-sha256", "hs2019", "ed25519", "RSA-SHA256", ""]),
        "headers": st.lists(names, max_size=6).map(" ".join) | any_text,
        "signature": b64 | any_text,
        "created": numbers,
        "expires": numbers,
    }
    chosen = draw(st.lists(st.sampled_from(sorted(pieces)), max_size=8))
    parts = []
    for name in chosen:
        value = draw(pieces[name])
        parts.append(f'{name}="{value}"' if draw(st.booleans()) else f"{name}={value}")
    return draw(st.sampled_from([",", ", ", " , ", ",,"])).join(parts)


def sf_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


bare_items = (
    names.map(sf_string)
    | numbers
    | st.sampled_from(
        ["?1", "?0", "?2", "tok", "*t", "a:b/c", ":", "::", ":AA==:", '"\\x"', "1.", ".5"]
    )
    | b64.map(lambda text: f":{text}:")
    | any_text.map(sf_string)
)  # fmt: skip
param_values = st.sampled_from([KEY_ID]).map(sf_string) | bare_items


@st.composite
def sf_dictionaries(draw: st.DrawFn) -> str:
    """A Structured Field dictionary of labels holding inner lists or items, with parameters."""
    members = []
    for _ in range(draw(st.integers(0, 3))):
        label = draw(st.sampled_from(["sig1", "sig", "a*", "Sig", "1a", "", "x-y.z"]))
        params = "".join(
            f";{draw(st.sampled_from(['created', 'expires', 'keyid', 'alg', 'nonce', 'tag', 'X']))}"
            + (f"={draw(param_values)}" if draw(st.booleans()) else "")
            for _ in range(draw(st.integers(0, 5)))
        )
        if draw(st.booleans()):
            items = draw(st.lists(bare_items, max_size=6))
            value = "(" + " ".join(items) + ")" + params
        else:
            value = draw(bare_items) + params
        members.append(f"{label}={value}" if draw(st.integers(0, 9)) else label)
    return draw(st.sampled_from([",", ", ", " ,\t", ",,"])).join(members)


@st.composite
def cavage_wellformed(draw: st.DrawFn) -> str:
    """keyId and signature present, the other parameters drawn: reaches past the first checks."""
    covered = " ".join(draw(st.lists(names, min_size=1, max_size=6)))
    extra = "".join(
        f",{name}={draw(numbers)}" for name in ("created", "expires") if draw(st.booleans())
    )
    algorithm = draw(st.sampled_from(["rsa-sha256", "hs2019", "ed25519"]))
    return (
        f'keyId="{KEY_ID}",algorithm="{algorithm}",headers="{covered}"{extra},'
        f'signature="{draw(b64)}"'
    )


@st.composite
def rfc9421_wellformed(draw: st.DrawFn) -> tuple[str, str]:
    """A `Signature-Input` and `Signature` pair sharing a label, parameters drawn."""
    covered = " ".join(sf_string(name) for name in draw(st.lists(names, max_size=6)))
    params = "".join(
        f";{name}={draw(value)}"
        for name, value in (
            ("created", numbers),
            ("keyid", st.just(sf_string(KEY_ID)) | bare_items),
            ("alg", st.sampled_from(['"rsa-v1_5-sha256"', '"ed25519"', "tok", '"rsa-pss-sha512"'])),
            ("expires", numbers),
            ("nonce", bare_items),
        )
        if draw(st.booleans())
    )
    label = draw(st.sampled_from(["sig1", "sig", "a*"]))
    return f"{label}=({covered}){params}", f"{label}=:{draw(b64)}:"


def mutate(text: str, position: int, junk: str, cut: int) -> str:
    position = position % (len(text) + 1)
    return text[:position] + junk + text[position + cut :]


@st.composite
def mutated(draw: st.DrawFn, base: st.SearchStrategy[str]) -> str:
    text = draw(base)
    if draw(st.booleans()):
        text = mutate(text, draw(st.integers(0, 10**4)), draw(any_text), draw(st.integers(0, 4)))
    return text


def _outcome(value: Any) -> str:
    if isinstance(value, VerificationFailure):
        assert value.reason in REASONS, value
        return f"failure:{value.reason}"
    assert isinstance(value, SignatureInput | VerifiedSignature), value
    return type(value).__name__


@given(mutated(cavage_headers() | cavage_wellformed()) | any_text)
def cavage_parser(value: str) -> None:
    FIGURES.saw(f"cavage {_outcome(parse_cavage(value))}")


@given(
    st.tuples(mutated(sf_dictionaries()) | any_text, mutated(sf_dictionaries()) | any_text)
    | rfc9421_wellformed()
)
def rfc9421_parser(pair: tuple[str, str]) -> None:
    signature_input, signature = pair
    with contextlib.suppress(ValueError):  # the one documented error (MALFORMED further up)
        parse_dictionary(signature_input)
    FIGURES.saw(f"rfc9421 {_outcome(parse_rfc9421(signature_input, signature))}")


header_names = st.sampled_from(
    ["signature", "signature-input", "authorization", "date", "host", "digest",
     "content-digest", "content-type", "accept", "Signature", "Host", "DATE"]
)  # fmt: skip
header_values = (
    header_text
    | mutated(cavage_headers() | cavage_wellformed())
    | mutated(sf_dictionaries())
    | st.sampled_from(["Signature keyId=\"x\",signature=\"AA==\"", "Fri, 31 Dec 9999 23:59:59 GMT",
                       "Mon, 01 Jan 0001 00:00:00 GMT", "SHA-256=AA==", "sha-256=:AA==:"])
)  # fmt: skip
# The clock is ours, not the sender's: any instant of the next or last fifty years.
clocks = st.sampled_from([NOW, NOW - timedelta(days=3650)]) | st.integers(
    -50 * 365 * 86400, 50 * 365 * 86400
).map(lambda seconds: NOW + timedelta(seconds=seconds))


@given(
    st.sampled_from(["POST", "GET", "post", "", "PUT"]) | any_text,
    st.sampled_from(["/ap/inbox", "", "/"]) | any_text,
    st.sampled_from(["", "a=b"]) | any_text,
    st.dictionaries(header_names, header_values, max_size=7),
    st.one_of(
        st.just({}),
        cavage_wellformed().map(lambda value: {"signature": value}),
        rfc9421_wellformed().map(lambda pair: {"signature-input": pair[0], "signature": pair[1]}),
    ),
    st.binary(max_size=200),
    clocks,
    st.booleans(),
    st.sampled_from([None, frozenset({"fn.example"}), frozenset()]),
)
def verify_arbitrary(
    method: str,
    path: str,
    query: str,
    headers: dict[str, str],
    signature_headers: dict[str, str],
    body: bytes,
    now: datetime,
    strength: bool,
    expected: frozenset[str] | None,
) -> None:
    headers = {**headers, **signature_headers}
    parsed = parse_signature(method, path, query, headers)
    FIGURES.saw(f"parse {_outcome(parsed)}")
    result = verify_request(
        method, path, query, headers, body, RSA_KEY.public_key(), now,
        require_strength=strength, expected_authorities=expected,
    )  # fmt: skip
    FIGURES.saw(f"verify {_outcome(result)}")


@given(
    st.sampled_from(["cavage", "cavage-hs2019", "rfc9421"]),
    st.booleans(),
    st.binary(max_size=200),
    st.sampled_from(["drop", "replace", "body", "path", "clock", "none"]),
    header_names,
    header_values,
    clocks,
)
def verify_real_then_mutated(
    style: Any,
    use_ed25519: bool,
    body: bytes,
    change: str,
    header: str,
    value: str,
    now: datetime,
) -> None:
    key = ED_KEY if use_ed25519 else RSA_KEY
    signed = sign_request("POST", URL, key=SigningKey(KEY_ID, key), now=NOW, body=body, style=style)
    headers = {name.lower(): text for name, text in signed.items()}
    path, clock = "/ap/inbox", NOW
    if change == "drop":
        headers.pop(header.lower(), None)
    elif change == "replace":
        headers[header.lower()] = value
    elif change == "body":
        body = body + b"x"
    elif change == "path":
        path = value
    elif change == "clock":
        clock = now
    result = verify_request(
        "POST", path, "", headers, body, key.public_key(), clock,
        expected_authorities={"fn.example"},
    )  # fmt: skip
    outcome = _outcome(result)
    if change == "none":
        assert isinstance(result, VerifiedSignature), result
    FIGURES.saw(f"signed+{change} {outcome}")


def main() -> None:
    seconds = parse_seconds("Fuzz the signature parsers and verify_request.")
    targets = [BATCH(t) for t in (cavage_parser, rfc9421_parser, verify_arbitrary,
                                  verify_real_then_mutated)]  # fmt: skip
    run_bounded("signatures", targets, FIGURES, seconds)
    raise SystemExit(1 if FIGURES.failures else 0)


if __name__ == "__main__":
    main()
