"""The inbox's one transaction: block check, idempotency record and the handler's effect.

Issue 3: an activity id must be remembered only together with what its handler did, or a
failure between the two loses the activity (the sender got 202 and will not retry). Store
calls the handler makes join the open transaction (each backend's ``_transaction`` reuses
the cursor its thread has open), so a request is one BEGIN/COMMIT, and a burst of requests
(``receive_activities``) is one BEGIN/COMMIT too: the commit, the dearest part of a small
write on both backends, is paid once per burst. The blocks are read once per transaction
(``_blocks_in``), and no savepoint is spent per item: in the rare case that one item fails
or must be discarded, the whole batch is rolled back and run again one item at a time,
each in its own transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, TypeVar

from site_function.store._block_snapshot import BlockSnapshot
from site_function.store._sql_core import Cursor
from site_function.store._sql_follows import FollowStatements
from site_function.store._sql_records import RecordStatements
from site_function.store.base import (
    DomainPolicies,
    InboxItem,
    InboxVerdict,
    StoreError,
    UncommittedBatch,
)

__all__ = ["InboxStatements"]

T = TypeVar("T")
_DRIVER_MODULES = ("sqlite3", "psycopg")


class _Discard(Exception):
    """Raised inside the transaction to roll it back and hand a result out."""

    def __init__(self, result: Any) -> None:
        super().__init__("discarded")
        self.result = result


def _as_store_error(exc: Exception) -> Exception:
    if isinstance(exc, StoreError) or type(exc).__module__.split(".")[0] not in _DRIVER_MODULES:
        return exc
    return StoreError(f"{type(exc).__name__}: {exc}")


class InboxStatements(FollowStatements, RecordStatements):
    """Followers, blocks and records, plus the combined inbox calls that use them."""

    def _receive_in(self, item: InboxItem, blocks: BlockSnapshot) -> tuple[Any, bool]:
        """One item inside an open transaction: (result, keep its writes)."""
        if blocks.covers(item.actor_id):
            return InboxVerdict.BLOCKED, True
        if item.activity_id is not None and not self.remember_activity(item.activity_id, item.now):
            return InboxVerdict.DUPLICATE, True
        return item.handle(self)

    def _receive_batch_in(self, cur: Cursor, items: Sequence[InboxItem]) -> list[Any] | None:
        """Every item inside one open write transaction, without savepoints; None if one
        raised or asked to be discarded: the caller must then roll back and run the items
        one at a time (``receive_activities``).

        A batch asks the store's questions for all its items at once, each one statement:
        the blocks, which ids are new (one INSERT for all), and the senders' cached
        documents (held for the handlers, `SqlCore._held`). The answers are the ones each
        item would have had in turn: its block check, then its id, then its handler."""
        blocks = self._read_ahead(cur, items)
        blocked = [blocks.covers(item.actor_id) for item in items]
        admitted = [item for item, out in zip(items, blocked, strict=True) if not out]
        new = iter(self._new_ids(cur, admitted))
        results: list[Any] = []
        for item, out in zip(items, blocked, strict=True):
            if out:
                results.append(InboxVerdict.BLOCKED)
                continue
            if not next(new):
                results.append(InboxVerdict.DUPLICATE)
                continue
            try:
                result, keep = item.handle(self)
            except Exception:
                return None
            if not keep:
                return None
            results.append(result)
        return results if self._confirm_batch(cur) else None

    def _batch_transaction(self) -> AbstractContextManager[Cursor]:
        """The write transaction of a batch (a backend may pipeline its statements)."""
        return self._transaction(write=True)

    def _read_ahead(self, cur: Cursor, items: Sequence[InboxItem]) -> BlockSnapshot:
        """The blocks, and the admitted senders' cached documents held for the handlers (one
        query). A backend whose every answer is a round trip asks more in the same one."""
        blocks = self._blocks_in(cur)
        admitted = [item.actor_id for item in items if not blocks.covers(item.actor_id)]
        if len(admitted) > 1:
            self._hold_actors(cur, set(admitted))
        return blocks

    def _confirm_batch(self, cur: Cursor) -> bool:
        """Whether the batch's writes went as its handlers were told, checked before the
        commit by a backend that answered some of them ahead (else the batch runs again
        one item at a time)."""
        return True

    def _new_ids(self, cur: Cursor, items: Sequence[InboxItem]) -> list[bool]:
        """Remember the items' activity ids in one statement: for each item, whether its id
        is new (an item without an id always is)."""
        seen = [(item.activity_id, item.now) for item in items if item.activity_id is not None]
        added = iter(self._remember_all(cur, seen) if seen else [])
        return [item.activity_id is None or next(added) for item in items]

    def domain_policies(self) -> DomainPolicies:
        # Held for the transaction: every interaction and Follow of a batch asks (two reads).
        return self._held("domain_policies", super().domain_policies)

    def set_domain_policy(
        self, domain: str, require_approval: bool, allowed: bool, now: datetime
    ) -> None:
        self._drop_held("domain_policies")
        super().set_domain_policy(domain, require_approval, allowed, now)

    def receive_activity(
        self,
        actor_id: str,
        activity_id: str | None,
        now: datetime,
        handle: Callable[[Any], tuple[T, bool]],
    ) -> T | InboxVerdict:
        try:
            with self._transaction(write=True) as cur:
                item = InboxItem(actor_id, activity_id, now, handle)
                result, keep = self._receive_in(item, self._blocks_in(cur))
                if not keep:
                    raise _Discard(result)
                found: T | InboxVerdict = result
                return found
        except _Discard as discarded:
            kept: T = discarded.result
            return kept

    def _receive_alone(self, item: InboxItem) -> Any:
        """One item in its own transaction; its exception is its result."""
        try:
            return self.receive_activity(item.actor_id, item.activity_id, item.now, item.handle)
        except Exception as exc:
            return _as_store_error(exc)

    def receive_activities(self, items: Sequence[InboxItem]) -> list[Any]:
        if len(items) > 1:
            try:
                with self._batch_transaction() as cur:
                    results = self._receive_batch_in(cur, items)
                    if results is None:
                        raise _Discard(None)  # roll the whole batch back
                    return results
            except (_Discard, UncommittedBatch):  # rolled back: each item alone
                pass
        return [self._receive_alone(item) for item in items]
