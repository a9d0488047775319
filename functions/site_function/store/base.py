"""The one storage contract of the function, composed of one small protocol per concern.

Each concern has a module of its own (``actors``, ``followers``, ``blocks``,
``domain_policies``, ``inbox``, ``interactions``, ``queue``, ``ledger``, ``settings``, ``pages``
for the admin page's keyset reads, and ``lifecycle`` for opening, migrating and transactions);
``Store`` is all of them at once, what both backends implement (SQLite, the embedded default,
and PostgreSQL for serverless hosts) and what most callers take. A caller that needs one
concern may ask for its small protocol instead. One contract
suite in ``tests/function/store/`` runs against both backends. The records it stores are in
``records``.

The interface is synchronous: the ASGI app calls it in a worker thread, the command line
calls it directly. Every writing method is one transaction: it happens whole or not at all,
so a follow and the Accept that answers it are recorded together (issue 3), and a publish and
its deliveries too (issue 4); ``transaction()`` joins several calls into one. Reads may run
statement by statement, each statement seeing a consistent snapshot.

Conventions every backend keeps:

- datetimes go in and come out timezone-aware in UTC (naive datetimes are refused); where
  ``now`` is optional (it follows a defaulted argument), None means the current UTC time;
- JSON documents are ``dict`` values, request bodies are ``bytes``;
- a delivery's ``host`` is the lower-cased ``hostname[:port]`` of its inbox (the breaker unit);
- domain block values are lower-cased IDNA (``normalize_domain``) and cover subdomains;
- list methods return stable orders, so a state export reads the same twice.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

# The records and the host helpers have modules of their own; they are re-exported here
# because callers read the contract and its records together.
from site_core.domains import domain_candidates, host_of, normalize_domain
from site_core.publish.owner_settings import OwnerSettings
from site_function.store.actors import ActorCache
from site_function.store.blocks import BlockStore
from site_function.store.domain_policies import (
    DomainPolicies,
    DomainPolicy,
    DomainPolicyStore,
    SeveredFollower,
)
from site_function.store.followers import FollowerStore
from site_function.store.inbox import InboxItem, InboxStore, InboxVerdict
from site_function.store.interactions import InteractionStore
from site_function.store.ledger import LedgerStore
from site_function.store.lifecycle import StoreLifecycle
from site_function.store.notifications import DigestMerge, DigestSlot, NotificationStore
from site_function.store.pages import PagedReads, PageKey
from site_function.store.queue import DeliveryQueue
from site_function.store.records import (
    Block,
    BlockKind,
    Delivery,
    DeliveryKind,
    DeliveryOutcome,
    DeliveryState,
    DeliverySummary,
    Follower,
    FollowState,
    HostState,
    HostSummary,
    Interaction,
    InteractionKind,
    InteractionSummary,
    ModerationResult,
    ModerationState,
    NewDelivery,
    OutcomeKind,
    PublishedObject,
    PublishedState,
    RemoteActor,
    RemoteKey,
    SeenActivity,
    StoreError,
    UncommittedBatch,
)
from site_function.store.settings import SettingsStore
from site_function.store.transfer import StateTransfer

__all__ = [
    "ActorCache",
    "Block",
    "BlockKind",
    "BlockStore",
    "Delivery",
    "DeliveryKind",
    "DeliveryOutcome",
    "DeliveryQueue",
    "DeliveryState",
    "DeliverySummary",
    "DigestMerge",
    "DigestSlot",
    "DomainPolicies",
    "DomainPolicy",
    "DomainPolicyStore",
    "FollowState",
    "Follower",
    "FollowerStore",
    "HostState",
    "HostSummary",
    "InboxItem",
    "InboxStore",
    "InboxVerdict",
    "Interaction",
    "InteractionKind",
    "InteractionStore",
    "InteractionSummary",
    "LedgerStore",
    "ModerationResult",
    "ModerationState",
    "NewDelivery",
    "NotificationStore",
    "OutcomeKind",
    "OwnerSettings",
    "PageKey",
    "PagedReads",
    "PublishedObject",
    "PublishedState",
    "RemoteActor",
    "RemoteKey",
    "SeenActivity",
    "SettingsStore",
    "SeveredFollower",
    "StateTransfer",
    "Store",
    "StoreError",
    "StoreLifecycle",
    "UncommittedBatch",
    "domain_candidates",
    "host_of",
    "normalize_domain",
]


@runtime_checkable
class Store(
    StoreLifecycle,
    ActorCache,
    FollowerStore,
    BlockStore,
    DomainPolicyStore,
    InteractionStore,
    InboxStore,
    DeliveryQueue,
    NotificationStore,
    LedgerStore,
    SettingsStore,
    PagedReads,
    StateTransfer,
    Protocol,
):
    """The function's state: every concern's protocol at once. Every method is one
    transaction, whole or not at all."""
