"""The transfer half of the SQL store: the whole state read from a snapshot, loaded in bulk.

Reads go through a backend's ``_read_snapshot`` (a cursor streaming one query at a time in
one read transaction); writes through its ``_bulk_insert`` (SQLite's ``executemany``,
PostgreSQL's COPY into an empty store). Each kind is one table with its columns, its stable
order and a row decoder shared with the rest of the store (``SqlCore``).
"""

# S608: the only text interpolated into SQL here is module constants (table and column
# names, orders); no value is ever interpolated.
# ruff: noqa: S608

from __future__ import annotations

import operator
import re
import types
import typing
from abc import abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Protocol

from site_function.store._block_snapshot import BLOCKS_GENERATION
from site_function.store._sql_core import (
    ACTOR_COLUMNS,
    BLOCK_COLUMNS,
    DELIVERY_COLUMNS,
    FOLLOWER_COLUMNS,
    HOST_COLUMNS,
    INTERACTION_COLUMNS,
    KEY_COLUMNS,
    PUBLISHED_COLUMNS,
    Cursor,
    Row,
)
from site_function.store._sql_follows import FollowStatements, domain_of
from site_function.store.domain_policies import DomainPolicy, SeveredFollower
from site_function.store.records import SeenActivity
from site_function.store.transfer import (
    RECORD_TYPES,
    TRANSFER_KINDS,
    Setting,
    StateSnapshot,
    TransferKind,
    TransferRecord,
)

__all__ = ["RowStream", "TransferStatements"]

_NOT_A_MARKER = f"key <> '{BLOCKS_GENERATION}'"
#: Columns whose record field has another name.
_FIELD_OF = {"activity_key": "key"}


@dataclass(frozen=True, slots=True)
class _Table:
    """Where one kind lives: table, columns, a total order (``{b}`` marks text to be ordered
    by code point) and an optional filter."""

    name: str
    columns: str
    order: str
    where: str = ""


_TABLES: dict[TransferKind, _Table] = {
    "settings": _Table("meta", "key, value", "key{b}", _NOT_A_MARKER),
    "actors": _Table("actors", ACTOR_COLUMNS, "id{b}"),
    "keys": _Table("remote_keys", KEY_COLUMNS, "key_id{b}"),
    "followers": _Table("followers", FOLLOWER_COLUMNS, "created_at, actor_id{b}"),
    "blocks": _Table("blocks", BLOCK_COLUMNS, "kind{b}, value{b}"),
    "policies": _Table(
        "domain_policies", "domain, require_approval, allowed, updated_at", "domain{b}"
    ),
    "severed": _Table("severed_followers", "cause, actor_id, severed_at", "cause{b}, actor_id{b}"),
    "ledger": _Table("published", PUBLISHED_COLUMNS, "first_sent_at, object_id{b}"),
    "interactions": _Table("interactions", INTERACTION_COLUMNS, "created_at, activity_id{b}"),
    "queue": _Table("deliveries", DELIVERY_COLUMNS, "id"),
    "hosts": _Table("hosts", HOST_COLUMNS, "host{b}"),
    "seen": _Table("seen_activity_keys", "activity_key, seen_at", "activity_key"),
}


# An http(s) URL whose authority is a plain host and port and whose rest holds no character an
# id may not hold: its domain is that of its origin (parsed once per origin, not per follower).
_PLAIN_ORIGIN = re.compile(
    r"(https?://[A-Za-z0-9._~-]+(?::[0-9]{1,5})?)(?:[/?#][^\x00-\x20\x7f]*)?\Z"
)


def _domain_of(actor_id: str) -> str:
    """``domain_of``, the same answer, cached by origin for the ids of the usual shape."""
    plain = _PLAIN_ORIGIN.match(actor_id)
    return _origin_domain(plain.group(1)) if plain else domain_of(actor_id)


@lru_cache(maxsize=4096)
def _origin_domain(origin: str) -> str:
    return domain_of(origin)


class RowStream(Protocol):
    """A backend's snapshot cursor: one query's rows, a page at a time."""

    def stream(self, sql: str, size: int) -> Iterator[list[Row]]: ...


class _Snapshot:
    """``StateSnapshot`` over a backend's row stream, decoding rows with the store's codecs."""

    def __init__(self, rows: RowStream, store: TransferStatements) -> None:
        self._rows = rows
        self._store = store

    def pages(self, kind: TransferKind, size: int = 1000) -> Iterator[list[TransferRecord]]:
        table = _TABLES[kind]
        order = table.order.format(b=self._store._binary_order)
        where = f" WHERE {table.where}" if table.where else ""
        sql = f"SELECT {table.columns} FROM {table.name}{where} ORDER BY {order}"
        decode = self._store._decoder(kind)
        for rows in self._rows.stream(sql, size):
            yield [decode(row) for row in rows]


