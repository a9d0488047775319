"""Deterministic JSON bytes for every document we publish or send.

Same input, same bytes (the build promises byte-identical output), so keys are sorted; that also
keeps `@context` first, because `@` sorts before every letter. Output is compact (no indentation):
the outbox pages of a large site are the bulk of the output and Mastodon reads at most 1 MB per
document (FEDERATION.md#size-limits). UTF-8 as is, no `\\uXXXX` escapes, a final newline.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from json import encoder as json_encoder
from typing import Any

__all__ = ["Encoded", "encode", "plain", "serialize", "serialize_spliced"]

# The canonical form: UTF-8 as is, no NaN, sorted keys, compact.
_OPTIONS: dict[str, Any] = {
    "ensure_ascii": False,
    "allow_nan": False,
    "sort_keys": True,
    "separators": (",", ":"),
}
_ENCODER = json.JSONEncoder(**_OPTIONS)


def serialize(document: dict[str, Any]) -> bytes:
    """The canonical bytes of a JSON document (UTF-8, sorted keys, compact, final newline)."""
    return (_ENCODER.encode(document) + "\n").encode("utf-8")


class Encoded:
    """A value and its canonical JSON (`encode`), written as it is by `serialize_spliced`:
    a large value that goes into several documents (a post's HTML) is encoded once, to its
    JSON as UTF-8 (`data`)."""

    __slots__ = ("data", "value")

    def __init__(self, value: Any, json_text: str) -> None:
        self.value = value
        self.data = json_text.encode("utf-8")

    def __repr__(self) -> str:
        return f"Encoded({self.value!r})"


def encode(value: Any) -> Encoded:
    """`value` with its canonical JSON, for `serialize_spliced`."""
    return Encoded(value, _ENCODER.encode(value))


# What an `Encoded` value is written as until its JSON replaces it (no URL or text of ours
# holds a NUL; if one does, `serialize_spliced` sees it and takes the slow way).
_MARK = "\0encoded\0"
_MARK_JSON = json.dumps(_MARK)


def serialize_spliced(document: dict[str, Any]) -> bytes:
    """`serialize(plain(document))`, the JSON of each `Encoded` value written as it is.

    With sorted keys and no indentation, a value's canonical JSON is the same alone and
    inside a document, so the bytes are those of `serialize` (the tests compare them). The
    pieces are joined as UTF-8: one wide character (a summary's `…`) in the rest of the
    document would otherwise widen the whole text, the HTML too, and slow its encoding.
    """
    spliced: list[bytes] = []

    def default(value: Any) -> Any:
        if isinstance(value, Encoded):
            spliced.append(value.data)
            return _MARK
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")

    pieces = _encoder_with(default)(document).split(_MARK_JSON)
    if len(pieces) != len(spliced) + 1:  # a string of the document holds the mark itself
        return serialize(plain(document))
    parts = [pieces[0].encode("utf-8")]
    for data, piece in zip(spliced, pieces[1:], strict=True):
        parts += (data, piece.encode("utf-8"))
    parts.append(b"\n")
    return b"".join(parts)


def _encoder_with(default: Callable[[Any], Any]) -> Callable[[Any], str]:
    """The canonical encoding of a document, `default` answering what JSON cannot encode.

    A document's own encoder each call (`default` keeps what it met, so none is shared
    between calls or threads): json's C encoder made at once, as `JSONEncoder.encode` makes
    it, without the `JSONEncoder` and its Python layers around it (half the cost of a small
    document); `JSONEncoder` itself where `_c_encoder_maker` found no C encoder to trust.
    """
    make = _c_encoder_maker()
    if make is None:
        return json.JSONEncoder(**_OPTIONS, default=default).encode
    encoder = _c_encoder(make, default)
    return lambda document: "".join(encoder(document, 0))


def _c_encoder(make: Callable[..., Any], default: Callable[[Any], Any]) -> Any:
    """`make` given what `JSONEncoder.iterencode` gives it for `_OPTIONS` and `default`: a
    dict for the circular-reference check, strings escaped without `\\uXXXX`, no indent, the
    key and item separators, sorted keys, no skipped keys, no NaN."""
    return make({}, default, json_encoder.encode_basestring, None, ":", ",", True, False, False)


@functools.cache
def _c_encoder_maker() -> Callable[..., Any] | None:
    """json's `c_make_encoder`, with the arguments `JSONEncoder.iterencode` gives it
    (CPython 3.11 to 3.13), or None when it is missing or encodes a probe otherwise."""
    make = getattr(json_encoder, "c_make_encoder", None)
    if make is None:
        return None
    probe = {
        "b": [1.5, -2, None, True, False, '\u00e9\u2026"\\\n\u2028\0'],
        "a": {"z": {}, "y": []},
    }

    def refuse(value: Any) -> Any:
        raise TypeError(type(value).__name__)

    try:
        text = "".join(_c_encoder(make, refuse)(probe, 0))
    except (TypeError, ValueError):
        return None
    return make if text == _ENCODER.encode(probe) else None


def plain(value: Any) -> Any:
    """`value` with every `Encoded` in it replaced by its value (copies, where one is found)."""
    if isinstance(value, Encoded):
        return value.value
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, tuple):
        return tuple(plain(item) for item in value)
    return value
