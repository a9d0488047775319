"""A store filled the way a running site fills it, and every list of it, for comparisons.

Followers accepted and pending (personal and shared inboxes, the Follow we accepted), blocks
of both kinds, a publish ledger with its fan-out, interactions in every moderation state
with their authors, a half-drained delivery queue (delivered, retrying, failed, leased and
untouched rows), a paused host, cached actors and keys, seen activity ids, the owner's
settings, domain policies with allow-only mode on, and followers severed by a block and by
allow-only mode.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from site_function.store import (
    Block,
    DeliveryOutcome,
    Follower,
    HostState,
    Interaction,
    ModerationState,
    NewDelivery,
    PublishedObject,
    RemoteActor,
    RemoteKey,
    Store,
)
from site_function.store.base import InteractionKind, OutcomeKind
from site_function.store.domain_policies import ALLOW_ONLY_CAUSE, block_cause

from site_core.publish.owner_settings import OwnerSettings

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SITE = "https://blog.example/ap/actor"
POST = "https://blog.example/posts/hello"
BIG = 1_000_000


def remote(host: str, name: str) -> str:
    return f"https://{host}/users/{name}"


ACCOUNTS = [remote("m.example", "ann"), remote("m.example", "Bob"), remote("gts.example", "cy"),
            remote("other.example", "dee"), remote("m.example", "eve")]  # fmt: skip


def _actor(actor_id: str, at: datetime) -> RemoteActor:
    host = actor_id.split("/")[2]
    name = actor_id.rsplit("/", 1)[1]
    doc = {"id": actor_id, "type": "Person", "preferredUsername": name, "name": name.title(),
           "inbox": f"{actor_id}/inbox",
           "endpoints": {"sharedInbox": f"https://{host}/inbox"}}  # fmt: skip
    return RemoteActor(actor_id, f"{actor_id}/inbox", f"https://{host}/inbox",
                       f"{actor_id}#main-key", "PEM", (), doc, at)  # fmt: skip


def _follower(actor_id: str, state: str, at: datetime) -> Follower:
    host = actor_id.split("/")[2]
    follow = {"id": f"{actor_id}#follows/1", "type": "Follow", "actor": actor_id, "object": SITE}
    return Follower(actor_id, follow["id"], f"{actor_id}/inbox", f"https://{host}/inbox",
                    state, follow, at, at)  # type: ignore[arg-type]  # fmt: skip


def fill(store: Store) -> None:
    """Put the scenario in an empty store."""
    store.save_owner_settings(OwnerSettings(manually_approves_followers=True))
    for n, actor_id in enumerate(ACCOUNTS):
        at = T0 + timedelta(minutes=n)
        store.save_actor(_actor(actor_id, at))
        store.save_key(RemoteKey(f"{actor_id}#main-key", actor_id, f"PEM {n}", at))
        store.save_follower(_follower(actor_id, "accepted" if n < 3 else "pending", at))
    store.add_block(Block("account", remote("m.example", "eve"), T0, comment="spam"))
    store.add_block(Block("domain", "bad.example", T0, severity="silence", reject_media=True))
    _police(store)
    _publish(store)
    _interact(store)
    _drain_half(store)
    for n in range(5):
        store.remember_activity(f"https://m.example/activities/{n}", T0 + timedelta(seconds=n))


def _police(store: Store) -> None:
    """Domain policies, allow-only mode, and followers severed by the block and by the mode
    (a pending request severed is not recorded: it never was a follower)."""
    store.set_domain_policy("threads.example", True, False, T0)
    store.set_domain_policy("m.example", False, True, T0 + timedelta(seconds=1))
    store.set_domain_policy("gts.example", True, True, T0 + timedelta(seconds=2))
    store.set_allow_only(True)
    gone = [remote("bad.example", "zed"), remote("bad.example", "yan"), remote("far.example", "xi")]
    for n, actor_id in enumerate(gone):
        store.save_follower(_follower(actor_id, "pending" if n == 1 else "accepted", T0))
    store.sever_followers(block_cause("domain", "bad.example"), gone[:2], now=T0)
    store.sever_followers(ALLOW_ONLY_CAUSE, gone[2:], now=T0 + timedelta(minutes=1))


def _publish(store: Store) -> None:
    items = [PublishedObject(POST, "hello", "h1", T0, "live", T0, T0),
             PublishedObject(f"{POST}-2", "hello-2", "h2", None, "deleted", T0, T0)]  # fmt: skip
    inboxes = store.delivery_targets()
    deliveries = [NewDelivery(f"{POST}#create", inbox, b'{"type":"Create"}') for inbox in inboxes]
    deliveries += [NewDelivery(f"{POST}-2#delete", inbox, b"\x00\xff binary") for inbox in inboxes]
    store.save_published(items, deliveries, T0, meta={"publish.initialized": T0.isoformat()})


def _interact(store: Store) -> None:
    author: dict[str, Any] = {"id": ACCOUNTS[0], "name": "Ann", "avatar": None}
    states: list[ModerationState] = ["pending", "approved", "rejected"]
    kinds: list[InteractionKind] = ["like", "announce", "reply", "reply"]
    for n, kind in enumerate(kinds):
        activity_id = f"{ACCOUNTS[n % 3]}/activities/{n}"
        activity = {"id": activity_id, "type": kind.title(), "object": POST, "content": "é ✓"}
        store.save_interaction(
            Interaction(
                activity_id,
                kind,
                ACCOUNTS[n % 3],
                POST,
                activity,
                states[n % 3],
                T0 + timedelta(seconds=n),
                T0 + timedelta(seconds=n),
                author if n else None,
                1,
            )
        )
    store.set_moderation(f"{ACCOUNTS[0]}/activities/0", "approved")


def _drain_half(store: Store) -> None:
    now = T0 + timedelta(minutes=1)
    claimed = store.claim_due(now, 3, timedelta(minutes=5))
    kinds: list[OutcomeKind] = ["delivered", "retry", "failed"]
    store.record_many(
        [
            DeliveryOutcome(
                d.id,
                kinds[n % 3],
                503 if n else 202,
                "HTTP 503" if n else None,
                now + timedelta(minutes=10),
            )
            for n, d in enumerate(claimed)
        ],
        now,
    )
    store.claim_due(now, 1, timedelta(minutes=5))  # one row left leased, as by a killed drain
    store.save_host(HostState("gts.example", 2, now, now + timedelta(hours=1), "HTTP 503"))


def every_list(store: Store) -> dict[str, Any]:
    """What every list method of the store answers (the blocks' cache marker left out)."""
    settings = store.list_settings()
    settings.pop("blocks_generation", None)
    return {
        "followers": store.list_followers(None, limit=BIG),
        "accepted": store.list_followers("accepted", limit=BIG),
        "blocks": store.list_blocks(),
        "ledger": store.list_published(),
        "interactions": store.list_interactions(),
        "index": store.interaction_index(),
        "queue": store.list_deliveries(limit=BIG),
        "summary": store.delivery_summary(),
        "targets": store.delivery_targets(),
        "hosts": store.list_hosts(),
        "actors": store.list_actors(limit=BIG),
        "keys": store.list_keys(limit=BIG),
        "seen": store.list_seen_activities(limit=BIG),
        "settings": settings,
        "owner": store.get_owner_settings(),
        "policies": store.domain_policies(),
        "severed": store.severed_followers(),
    }
