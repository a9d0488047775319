"""Deterministic JSON bytes for every document we publish or send.

Same input, same bytes (the build promises byte-identical output), so keys are sorted; that also
keeps `@context` first, because `@` sorts before every letter. Output is compact (no indentation):
the outbox pages of a large site are the bulk of the output and Mastodon reads at most 1 MB per
document (FEDERATION.md#size-limits). UTF-8 as is, no `\\uXXXX` escapes, a final newline.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["Encoded", "encode", "plain", "serialize", "serialize_spliced"]

_ENCODER = json.JSONEncoder(
    ensure_ascii=False,
    allow_nan=False,
    sort_keys=True,
    separators=(",", ":"),
)


def serialize(document: dict[str, Any]) -> bytes:
    """The canonical bytes of a JSON document (UTF-8, sorted keys, compact, final newline)."""
    return (_ENCODER.encode(document) + "\n").encode("utf-8")


class Encoded:
    """A value and its canonical JSON (`encode`), written as it is by `serialize_spliced`:
    a large value that goes into several documents (a post's HTML) is encoded once."""

    __slots__ = ("json", "value")

    def __init__(self, value: Any, json_text: str) -> None:
        self.value = value
        self.json = json_text

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
    inside a document, so the bytes are those of `serialize` (the tests compare them).
    """
    spliced: list[str] = []

    def default(value: Any) -> Any:
        if isinstance(value, Encoded):
            spliced.append(value.json)
            return _MARK
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")

    encoder = json.JSONEncoder(
        ensure_ascii=False,
        allow_nan=False,
        sort_keys=True,
        separators=(",", ":"),
        default=default,
    )
    pieces = encoder.encode(document).split(_MARK_JSON)
    if len(pieces) != len(spliced) + 1:  # a string of the document holds the mark itself
        return serialize(plain(document))
    parts = [pieces[0]]
    for json_text, piece in zip(spliced, pieces[1:], strict=True):
        parts += (json_text, piece)
    parts.append("\n")
    return "".join(parts).encode("utf-8")


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
