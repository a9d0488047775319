"""The whole state read in one snapshot and written back in bulk: moving a store (issue 13).

A state export reads every kind of row the function keeps, a page at a time, from one
consistent snapshot (the queue as it was when the export began, not half drained under it);
an import or a copy inserts pages of records inside the caller's ``transaction()``, so a move
lands whole or not at all. The kinds are listed in ``TRANSFER_KINDS`` (the archive's order);
``Setting`` is the one record of its own here, a ``meta`` row.

Not part of a transfer: the blocks' generation marker (``_block_snapshot``: a cache marker
of one database; an import writes a new one) and the schema version (each database has its
own migrations).

The domain policies and the severed followers (``policies``, ``severed``) came with schema 7;
the allow-only mode is a ``meta`` row (``domains.allow_only``) and travels with the settings.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from site_function.store.domain_policies import DomainPolicy, SeveredFollower
from site_function.store.records import (
    Block,
    Delivery,
    Follower,
    HostState,
    Interaction,
    PublishedObject,
    RemoteActor,
    RemoteKey,
    SeenActivity,
)

__all__ = [
    "RECORD_TYPES",
    "TRANSFER_KINDS",
    "Setting",
    "StateSnapshot",
    "StateTransfer",
    "TransferKind",
    "TransferRecord",
]

TransferKind = Literal[
    "settings", "actors", "keys", "followers", "blocks", "policies", "severed", "ledger",
    "interactions", "queue", "hosts", "seen",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Setting:
    """One small setting (``meta`` row): the owner's settings, publish markers."""

    key: str
    value: str


TransferRecord = (
    Setting | RemoteActor | RemoteKey | Follower | Block | DomainPolicy | SeveredFollower
    | PublishedObject | Interaction | Delivery | HostState | SeenActivity
)  # fmt: skip

#: Every kind, in the order an archive holds and an import loads them.
TRANSFER_KINDS: tuple[TransferKind, ...] = (
    "settings", "actors", "keys", "followers", "blocks", "policies", "severed", "ledger",
    "interactions", "queue", "hosts", "seen",
)  # fmt: skip

RECORD_TYPES: dict[TransferKind, type[TransferRecord]] = {
    "settings": Setting,
    "actors": RemoteActor,
    "keys": RemoteKey,
    "followers": Follower,
    "blocks": Block,
    "policies": DomainPolicy,
    "severed": SeveredFollower,
    "ledger": PublishedObject,
    "interactions": Interaction,
    "queue": Delivery,
    "hosts": HostState,
    "seen": SeenActivity,
}


@runtime_checkable
class StateSnapshot(Protocol):
    """One read-only snapshot of the whole state, open until its block ends."""

    def pages(self, kind: TransferKind, size: int = 1000) -> Iterator[list[TransferRecord]]:
        """Every record of ``kind`` in a stable order (the same twice on one database), at
        most ``size`` at a time: memory stays bounded whatever the store holds."""


@runtime_checkable
class StateTransfer(Protocol):
    """Reading the whole state for an export, and loading records for an import."""

    def state_counts(self) -> dict[TransferKind, int]:
        """How many records of each kind the store holds (all zero: an empty store)."""

    def read_state(self) -> AbstractContextManager[StateSnapshot]:
        """A consistent snapshot of every kind (SQLite: one read transaction on a connection
        of its own; PostgreSQL: a repeatable-read, read-only transaction with server-side
        cursors). Writers carry on meanwhile; the snapshot does not see them."""

    def import_records(
        self, kind: TransferKind, records: Sequence[TransferRecord], *, merge: bool = False
    ) -> int:
        """Insert records of one kind as they are (times, states, revisions, queue ids),
        joining the caller's ``transaction()``. Without ``merge`` the store is expected
        empty (a duplicate is a ``StoreError``, and PostgreSQL loads with COPY); with
        ``merge`` a record whose key is held already is skipped (the held row wins) and
        queue rows get new ids. Loading blocks marks them changed. Returns rows added."""
