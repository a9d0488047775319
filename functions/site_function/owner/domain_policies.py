"""The owner's domain policies: require approval, allow-only mode, and each change's preview.

Every change is described first and made second, by the same code: `preview_change` computes
what `apply_change` then does (followers removed, requests rejected, who could be invited back),
so the counts the owner confirms are the counts that happen (FEDERATION.md#domain-policies).
A domain policy never removes anyone by itself; allow-only mode removes the followers and
requests of unlisted domains (each gets a Reject) and records them as severed, so turning it
off, or allowing their domain, names whom to invite back. Blocks have their own module
(`blocks`); their preview and their unblocking go through here too, so that one preview
endpoint and one CLI confirmation serve every change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from site_core.urls import UrlScheme
from site_function.owner.block_preview import preview_block
from site_function.owner.blocks import add_block, covered, parse_block_target, remove_block
from site_function.owner.errors import OwnerRequestError
from site_function.owner.followers import answer_delivery, iso_time
from site_function.store.base import (
    DomainPolicies,
    DomainPolicy,
    Follower,
    SeveredFollower,
    Store,
    domain_candidates,
)
from site_function.store.domain_policies import ALLOW_ONLY_CAUSE, block_cause

__all__ = [
    "ACTIONS",
    "DomainChange",
    "apply_change",
    "list_domains",
    "parse_change",
    "preview_change",
]

Action = Literal["require_approval", "normal", "allow", "disallow", "allow_only_on",
                 "allow_only_off", "block", "unblock"]  # fmt: skip
ACTIONS: tuple[Action, ...] = ("require_approval", "normal", "allow", "disallow",
                               "allow_only_on", "allow_only_off", "block", "unblock")  # fmt: skip
_NEEDS_TARGET = {"require_approval", "normal", "allow", "disallow", "block", "unblock"}
_PAGE = 1000


@dataclass(frozen=True, slots=True)
class DomainChange:
    """One change the owner asks for: an action and its domain (or actor, for blocks)."""

    action: Action
    target: str = ""


def parse_change(body: Mapping[str, Any]) -> DomainChange:
    """The change a request names, checked: a known action, and a domain where it needs one."""
    action = body.get("action")
    if action not in ACTIONS:
        raise OwnerRequestError(f"action must be one of {', '.join(ACTIONS)}")
    if action not in _NEEDS_TARGET:
        return DomainChange(cast(Action, action))
    target = body.get("target")
    if not isinstance(target, str) or not target.strip():
        raise OwnerRequestError(f"{action} needs a target (a domain)")
    kind, value = parse_block_target(target)
    if kind != "domain" and action not in ("block", "unblock"):
        raise OwnerRequestError(f"{target!r}: a domain policy takes a domain, not an account")
    return DomainChange(cast(Action, action), value)


def list_domains(store: Store) -> dict[str, Any]:
    """The mode and every listed domain, as `site-gen domains list` shows them."""
    policies = store.domain_policies()
    return {
        "allow_only": policies.allow_only,
        "domains": [
            {
                "domain": p.domain,
                "require_approval": p.require_approval,
                "allowed": p.allowed,
                "since": iso_time(p.updated_at),
            }
            for p in policies.policies
        ],
    }


# --- what a change would do -------------------------------------------------------------------


def _policies_after(current: DomainPolicies, change: DomainChange, now: datetime) -> DomainPolicies:
    """The policies as they would be once the change is made (pure)."""
    if change.action == "allow_only_on":
        return DomainPolicies(True, current.policies)
    if change.action == "allow_only_off":
        return DomainPolicies(False, current.policies)
    if change.action in ("block", "unblock"):
        return current
    old = next((p for p in current.policies if p.domain == change.target), None)
    approval = old is not None and old.require_approval
    allowed = old is not None and old.allowed
    if change.action in ("require_approval", "normal"):
        approval = change.action == "require_approval"
    else:
        allowed = change.action == "allow"
    others = tuple(p for p in current.policies if p.domain != change.target)
    listed = (DomainPolicy(change.target, approval, allowed, now),) if approval or allowed else ()
    return DomainPolicies(current.allow_only, tuple(sorted(others + listed, key=_domain)))


def _domain(policy: DomainPolicy) -> str:
    return policy.domain


def _all_followers(store: Store) -> list[Follower]:
    found: list[Follower] = []
    while page := store.list_followers(None, limit=_PAGE, offset=len(found)):
        found += page
        if len(page) < _PAGE:
            break
    return found


def _outside(store: Store, policies: DomainPolicies) -> list[Follower]:
    """The followers and requests the policies would no longer admit."""
    if not policies.allow_only:
        return []
    return [f for f in _all_followers(store) if not policies.admits(f.actor_id)]


def _invite_back(store: Store, change: DomainChange) -> list[SeveredFollower]:
    """Who was severed and could follow again once the change is made."""
    if change.action == "unblock":
        kind, value = parse_block_target(change.target)
        return store.severed_followers(block_cause(kind, value))
    if change.action == "allow_only_off":
        return store.severed_followers(ALLOW_ONLY_CAUSE)
    if change.action == "allow":
        severed = store.severed_followers(ALLOW_ONLY_CAUSE)
        return [s for s in severed if change.target in domain_candidates(s.actor_id)]
    return []


def _counts(change: DomainChange, removed: list[Follower],
            invite: list[SeveredFollower]) -> dict[str, Any]:  # fmt: skip
    by_domain: dict[str, dict[str, int]] = {}
    for follower in removed:
        host = (domain_candidates(follower.actor_id) or [""])[0]
        slot = by_domain.setdefault(host, {"followers_removed": 0, "pending_rejected": 0})
        slot["pending_rejected" if follower.state == "pending" else "followers_removed"] += 1
    return {
        "action": change.action,
        "target": change.target,
        "followers_removed": sum(1 for f in removed if f.state == "accepted"),
        "pending_rejected": sum(1 for f in removed if f.state == "pending"),
        "by_domain": dict(sorted(by_domain.items())),
        "removed": [f.actor_id for f in removed],
        "invite_back": [
            {"actor": s.actor_id, "severed_at": iso_time(s.severed_at)} for s in invite
        ],
    }


def preview_change(store: Store, change: DomainChange, now: datetime) -> dict[str, Any]:
    """What `apply_change` would do, nothing changed."""
    if change.action == "block":
        hidden = preview_block(store, change.target)["pending_replies"]
        counts = _counts(change, _block_targets(store, change.target), [])
        return counts | {"pending_replies_hidden": hidden}
    after = _policies_after(store.domain_policies(), change, now)
    return _counts(change, _outside(store, after), _invite_back(store, change))


# --- making it ---------------------------------------------------------------------------------


def apply_change(
    store: Store, urls: UrlScheme, change: DomainChange, now: datetime
) -> dict[str, Any]:
    """Make the change in one store transaction; the result has the preview's shape, counted
    from what was actually removed."""
    if change.action == "block":
        with store.transaction():
            covered = _block_targets(store, change.target)
            add_block(store, urls, change.target, now)
        return _counts(change, covered, [])
    if change.action == "unblock":
        with store.transaction():
            invite = _invite_back(store, change)
            remove_block(store, change.target)
        return _counts(change, [], invite)
    with store.transaction():
        invite = _invite_back(store, change)
        after = _policies_after(store.domain_policies(), change, now)
        _store_policies(store, change, after, now)
        outside = _outside(store, after)
        rejects = [answer_delivery("Reject", f, urls) for f in outside]
        ids = [f.actor_id for f in outside]
        removed = store.sever_followers(ALLOW_ONLY_CAUSE, ids, rejects, now) if ids else []
        if change.action == "allow_only_off":
            store.forget_severed(ALLOW_ONLY_CAUSE)
    return _counts(change, removed, invite)


def _block_targets(store: Store, target: str) -> list[Follower]:
    """The followers and requests a block removes (as `blocks.covered` finds them)."""
    return covered(store, *parse_block_target(target))


def _store_policies(
    store: Store, change: DomainChange, after: DomainPolicies, now: datetime
) -> None:
    if change.action in ("allow_only_on", "allow_only_off"):
        store.set_allow_only(after.allow_only)
        return
    policy = next((p for p in after.policies if p.domain == change.target), None)
    approval, allowed = (
        (False, False) if policy is None else (policy.require_approval, policy.allowed)
    )
    store.set_domain_policy(change.target, approval, allowed, now)
