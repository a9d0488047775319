"""Find text in a parsed JSON request that no later step could use (sans-IO).

`json.loads` accepts two kinds of strings that fail far from where they came in:

- a lone surrogate (`"\\ud800"` is valid JSON, but it is not Unicode: neither SQLite nor
  PostgreSQL can store it, and encoding it for a response raises);
- a value written as an http(s) URL that does not parse (`http://[::1`, a port of 99999),
  which raises when some later step splits it to find a host.

Requests (an inbox activity, an admin body) are checked once, right after parsing, so such
text is a 400 before it reaches the store or the network. The check runs on every inbox POST,
so it stays cheap: one pass over the values, surrogates looked for only when the raw bytes
could hold one, and a regex for URLs of the usual shape.
"""

from __future__ import annotations

import re
from typing import Any

from site_core.ids import is_http_url

__all__ = ["unusable_text"]

_URL_STARTS = ("http://", "https://", "HTTP://", "HTTPS://")
# What `json.loads` turns into a surrogate: a \uD800-\uDFFF escape, or the bytes of one (it
# decodes UTF-8 with "surrogatepass"). Valid pairs match too; the full check sorts them out.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE_BYTES = re.compile(rb"\xed[\xa0-\xbf]")


def unusable_text(document: Any, raw: bytes) -> str | None:
    """Why some string in `document` (parsed from `raw`) is unusable, or None if all are fine."""
    if _could_hold_surrogate(raw) and not _encodable(document):
        return "a string holds a lone surrogate (not valid Unicode)"
    pending: list[Any] = [document]
    pop, push = pending.pop, pending.extend
    while pending:
        value = pop()
        kind = type(value)
        if kind is str:
            if value.startswith(_URL_STARTS) and not _url_ok(value):
                return f"{value[:200]!r} is not a valid http(s) URL (host, brackets or port)"
        elif kind is dict:
            push(value.values())
        elif kind is list:
            push(value)
    return None


def _url_ok(value: str) -> bool:
    # Text with a space after the scheme is prose ("https://x.example is my site"), not an id.
    return is_http_url(value) or any(char.isspace() for char in value)


def _could_hold_surrogate(raw: bytes) -> bool:
    non_utf8 = raw[:1] == b"\x00" or raw[1:2] == b"\x00" or raw[:2] in (b"\xff\xfe", b"\xfe\xff")
    if non_utf8:
        return True
    # `in` is a fast scan; most bodies hold neither, so the regexes rarely run.
    if b"\\u" in raw and _SURROGATE_ESCAPE.search(raw) is not None:
        return True
    return b"\xed" in raw and _SURROGATE_BYTES.search(raw) is not None


def _encodable(document: Any) -> bool:
    """False when a string, or a key, holds a lone surrogate."""
    pending: list[Any] = [document]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.items())
        elif isinstance(value, list | tuple):
            pending.extend(value)
        elif isinstance(value, str) and not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return False
    return True
