"""The function's storage: one ``Store`` contract, SQLite and PostgreSQL backends.

``open_store(url)`` picks the backend from the URL; backends import their drivers lazily so
importing this package stays cheap at cold start.
"""

from __future__ import annotations

from site_function.store.base import (
    Block,
    BlockKind,
    Delivery,
    DeliveryOutcome,
    DeliveryState,
    DeliverySummary,
    Follower,
    FollowState,
    HostState,
    HostSummary,
    Interaction,
    ModerationState,
    NewDelivery,
    PublishedObject,
    RemoteActor,
    RemoteKey,
    Store,
    StoreError,
    host_of,
    normalize_domain,
)
from site_function.store.factory import open_store

__all__ = [
    "Block",
    "BlockKind",
    "Delivery",
    "DeliveryOutcome",
    "DeliveryState",
    "DeliverySummary",
    "FollowState",
    "Follower",
    "HostState",
    "HostSummary",
    "Interaction",
    "ModerationState",
    "NewDelivery",
    "PublishedObject",
    "RemoteActor",
    "RemoteKey",
    "Store",
    "StoreError",
    "host_of",
    "normalize_domain",
    "open_store",
]
