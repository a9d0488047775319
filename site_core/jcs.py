"""The JSON Canonicalization Scheme (RFC 8785): the bytes an `eddsa-jcs-2022` proof signs.

Two paths give the same bytes. The fast one is the standard library's encoder with sorted keys,
no ASCII escapes and no spaces: for strings, `true`/`false`/`null`, integers of at most 53 bits
and keys below U+D800 it writes exactly what RFC 8785 asks (it escapes only `"`, `\\` and the
control characters, with the same short forms and lowercase `\\u00xx`). Our own objects have
only those shapes, so the build never leaves the fast path. Anything else (a float, a larger
integer, a key whose UTF-16 order differs from its code-point order) takes the full serializer
below, which formats numbers as ECMAScript does. `tests/federation/test_jcs.py` checks both
paths against the RFC's samples and against each other.
"""

from __future__ import annotations

import json
import math
from typing import Any

from site_core.errors import SiteGenError

__all__ = ["CanonicalizationError", "canonicalize"]

_MAX_EXACT = 2**53
_ENCODER = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":"), check_circular=False
)
_encode_string = json.encoder.encode_basestring


class CanonicalizationError(SiteGenError):
    """A value JCS cannot represent: NaN, an infinity, a lone surrogate, a non-JSON type."""


def canonicalize(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON value."""
    text = _ENCODER.encode(value) if _fast_path_holds(value) else _serialize(value)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise CanonicalizationError("a string holds a lone surrogate") from None


def _fast_path_holds(value: Any) -> bool:
    """True if the standard encoder's output is already canonical for `value`."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return bool(-_MAX_EXACT < value < _MAX_EXACT)
    if kind is dict:
        return all(
            type(key) is str and _bmp_ordered(key) and _fast_path_holds(item)
            for key, item in value.items()
        )
    if kind is list or kind is tuple:
        return all(_fast_path_holds(item) for item in value)
    return False  # floats, int and str subclasses, anything else: the full path decides


def _bmp_ordered(key: str) -> bool:
    # Code-point order equals UTF-16 order unless a key holds U+D800 or above.
    return key.isascii() or max(key) < "\ud800"


def _serialize(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return str(_encode_string(value))
    if isinstance(value, int):
        return str(value) if -_MAX_EXACT < value < _MAX_EXACT else format_number(float(value))
    if isinstance(value, float):
        return format_number(value)
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise CanonicalizationError("an object key is not a string")
        keys = sorted(value, key=lambda key: key.encode("utf-16-be", "surrogatepass"))
        items = (f"{_encode_string(key)}:{_serialize(value[key])}" for key in keys)
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_serialize(item) for item in value) + "]"
    raise CanonicalizationError(f"{type(value).__name__} is not a JSON value")


def format_number(number: float) -> str:
    """ECMAScript's Number.prototype.toString (RFC 8785 section 3.2.2.3) for a finite float.

    Python's `repr` gives the same shortest round-trip digits; only where the decimal point
    and the exponent go differs, which the cases below decide as ECMA-262 7.1.12.1 does.
    """
    if not math.isfinite(number):
        raise CanonicalizationError("NaN and infinities have no JSON form")
    if number == 0:
        return "0"  # -0 too
    sign = "-" if number < 0 else ""
    mantissa, _, exponent = repr(abs(number)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction.rstrip("0")).lstrip("0") if fraction != "0" else whole
    # n: the position of the decimal point relative to the first significant digit.
    point = len(whole) + int(exponent or 0) if whole != "0" else int(exponent or 0)
    if whole == "0":
        point -= len(fraction) - len(fraction.lstrip("0"))
    digits = digits.rstrip("0") or "0"
    return sign + _place_point(digits, point)


def _place_point(digits: str, point: int) -> str:
    count = len(digits)
    if count <= point <= 21:
        return digits + "0" * (point - count)
    if 0 < point <= 21:
        return digits[:point] + "." + digits[point:]
    if -6 < point <= 0:
        return "0." + "0" * -point + digits
    exponent = point - 1
    sign = "+" if exponent >= 0 else "-"
    head = digits[0] + ("." + digits[1:] if count > 1 else "")
    return f"{head}e{sign}{abs(exponent)}"
