"""The owner's blocks held in memory for the inbox's transaction, checked by a generation.

Every inbox request asks "is this actor or its domain blocked?". Asked in SQL that is one
query per request; asked here it is one query per batch: the store reads the generation row
(``meta`` key ``blocks_generation``, rewritten by every ``add_block``/``remove_block`` in the
same transaction as the change) inside the inbox's own transaction, and reloads the blocks
only when it differs from the snapshot's. Other processes (the CLI, other workers) change
the row too, so a block added anywhere counts from the next transaction on, as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from site_function.store.base import domain_candidates

__all__ = ["BLOCKS_GENERATION", "BlockSnapshot"]

BLOCKS_GENERATION = "blocks_generation"  # the meta key


@dataclass(frozen=True)
class BlockSnapshot:
    """The blocks as of one generation: account ids and domains (lower-case IDNA)."""

    generation: str
    accounts: frozenset[str]
    domains: frozenset[str]

    @classmethod
    def of(cls, generation: str, rows: Iterable[tuple[str, str]]) -> BlockSnapshot:
        accounts: set[str] = set()
        domains: set[str] = set()
        for kind, value in rows:
            (accounts if kind == "account" else domains).add(value)
        return cls(generation, frozenset(accounts), frozenset(domains))

    def covers(self, actor_id: str) -> bool:
        """The same answer as ``Store.is_blocked``: the account, its host or a parent domain."""
        if actor_id in self.accounts:
            return True
        if not self.domains:
            return False
        return any(domain in self.domains for domain in domain_candidates(actor_id))
