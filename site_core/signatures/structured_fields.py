"""The part of RFC 8941 Structured Field Values that RFC 9421 signatures use.

`Signature-Input` and `Signature` are Dictionaries whose members are Inner Lists with
Parameters or Byte Sequences; `@signature-params` is the canonical serialization of one
member. The parser follows RFC 8941 section 4.2 step by step and raises `ValueError` on
anything invalid (the caller turns that into a MALFORMED result); no dependency needed.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeAlias

__all__ = [
    "BareItem",
    "InnerList",
    "Item",
    "Parameters",
    "Token",
    "parse_dictionary",
    "serialize_inner_list",
    "serialize_item",
]


class Token(str):
    """An sf-token (unquoted), kept apart from sf-string so it serializes back unquoted."""

    __slots__ = ()


BareItem: TypeAlias = int | Decimal | str | Token | bytes | bool
Parameters: TypeAlias = dict[str, BareItem]


@dataclass(frozen=True)
class Item:
    value: BareItem
    params: Parameters


@dataclass(frozen=True)
class InnerList:
    items: tuple[Item, ...]
    params: Parameters


_KEY = re.compile(r"[a-z*][a-z0-9_\-.*]*")
_TOKEN = re.compile(r"[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*")
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_BASE64 = re.compile(r"[A-Za-z0-9+/=]*")
# sf-string: printable ASCII except '"' and '\\', or one of those two escaped.
_STRING = re.compile(r'"((?:[ !#-\[\]-~]|\\["\\])*)"')
_ESCAPE = re.compile(r'\\(["\\])')


class _Parser:
    def __init__(self, text: str) -> None:
        if "\x00" in text:
            raise ValueError("structured field: NUL character")
        # A NUL sentinel lets every look-ahead index directly instead of bounds-checking.
        self.text = text + "\x00"
        self.pos = 0

    def fail(self, what: str) -> ValueError:
        return ValueError(f"structured field: {what} at offset {self.pos}")

    def peek(self) -> str:
        """The next character, or "" at the end."""
        char = self.text[self.pos]
        return "" if char == "\x00" else char

    def skip_sp(self) -> None:
        while self.text[self.pos] == " ":
            self.pos += 1

    def skip_ows(self) -> None:
        while self.text[self.pos] in " \t":
            self.pos += 1

    def key(self) -> str:
        match = _KEY.match(self.text, self.pos)
        if not match:
            raise self.fail("expected a key")
        self.pos = match.end()
        return match.group()

    def parameters(self) -> Parameters:
        params: Parameters = {}
        while self.text[self.pos] == ";":
            self.pos += 1
            self.skip_sp()
            name = self.key()
            value: BareItem = True
            if self.text[self.pos] == "=":
                self.pos += 1
                value = self.bare_item()
            params[name] = value
        return params

    def bare_item(self) -> BareItem:
        char = self.peek()
        if char == '"':
            return self.string()
        if char == ":":
            return self.byte_sequence()
        if char == "?":
            if self.text[self.pos : self.pos + 2] in ("?0", "?1"):
                self.pos += 2
                return self.text[self.pos - 1] == "1"
            raise self.fail("bad boolean")
        if char == "-" or char.isdigit():
            return self.number()
        match = _TOKEN.match(self.text, self.pos)
        if not match:
            raise self.fail("expected an item")
        self.pos = match.end()
        return Token(match.group())

    def string(self) -> str:
        # One regex instead of a character loop: verify() runs this on every inbox POST.
        match = _STRING.match(self.text, self.pos)
        if not match:
            raise self.fail("bad or unterminated string")
        self.pos = match.end()
        body = match.group(1)
        return _ESCAPE.sub(r"\1", body) if "\\" in body else body

    def byte_sequence(self) -> bytes:
        end = self.text.find(":", self.pos + 1)
        if end < 0:
            raise self.fail("unterminated byte sequence")
        body = self.text[self.pos + 1 : end]
        if not _BASE64.fullmatch(body):
            raise self.fail("bad base64")
        self.pos = end + 1
        try:
            return base64.b64decode(body + "=" * (-len(body) % 4))
        except binascii.Error:
            raise self.fail("bad base64") from None

    def number(self) -> int | Decimal:
        match = _NUMBER.match(self.text, self.pos)
        if not match:
            raise self.fail("bad number")
        text = match.group()
        self.pos = match.end()
        if "." in text:
            whole, frac = text.lstrip("-").split(".")
            if len(whole) > 12 or len(frac) > 3:
                raise self.fail("decimal out of range")
            return Decimal(text)
        if len(text.lstrip("-")) > 15:
            raise self.fail("integer out of range")
        return int(text)

    def item_or_inner_list(self) -> Item | InnerList:
        if self.peek() != "(":
            value = self.bare_item()
            return Item(value, self.parameters())
        self.pos += 1
        items: list[Item] = []
        while True:
            self.skip_sp()
            if self.peek() == ")":
                self.pos += 1
                return InnerList(tuple(items), self.parameters())
            if not self.peek():
                raise self.fail("unterminated inner list")
            value = self.bare_item()
            items.append(Item(value, self.parameters()))
            if self.text[self.pos] not in " )":
                raise self.fail("expected space or ')'")


# Fast path for the well-formed fields signatures carry (strings without escapes, byte
# sequences, integers, tokens, booleans). One regex per bare item, first character decides
# the alternative exactly as `_Parser.bare_item` does; anything else (escapes, decimals, too
# long integers, any error) returns None and the step-by-step parser decides and words it.
_FAST_BARE = re.compile(
    r'"([ !#-\[\]-~]*)"'  # 1: string without escapes
    r"|:([A-Za-z0-9+/=]*):"  # 2: byte sequence
    r"|([A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*)"  # 3: token
    r"|(-?[0-9]{1,15})(?![0-9.])"  # 4: integer
    r"|\?([01])"  # 5: boolean
)
_FAST_PARAM = re.compile(r"; *([a-z*][a-z0-9_\-.*]*)(=?)")
_FAST_KEY = re.compile(r"([a-z*][a-z0-9_\-.*]*)(=?)")


def _fast_bare(text: str, pos: int) -> tuple[BareItem, int] | None:
    match = _FAST_BARE.match(text, pos)
    if match is None:
        return None
    string, encoded, token, integer, boolean = match.groups()
    if string is not None:
        return string, match.end()
    if encoded is not None:
        try:
            return base64.b64decode(encoded + "=" * (-len(encoded) % 4)), match.end()
        except binascii.Error:
            return None
    if token is not None:
        return Token(token), match.end()
    if integer is not None:
        return int(integer), match.end()
    return boolean == "1", match.end()


def _fast_params(text: str, pos: int) -> tuple[Parameters, int] | None:
    params: Parameters = {}
    while text.startswith(";", pos):
        match = _FAST_PARAM.match(text, pos)
        if match is None:
            return None
        pos = match.end()
        value: BareItem = True
        if match.group(2):
            bare = _fast_bare(text, pos)
            if bare is None:
                return None
            value, pos = bare
        params[match.group(1)] = value
    return params, pos


def _fast_inner_list(text: str, pos: int) -> tuple[InnerList, int] | None:
    """An inner list from just after its `(`, with its parameters; None: the slow parser decides."""
    items: list[Item] = []
    while True:
        while text.startswith(" ", pos):
            pos += 1
        if text.startswith(")", pos):
            parsed = _fast_params(text, pos + 1)
            if parsed is None:
                return None
            return InnerList(tuple(items), parsed[0]), parsed[1]
        bare = _fast_bare(text, pos)
        if bare is None:
            return None
        parsed = _fast_params(text, bare[1])
        if parsed is None:
            return None
        items.append(Item(bare[0], parsed[0]))
        pos = parsed[1]
        if not text.startswith((" ", ")"), pos):
            return None


def _fast_dictionary(text: str) -> dict[str, Item | InnerList] | None:
    result: dict[str, Item | InnerList] = {}
    end = len(text)
    pos = end - len(text.lstrip(" "))
    if pos == end or "\x00" in text:
        return None  # empty or NUL: rare, the reference parser handles it
    while True:
        match = _FAST_KEY.match(text, pos)
        if match is None:
            return None
        name = match.group(1)
        pos = match.end()
        member: Item | InnerList
        if not match.group(2):
            parsed = _fast_params(text, pos)
            if parsed is None:
                return None
            member = Item(True, parsed[0])
            pos = parsed[1]
        elif text.startswith("(", pos):
            inner = _fast_inner_list(text, pos + 1)
            if inner is None:
                return None
            member, pos = inner
        else:
            bare = _fast_bare(text, pos)
            if bare is None:
                return None
            parsed = _fast_params(text, bare[1])
            if parsed is None:
                return None
            member = Item(bare[0], parsed[0])
            pos = parsed[1]
        result[name] = member
        while text.startswith((" ", "\t"), pos):
            pos += 1
        if pos == end:
            return result
        if not text.startswith(",", pos):
            return None
        pos += 1
        while text.startswith((" ", "\t"), pos):
            pos += 1
        if pos == end:
            return None  # trailing comma: the reference parser words the error


def parse_dictionary(text: str) -> dict[str, Item | InnerList]:
    """Parse an sf-dictionary (RFC 8941 4.2.2); a repeated key keeps the last value."""
    fast = _fast_dictionary(text)
    if fast is not None:
        return fast
    parser = _Parser(text)
    result: dict[str, Item | InnerList] = {}
    parser.skip_sp()
    if not parser.peek():
        return result
    while True:
        name = parser.key()
        if parser.peek() == "=":
            parser.pos += 1
            result[name] = parser.item_or_inner_list()
        else:
            result[name] = Item(True, parser.parameters())
        parser.skip_ows()
        if not parser.peek():
            return result
        if parser.peek() != ",":
            raise parser.fail("expected ','")
        parser.pos += 1
        parser.skip_ows()
        if not parser.peek():
            raise parser.fail("trailing comma")


def serialize_item(value: BareItem) -> str:
    """Canonical text of one bare item (RFC 8941 4.1.3)."""
    if type(value) is str and "\\" not in value and '"' not in value:
        return f'"{value}"'  # the common case (component names, keyid), no escaping needed
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, Token):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bytes):
        return ":" + base64.b64encode(value).decode("ascii") + ":"
    if isinstance(value, Decimal):
        text = f"{value.quantize(Decimal('0.001')):f}".rstrip("0")
        return text + "0" if text.endswith(".") else text
    return str(value)


def _serialize_params(params: Parameters) -> str:
    if not params:
        return ""
    return "".join(
        f";{name}" if value is True else f";{name}={serialize_item(value)}"
        for name, value in params.items()
    )


def serialize_inner_list(value: InnerList) -> str:
    """Canonical text of an inner list with parameters: the `@signature-params` value."""
    inner = " ".join(serialize_item(i.value) + _serialize_params(i.params) for i in value.items)
    return f"({inner}){_serialize_params(value.params)}"
