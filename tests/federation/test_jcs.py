"""JCS (RFC 8785): the RFC's own samples, and the fast path equal to the full serializer."""

from __future__ import annotations

import json
import math
import struct
from typing import Any

import pytest
from documents_sample import config, posts
from fixtures_path import SIGNATURE_VECTORS
from hypothesis import given, settings
from hypothesis import strategies as st

from site_core import jcs
from site_core.jcs import CanonicalizationError, canonicalize, format_number
from site_gen.federation.actor import build_actor
from site_gen.federation.objects import build_object

VECTORS = json.loads((SIGNATURE_VECTORS / "eddsa-jcs-2022-test-vectors.json").read_text("utf-8"))
RFC = VECTORS["rfc8785"]


@pytest.mark.parametrize(("bits", "expected"), RFC["numbers"])
def test_numbers_of_appendix_b(bits: str, expected: str) -> None:
    number = struct.unpack(">d", bytes.fromhex(bits))[0]
    assert format_number(number) == expected
    assert canonicalize(number) == expected.encode()


def test_example_of_section_3_2_2() -> None:
    example = RFC["example"]
    assert canonicalize(json.loads(example["input"])).decode("utf-8") == example["expected"]


def test_keys_sort_by_utf16_code_units() -> None:
    sorting = RFC["sorting"]
    assert list(json.loads(canonicalize(sorting["input"]))) == sorting["expectedKeyOrder"]


def test_big_integers_are_written_as_doubles() -> None:
    assert canonicalize(2**53) == b"9007199254740992"
    assert canonicalize(2**70) == b"1.1805916207174113e+21"
    assert canonicalize(-(2**53) + 1) == b"-9007199254740991"


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, "\ud800", {1: "a"}, b"x"])
def test_what_json_cannot_hold_is_refused(value: Any) -> None:
    with pytest.raises(CanonicalizationError):
        canonicalize(value)


def _full(value: Any) -> bytes:
    """The full serializer alone, never the fast path."""
    return jcs._serialize(value).encode("utf-8")


def test_our_documents_take_the_fast_path_and_it_is_canonical() -> None:
    cfg = config()
    sample = posts()
    documents = [build_object(post, cfg) for post in sample]
    documents.append(build_actor(cfg, _pem(), sample, assertion_key="z6MkTest"))
    for document in documents:
        assert jcs._fast_path_holds(document)
        assert canonicalize(document) == _full(document)


def _pem() -> str:
    from documents_sample import public_key_pem

    return public_key_pem()


_keys = st.text(max_size=6)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=8)
)
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(_json)
def test_the_fast_path_equals_the_full_serializer_wherever_it_is_taken(value: Any) -> None:
    # Where the fast path's condition holds, both give the same bytes; where it does not, the
    # full serializer decides. Either way the output parses back to the same value.
    if jcs._fast_path_holds(value):
        assert jcs._ENCODER.encode(value).encode("utf-8") == _full(value)
    assert canonicalize(value) == _full(value)
    # Numbers compare as doubles: JCS writes every number as the double it stands for.
    as_double = {"parse_int": lambda text: float(int(text))}
    assert json.loads(canonicalize(value), **as_double) == json.loads(
        json.dumps(value), **as_double
    )


def test_keys_beyond_the_bmp_leave_the_fast_path() -> None:
    document = {"\U0001f600": 1, "\ufb33": 2}
    assert not jcs._fast_path_holds(document)
    assert canonicalize(document) == '{"\U0001f600":1,"\ufb33":2}'.encode()
