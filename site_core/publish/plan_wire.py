"""The wire form of a publish plan: the CLI sends it to the function's admin API as JSON.

`plan_to_dict` and `plan_from_dict` are inverses; parsing refuses a malformed plan with
ValueError, KeyError or TypeError, which the admin route answers with 400. `identity` and
`owner` may be absent (a plan from an older site-gen): they are then None.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from site_core.publish.owner_settings import OwnerSettings, SiteIdentity
from site_core.publish.plan import LedgerItem, PlannedActivity, PublishPlan

__all__ = ["ledger_item_from_dict", "ledger_item_to_dict", "plan_from_dict", "plan_to_dict"]


def _time_or_none(text: Any) -> datetime | None:
    return datetime.fromisoformat(text) if isinstance(text, str) and text else None


def plan_to_dict(plan: PublishPlan) -> dict[str, Any]:
    """JSON-ready form of a plan (the inverse of `plan_from_dict`)."""
    return {
        "activities": [
            {
                "kind": item.kind,
                "activity": item.activity,
                "object_id": item.object_id,
                "slug": item.slug,
                "extra_actors": list(item.extra_actors),
                "in_reply_to": item.in_reply_to,
                "note": item.note,
            }
            for item in plan.activities
        ],
        "ledger": [ledger_item_to_dict(item) for item in plan.ledger],
        "actor_hash": plan.actor_hash,
        "first_publish": plan.first_publish,
        "unchanged": plan.unchanged,
        "silent_edits": list(plan.silent_edits),
        "identity": plan.identity.to_dict() if plan.identity else None,
        "owner": plan.owner.to_dict() if plan.owner else None,
    }


def ledger_item_to_dict(item: LedgerItem) -> dict[str, Any]:
    return {
        "object_id": item.object_id,
        "slug": item.slug,
        "content_hash": item.content_hash,
        "updated": item.updated.isoformat() if item.updated else None,
        "state": item.state,
    }


def ledger_item_from_dict(data: dict[str, Any]) -> LedgerItem:
    state = data.get("state")
    if state not in ("live", "deleted"):
        raise ValueError(f"bad ledger state {state!r}")
    return LedgerItem(
        str(data["object_id"]),
        str(data["slug"]),
        str(data["content_hash"]),
        _time_or_none(data.get("updated")),
        state,
    )


def plan_from_dict(data: dict[str, Any]) -> PublishPlan:
    """Parse a plan sent as JSON; ValueError/KeyError/TypeError on a malformed one."""
    identity, owner = data.get("identity"), data.get("owner")
    activities = []
    for item in data["activities"]:
        kind = item["kind"]
        if kind not in ("create", "update", "delete", "update-actor", "move"):
            raise ValueError(f"bad activity kind {kind!r}")
        activity = item["activity"]
        if not isinstance(activity, dict) or not isinstance(activity.get("id"), str):
            raise ValueError("an activity needs an id")
        activities.append(
            PlannedActivity(
                kind,
                activity,
                str(item["object_id"]),
                item.get("slug"),
                tuple(str(a) for a in item.get("extra_actors", ())),
                item.get("in_reply_to"),
                str(item.get("note", "")),
            )
        )
    return PublishPlan(
        tuple(activities),
        tuple(ledger_item_from_dict(row) for row in data["ledger"]),
        str(data["actor_hash"]),
        bool(data["first_publish"]),
        int(data.get("unchanged", 0)),
        tuple(str(s) for s in data.get("silent_edits", ())),
        identity=SiteIdentity.from_dict(identity) if identity is not None else None,
        owner=OwnerSettings.from_dict(owner) if owner is not None else None,
    )
