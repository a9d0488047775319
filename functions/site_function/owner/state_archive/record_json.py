"""The store's records as JSON objects and back, checked field by field (sans-IO).

One line of an archive's JSON Lines file is one record: its dataclass fields by name, with
datetimes as ISO 8601 text (UTC offset included), bytes as base64 and tuples as lists. Reading
checks every field against the record's type (a missing, unknown or ill-typed field is refused
with its name), so nothing unchecked reaches the database. Converters are built once per record
type from its type hints.

Reading is the hot path of an import (hundreds of thousands of lines): a record whose keys are
exactly its fields is checked with plain type tests and built positionally; anything else, or
any field that fails, goes through the field-by-field path that names what is wrong. Both
accept the same records (JSON gives exact types, so ``type(v) is str`` is ``isinstance``).
"""

from __future__ import annotations

import base64
import binascii
import types
import typing
from collections.abc import Callable
from datetime import datetime
from typing import Any

from site_function.store.transfer import RECORD_TYPES, TransferKind, TransferRecord

__all__ = ["RecordError", "record_from_json", "record_to_json"]

Convert = Callable[[Any], Any]


class RecordError(ValueError):
    """A JSON object that is not a valid record; the message names the field."""


def record_to_json(record: TransferRecord) -> dict[str, Any]:
    """The record as a JSON-ready dict."""
    return {name: dump(getattr(record, name)) for name, dump, _load in _fields(type(record))}


def record_from_json(kind: TransferKind, data: object) -> TransferRecord:
    """The record of ``kind`` a JSON object holds; ``RecordError`` if it is not one."""
    read = _READERS.get(kind)
    if read is None:
        read = _READERS[kind] = _fast_reader(RECORD_TYPES[kind])
    record = read(data)
    return record if record is not None else _checked(kind, data)


def _checked(kind: TransferKind, data: object) -> TransferRecord:
    """The field-by-field path: the record, or ``RecordError`` naming the first bad field."""
    if not isinstance(data, dict):
        raise RecordError("a record must be a JSON object")
    record_type = RECORD_TYPES[kind]
    fields = _fields(record_type)
    unknown = set(data) - {name for name, _dump, _load in fields}
    if unknown:
        raise RecordError(f"unknown field {sorted(unknown)[0]!r}")
    values: dict[str, Any] = {}
    for name, _dump, load in fields:
        if name not in data:
            raise RecordError(f"missing field {name!r}")
        try:
            values[name] = load(data[name])
        except (RecordError, ValueError, TypeError) as exc:
            raise RecordError(f"field {name!r}: {exc}") from None
    return record_type(**values)


_FIELDS: dict[type, tuple[tuple[str, Convert, Convert], ...]] = {}
_READERS: dict[TransferKind, Callable[[object], TransferRecord | None]] = {}
#: (name, the exact types a plain field may hold, or None and the field's converter)
_Check = tuple[str, frozenset[type] | None, Convert]


def _fast_reader(record_type: type) -> Callable[[object], TransferRecord | None]:
    """The record a well-formed JSON object holds, or None (the caller then finds why)."""
    hints = typing.get_type_hints(record_type)
    checks: tuple[_Check, ...] = tuple(
        (name, _plain_types(hints[name]), load) for name, _dump, load in _fields(record_type)
    )
    names = frozenset(name for name, _plain, _load in checks)
    if names != _own_fields(hints):
        raise TypeError(f"{record_type.__name__}: positional fields expected")

    def read(data: object) -> TransferRecord | None:
        if type(data) is not dict or data.keys() != names:
            return None
        values = []
        try:
            for name, plain, load in checks:
                value = data[name]
                if plain is None:
                    values.append(load(value))
                elif type(value) in plain:
                    values.append(value)
                else:
                    return None
        except (RecordError, ValueError, TypeError):
            return None
        record: TransferRecord = record_type(*values)
        return record

    return read


def _plain_types(hint: Any) -> frozenset[type] | None:
    """The exact JSON types a field taken as it is may hold; None for a converted field."""
    plain = {str: str, bool: bool, int: int}
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        inner = next(arg for arg in typing.get_args(hint) if arg is not type(None))
        found = _plain_types(inner)
        return None if found is None else found | {type(None)}
    if typing.get_origin(hint) is dict:
        return frozenset({dict})
    return frozenset({plain[hint]}) if hint in plain else None


def _fields(record_type: type) -> tuple[tuple[str, Convert, Convert], ...]:
    found = _FIELDS.get(record_type)
    if found is None:
        hints = typing.get_type_hints(record_type)
        found = tuple((name, *_converters(hints[name])) for name in _field_names(record_type))
        _FIELDS[record_type] = found
    return found


def _field_names(record_type: type) -> tuple[str, ...]:
    """The record's positional fields in order: a dataclass and a `FrozenRecord` (the store's
    records) both name them in `__match_args__`."""
    names: tuple[str, ...] = record_type.__match_args__  # type: ignore[attr-defined]
    return names


def _own_fields(hints: dict[str, Any]) -> frozenset[str]:
    # A record's type hints besides its class variables (a FrozenRecord's base declares two).
    return frozenset(
        name for name, hint in hints.items() if typing.get_origin(hint) is not typing.ClassVar
    )


def _converters(hint: Any) -> tuple[Convert, Convert]:
    """(dump, load) for one field type."""
    args = typing.get_args(hint)
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        inner = next(arg for arg in args if arg is not type(None))
        dump, load = _converters(inner)
        return (lambda v: None if v is None else dump(v)), (
            lambda v: None if v is None else load(v)
        )
    if hint is datetime:
        return (lambda v: v.isoformat()), _load_time
    if hint is bytes:
        return (lambda v: base64.b64encode(v).decode("ascii")), _load_bytes
    if typing.get_origin(hint) is tuple:
        return list, _load_strings
    if typing.get_origin(hint) is dict:
        return _same, _expect(dict, "an object")
    if typing.get_origin(hint) is typing.Literal:
        return _same, _one_of(args)
    if hint is bool:
        return _same, _expect(bool, "true or false")
    if hint is int:
        return _same, _load_int
    if hint is str:
        return _same, _expect(str, "text")
    raise TypeError(f"no JSON form for {hint!r}")  # a new record field: teach it here


def _same(value: Any) -> Any:
    return value


def _expect(kind: type, shown: str) -> Convert:
    def load(value: Any) -> Any:
        if not isinstance(value, kind):
            raise RecordError(f"expected {shown}")
        return value

    return load


def _one_of(allowed: tuple[Any, ...]) -> Convert:
    def load(value: Any) -> Any:
        if value not in allowed:
            raise RecordError(f"expected one of {', '.join(map(str, allowed))}")
        return value

    return load


def _load_int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise RecordError("expected a whole number")
    return value


def _load_time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise RecordError("expected an ISO 8601 time")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise RecordError("the time has no UTC offset")
    return parsed


def _load_bytes(value: Any) -> bytes:
    if not isinstance(value, str):
        raise RecordError("expected base64 text")
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        raise RecordError("expected base64 text") from None


def _load_strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise RecordError("expected a list of text")
    return tuple(value)
