"""The owner's blocks of accounts and whole domains (values as ``normalize_domain`` gives)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from site_function.store.records import Block, BlockKind, Follower, NewDelivery

__all__ = ["BlockStore"]


@runtime_checkable
class BlockStore(Protocol):
    """Blocks; adding one removes the followers it covers in the same transaction."""

    def add_block(
        self,
        block: Block,
        deliveries: Sequence[NewDelivery] = (),
        now: datetime | None = None,
    ) -> list[Follower]:
        """Store the block (replacing one of the same kind and value), remove every follower
        and pending request it covers and enqueue ``deliveries`` (the Rejects), atomically.
        Returns the removed followers so the caller can build Rejects in a second call."""

    def remove_block(self, kind: BlockKind, value: str) -> bool:
        """Lift a block; False if there was none."""

    def list_blocks(self) -> list[Block]:
        """Every block, ordered by kind then value."""

    def is_blocked(self, actor_id: str) -> bool:
        """True if the actor is blocked by account, or its host by a domain block on it or
        on any parent domain. An index lookup, no cache."""
