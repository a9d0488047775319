"""The owner's decisions about followers, blocks and interactions: plain synchronous functions.

The admin API (in a worker thread) and the `site-gen followers|blocks --database` commands
call the same functions, so a decision means the same thing wherever it is taken. Each one is
one store transaction: a follower removed and the Reject that tells them are queued together
(FEDERATION.md#approval, FEDERATION.md#reject-removes, FEDERATION.md#own-blocks). Results are
JSON-ready dicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from site_function.follow_responses import follow_response_body
from site_function.store.base import (
    Block,
    BlockKind,
    Follower,
    FollowState,
    Interaction,
    ModerationState,
    NewDelivery,
    Store,
    domain_candidates,
    normalize_domain,
)
from site_gen.federation.urls import UrlScheme

__all__ = [
    "OwnerControlError",
    "add_block",
    "approve_follower",
    "block_to_dict",
    "export_blocks",
    "follower_to_dict",
    "import_blocks",
    "interaction_to_dict",
    "list_blocks",
    "list_followers",
    "list_interactions",
    "moderate_interaction",
    "parse_block_target",
    "reject_follower",
    "remove_block",
]


class OwnerControlError(Exception):
    """An owner's request that cannot be carried out (unknown follower, bad value): 404/400."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def follower_to_dict(follower: Follower) -> dict[str, Any]:
    return {
        "actor": follower.actor_id,
        "state": follower.state,
        "inbox": follower.inbox,
        "shared_inbox": follower.shared_inbox,
        "follow_id": follower.follow_id,
        "since": _iso(follower.created_at),
    }


def block_to_dict(block: Block) -> dict[str, Any]:
    return {
        "kind": block.kind,
        "value": block.value,
        "comment": block.comment,
        "severity": block.severity,
        "since": _iso(block.created_at),
    }


def interaction_to_dict(interaction: Interaction) -> dict[str, Any]:
    return {
        "id": interaction.activity_id,
        "kind": interaction.kind,
        "actor": interaction.actor_id,
        "object": interaction.object_id,
        "state": interaction.state,
        "since": _iso(interaction.created_at),
    }


# --- followers --------------------------------------------------------------------------------


def list_followers(
    store: Store, state: FollowState | None = "accepted", *, limit: int = 1000, offset: int = 0
) -> list[dict[str, Any]]:
    return [follower_to_dict(f) for f in store.list_followers(state, limit=limit, offset=offset)]


def _answer(kind: Literal["Accept", "Reject"], follower: Follower, urls: UrlScheme) -> NewDelivery:
    answer_id, body = follow_response_body(kind, follower.follow_activity, urls)
    return NewDelivery(answer_id, follower.inbox, body)


def _follower(store: Store, actor_id: str) -> Follower:
    follower = store.get_follower(actor_id)
    if follower is None:
        raise OwnerControlError(f"no follower or follow request from {actor_id}", 404)
    return follower


def approve_follower(store: Store, urls: UrlScheme, actor_id: str, now: datetime) -> dict[str, Any]:
    """Accept a pending request (FEDERATION.md#approval): the follower becomes accepted, an
    Accept is queued."""
    follower = _follower(store, actor_id)
    accepted = Follower(
        follower.actor_id,
        follower.follow_id,
        follower.inbox,
        follower.shared_inbox,
        "accepted",
        follower.follow_activity,
        follower.created_at,
        now,
    )
    store.save_follower(accepted, [_answer("Accept", follower, urls)], now)
    return follower_to_dict(accepted)


def reject_follower(store: Store, urls: UrlScheme, actor_id: str, now: datetime) -> dict[str, Any]:
    """Refuse a request or remove a follower: gone from the list, a Reject queued
    (FEDERATION.md#reject-removes)."""
    follower = _follower(store, actor_id)
    removed = store.remove_follower(actor_id, [_answer("Reject", follower, urls)], now)
    if removed is None:
        raise OwnerControlError(f"no follower or follow request from {actor_id}", 404)
    return follower_to_dict(removed)


# --- blocks -----------------------------------------------------------------------------------