class TransferStatements(FollowStatements):
    """``StateTransfer`` in portable SQL around two backend seams."""

    @abstractmethod
    def _read_snapshot(self) -> AbstractContextManager[RowStream]:
        """One read transaction on a cursor of its own, released when the block ends."""

    @abstractmethod
    def _bulk_insert(
        self, cur: Cursor, table: str, columns: str, rows: list[tuple[Any, ...]], *, merge: bool
    ) -> int:
        """Insert rows (skipping those whose key is held when ``merge``); rows added."""

    @abstractmethod
    def _resume_ids(self, cur: Cursor) -> None:
        """After queue rows were loaded with their ids: new rows get ids above them."""

    def state_counts(self) -> dict[TransferKind, int]:
        counts: dict[TransferKind, int] = {}
        with self._transaction(write=False) as cur:
            for kind in TRANSFER_KINDS:
                table = _TABLES[kind]
                where = f" WHERE {table.where}" if table.where else ""
                cur.execute(f"SELECT count(*) FROM {table.name}{where}")
                counts[kind] = int(cur.fetchone()[0])
        return counts

    @contextmanager
    def read_state(self) -> Iterator[StateSnapshot]:
        with self._read_snapshot() as rows:
            yield _Snapshot(rows, self)

    def import_records(
        self, kind: TransferKind, records: Sequence[TransferRecord], *, merge: bool = False
    ) -> int:
        if not records:
            return 0
        table = _TABLES[kind]
        columns = table.columns
        if kind == "followers":
            columns += ", domain"
        elif kind == "queue" and merge:
            columns = columns.removeprefix("id, ")  # new ids: the held rows keep theirs
        encode = self._encoder(kind, columns)
        rows = [encode(record) for record in records]
        with self._transaction(write=True) as cur:
            added = self._bulk_insert(cur, table.name, columns, rows, merge=merge)
            if kind == "queue" and not merge:
                self._resume_ids(cur)
            if kind == "blocks":
                self._new_blocks_generation(cur)
        return added

    # --- rows <-> records ------------------------------------------------------------------

    def _decoder(self, kind: TransferKind) -> Callable[[Row], TransferRecord]:
        decoders: dict[TransferKind, Callable[[Row], TransferRecord]] = {
            "settings": lambda row: Setting(str(row[0]), str(row[1])),
            "actors": self._actor,
            "keys": self._key,
            "followers": self._follower,
            "blocks": self._block,
            "policies": lambda row: DomainPolicy(
                str(row[0]), bool(row[1]), bool(row[2]), self._decode_time(row[3])
            ),
            "severed": lambda row: SeveredFollower(
                str(row[0]), str(row[1]), self._decode_time(row[2])
            ),
            "ledger": self._published,
            "interactions": self._interaction,
            "queue": self._delivery,
            "hosts": self._host,
            "seen": lambda row: SeenActivity(bytes(row[0]), self._decode_time(row[1])),
        }
        return decoders[kind]

    def _encoder(self, kind: TransferKind, columns: str) -> Callable[[Any], tuple[Any, ...]]:
        """Record -> row by column name (the records' fields are named as the columns), so a
        column added to a table and its record travels without a change here. The fields are
        read in one ``attrgetter`` call and only those of a type the database stores in
        another form (times, JSON) are converted: this runs once per imported record."""
        # A follower's ``domain`` column is derived from its actor id, not a record field.
        with_domain = kind == "followers"
        names = [_FIELD_OF.get(name, name) for name in columns.split(", ")
                 if not (with_domain and name == "domain")]  # fmt: skip
        hints = typing.get_type_hints(RECORD_TYPES[kind])
        converts = [(n, codec) for n, name in enumerate(names)
                    if (codec := self._column_codec(hints[name])) is not None]  # fmt: skip
        fields = operator.attrgetter(*names)

        def encode(record: Any) -> tuple[Any, ...]:
            row = list(fields(record))
            for n, codec in converts:
                row[n] = codec(row[n])
            if with_domain:
                row.append(_domain_of(record.actor_id))
            return tuple(row)

        return encode

    def _column_codec(self, hint: Any) -> Callable[[Any], Any] | None:
        """How a field of type ``hint`` is stored (None: as it is)."""
        inner = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if isinstance(hint, types.UnionType) and len(inner) == 1:
            hint = inner[0]
        if hint is datetime:
            return self._transfer_time
        if typing.get_origin(hint) is dict:
            encode_json = self._transfer_json
            return lambda value: None if value is None else encode_json(value)
        if typing.get_origin(hint) is tuple:
            return lambda value: self._transfer_json(list(value))
        return None

    def _transfer_time(self, value: datetime | None) -> Any:
        """A time as a bulk load writes it (see ``_transfer_json``)."""
        return self._encode_time(value)

    def _transfer_json(self, value: Any) -> Any:
        """A JSON field as a bulk load writes it: the store's own JSON codec, unless a backend
        has a cheaper form its bulk statements accept."""
        return self._encode_json(value)
