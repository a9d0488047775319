"""Turn an inbox body into an activity dict, refusing what a receiver should not parse (sans-IO).

JSON nested deeper than a limit is refused before `json.loads` could recurse on it: a
megabyte of `[` would otherwise cost stack and time. Ids are read the ActivityStreams way:
a property may hold a string or an object with an `id`.
Text no later step could use (a lone surrogate, an http(s) URL that does not parse) is
refused here too, see `json_text`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from site_function.frozen_record import FrozenRecord
from site_function.json_text import unusable_text

__all__ = [
    "MAX_DEPTH",
    "ParseFailure",
    "activity_type",
    "first_id",
    "nesting_depth",
    "parse_activity",
]

MAX_DEPTH = 32


class ParseFailure(FrozenRecord):
    """Why a body is not an activity we can read; answered with 400."""

    detail: str


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


def nesting_depth(body: bytes, limit: int) -> int:
    """The deepest nesting of `[`/`{` outside strings, counting only up to `limit` + 1."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRING.sub(b"", body)):
        if bracket in (b"[", b"{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
        else:
            depth -= 1
    return deepest


def _depth_exceeds(body: bytes, limit: int) -> bool:
    # Cheap pre-check: a body with few brackets cannot be deep, and most activities have few.
    if body.count(b"{") + body.count(b"[") <= limit:
        return False
    return nesting_depth(body, limit) > limit


def activity_type(document: dict[str, Any]) -> str:
    """The activity's type as one string (a one-element list is accepted, as JSON-LD allows)."""
    kind = document.get("type")
    if isinstance(kind, list) and len(kind) == 1:
        kind = kind[0]
    return kind if isinstance(kind, str) else ""


def first_id(value: Any) -> str | None:
    """The id a property names: the string itself, an object's `id`, or a list's first."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        inner = value.get("id")
        return inner if isinstance(inner, str) else None
    if isinstance(value, list) and value:
        return first_id(value[0])
    return None


_decode = json.JSONDecoder().decode  # what `json.loads` uses when given no options


def _loads(body: bytes) -> Any:
    """`json.loads(body)`. A body opening with `{` (every activity) is UTF-8 by its rules
    (no BOM, no UTF-16/32 zero byte among the first two): decoded so directly, without its
    Python-level encoding sniffing."""
    if body[:1] == b"{" and body[1:2] != b"\x00":
        return _decode(body.decode("utf-8", "surrogatepass"))
    return json.loads(body)


def parse_activity(body: bytes, *, max_depth: int = MAX_DEPTH) -> dict[str, Any] | ParseFailure:
    """The activity as a dict with a string `type` and an `actor` id, or why not."""
    if _depth_exceeds(body, max_depth):
        return ParseFailure(f"JSON nested deeper than {max_depth} levels")
    try:
        document = _loads(body)
    except (ValueError, RecursionError):
        return ParseFailure("body is not valid UTF-8 JSON")
    if not isinstance(document, dict):
        return ParseFailure("body is not a JSON object")
    if not activity_type(document):
        return ParseFailure("activity has no type")
    if first_id(document.get("actor")) is None:
        return ParseFailure("activity has no actor")
    unusable = unusable_text(document, body)
    return ParseFailure(unusable) if unusable is not None else document
