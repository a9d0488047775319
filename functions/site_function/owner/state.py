"""What the owner (and the CLI's planner) reads: the publish ledger and the delivery queue.

The same JSON shapes over the admin API and from a database the CLI opened.
"""

from __future__ import annotations

from typing import Any

from site_core.publish.plan_wire import ledger_item_to_dict
from site_function.delivery.publishing import ledger_state, summary_as_dict
from site_function.store.base import Store

__all__ = ["ledger_as_dict", "ledger_state", "summary_as_dict"]


def ledger_as_dict(store: Store) -> dict[str, Any]:
    """The ledger the CLI plans against, as the admin API sends it. Synchronous."""
    state = ledger_state(store)
    return {
        "initialized": state.initialized,
        "actor_hash": state.actor_hash,
        "items": [ledger_item_to_dict(item) for item in state.items],
    }
