"""The owner's per-domain policies beside blocks, and the record of what a block severed.

A domain may require approval of every Follow from it (as many servers do for threads.net),
and in allow-only mode only the listed (``allowed``) domains may follow or interact. A policy
covers the domain's subdomains; the most specific listed domain decides. Removing followers
for a block or for allow-only mode records who was removed (``SeveredFollower``), so that
lifting it can tell the owner whom to invite back.

The records are `FrozenRecord`s (every cold start imports them: see `frozen_record`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from site_core.domains import domain_candidates
from site_function.frozen_record import FrozenRecord
from site_function.store.records import Follower, NewDelivery

__all__ = [
    "ALLOW_ONLY_CAUSE",
    "DomainPolicies",
    "DomainPolicy",
    "DomainPolicyStore",
    "SeveredFollower",
    "block_cause",
]

ALLOW_ONLY_CAUSE = "allow-only"  # the cause of followers removed when allow-only was turned on


def block_cause(kind: str, value: str) -> str:
    """The cause recorded for followers a block removed: ``domain:host`` or ``account:url``."""
    return f"{kind}:{value}"


class DomainPolicy(FrozenRecord):
    """One listed domain: whether its follows wait for the owner, whether it is allowed."""

    domain: str
    require_approval: bool
    allowed: bool
    updated_at: datetime


class DomainPolicies(FrozenRecord):
    """Every listed domain and the allow-only mode, as the inbox applies them."""

    allow_only: bool
    policies: tuple[DomainPolicy, ...] = ()

    def policy_for(self, actor_id: str) -> DomainPolicy | None:
        """The most specific listed domain covering the actor's host, if any."""
        by_domain = {policy.domain: policy for policy in self.policies}
        for candidate in domain_candidates(actor_id):
            if candidate in by_domain:
                return by_domain[candidate]
        return None

    def requires_approval(self, actor_id: str) -> bool:
        policy = self.policy_for(actor_id)
        return policy is not None and policy.require_approval

    def admits(self, actor_id: str) -> bool:
        """True unless allow-only mode is on and no allowed domain covers the actor."""
        if not self.allow_only:
            return True
        return any(p.allowed and p.domain in domain_candidates(actor_id) for p in self.policies)


class SeveredFollower(FrozenRecord):
    """A follower removed by a block or by allow-only mode, and when."""

    cause: str
    actor_id: str
    severed_at: datetime


@runtime_checkable
class DomainPolicyStore(Protocol):
    """Domain policies, allow-only mode and the severed followers' record."""

    def domain_policies(self) -> DomainPolicies:
        """The mode and every listed domain (a small table, read whole)."""

    def set_domain_policy(
        self, domain: str, require_approval: bool, allowed: bool, now: datetime
    ) -> None:
        """Replace a domain's policy; a domain neither requiring approval nor allowed is
        unlisted (its row goes)."""

    def set_allow_only(self, on: bool) -> None:
        """Turn allow-only mode on or off (followers are not touched: `sever_followers`)."""

    def sever_followers(
        self,
        cause: str,
        actor_ids: Sequence[str],
        deliveries: Sequence[NewDelivery] = (),
        now: datetime | None = None,
    ) -> list[Follower]:
        """Remove these followers and requests, enqueue ``deliveries`` (their Rejects) and
        record the accepted ones as severed by ``cause``, atomically. Returns the removed."""

    def severed_followers(self, cause: str | None = None) -> list[SeveredFollower]:
        """The record for one cause (every cause when None), by time then actor."""

    def forget_severed(self, cause: str) -> list[SeveredFollower]:
        """Delete and return the record for one cause (the block was lifted)."""
