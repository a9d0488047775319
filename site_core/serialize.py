"""Deterministic JSON bytes for every document we publish or send.

Same input, same bytes (the build promises byte-identical output), so keys are sorted; that also
keeps `@context` first, because `@` sorts before every letter. Output is compact (no indentation):
the outbox pages of a large site are the bulk of the output and Mastodon reads at most 1 MB per
document (FEDERATION.md#size-limits). UTF-8 as is, no `\\uXXXX` escapes, a final newline.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["serialize"]

_ENCODER = json.JSONEncoder(
    ensure_ascii=False,
    allow_nan=False,
    sort_keys=True,
    separators=(",", ":"),
)


def serialize(document: dict[str, Any]) -> bytes:
    """The canonical bytes of a JSON document (UTF-8, sorted keys, compact, final newline)."""
    return (_ENCODER.encode(document) + "\n").encode("utf-8")