def parse_block_target(text: str) -> tuple[BlockKind, str]:
    """An actor URL is an account block, a bare host name a domain block.

    Handles (`@user@host`) are refused with a hint: the store matches actor ids, and turning a
    handle into one needs a WebFinger lookup the owner can do by opening the profile.
    """
    value = text.strip()
    if value.startswith(("https://", "http://")):
        return "account", value
    if value.startswith("@") or "@" in value or "/" in value or not value:
        raise OwnerControlError(
            f"{text!r}: give an actor URL (https://server/users/name) or a domain (server.example)"
        )
    domain = normalize_domain(value)
    if "." not in domain and domain != "localhost":
        raise OwnerControlError(f"{text!r} is not a domain name")
    return "domain", domain


def _covered(store: Store, kind: BlockKind, value: str) -> list[Follower]:
    if kind == "account":
        follower = store.get_follower(value)
        return [follower] if follower is not None else []
    covered: list[Follower] = []
    offset = 0
    while True:
        page = store.list_followers(None, limit=1000, offset=offset)
        covered += [f for f in page if value in domain_candidates(f.actor_id)]
        if len(page) < 1000:
            return covered
        offset += 1000


def add_block(
    store: Store,
    urls: UrlScheme,
    target: str,
    now: datetime,
    *,
    comment: str = "",
    severity: str = "suspend",
) -> dict[str, Any]:
    """Block an account or a domain: its followers are removed and each gets a Reject
    (FEDERATION.md#own-blocks), all in the store's one transaction."""
    kind, value = parse_block_target(target)
    rejects = [_answer("Reject", f, urls) for f in _covered(store, kind, value)]
    block = Block(kind, value, now, severity=severity, comment=comment)
    removed = store.add_block(block, rejects, now)
    return {"block": block_to_dict(block), "removed": [f.actor_id for f in removed]}


def remove_block(store: Store, target: str) -> dict[str, Any]:
    kind, value = parse_block_target(target)
    if not store.remove_block(kind, value):
        raise OwnerControlError(f"no {kind} block of {value}", 404)
    return {"removed": {"kind": kind, "value": value}}


def list_blocks(store: Store) -> list[dict[str, Any]]:
    return [block_to_dict(b) for b in store.list_blocks()]


def import_blocks(store: Store, urls: UrlScheme, csv_text: str, now: datetime) -> dict[str, Any]:
    """Import a Mastodon domain-block CSV (or a plain list); each block as `add_block`.

    Rows that cannot be read are reported with their line numbers; the good rows are imported
    (a shared list with one odd line should still protect the owner).
    """
    from site_function.blocklist_csv import parse_blocklist

    parsed = parse_blocklist(csv_text, now)
    if parsed.unreadable is not None:
        raise OwnerControlError(f"the blocklist cannot be read: {parsed.unreadable}")
    blocks: Sequence[Block] = parsed.blocks
    removed: list[str] = []
    for block in blocks:
        rejects = [_answer("Reject", f, urls) for f in _covered(store, block.kind, block.value)]
        removed += [f.actor_id for f in store.add_block(block, rejects, now)]
    problems = [str(problem) for problem in parsed.problems]
    return {"imported": len(blocks), "removed": removed, "problems": problems}


def export_blocks(store: Store) -> str:
    """The domain blocks as Mastodon's CSV, ready to publish or import elsewhere."""
    from site_function.blocklist_csv import format_blocklist

    return format_blocklist([b for b in store.list_blocks() if b.kind == "domain"])


# --- interactions ------------------------------------------------------------------------------


def list_interactions(
    store: Store, object_id: str | None = None, state: ModerationState | None = None
) -> list[dict[str, Any]]:
    return [interaction_to_dict(i) for i in store.list_interactions(object_id, state)]


def moderate_interaction(store: Store, activity_id: str, state: str) -> dict[str, Any]:
    if state not in ("pending", "approved", "rejected"):
        raise OwnerControlError("state must be pending, approved or rejected")
    if not store.set_moderation(activity_id, state):  # type: ignore[arg-type]
        raise OwnerControlError(f"no interaction {activity_id}", 404)
    return {"id": activity_id, "state": state}
