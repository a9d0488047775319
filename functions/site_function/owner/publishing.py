"""Publishing a plan: the checks every plan passes, then `delivery.publishing.apply_plan`.

The plan is made by the CLI from the built site (`site_core.publish.plan`). Whether it comes
over the admin API or runs on a database the CLI opened (`--database`), it is refused here,
before anything is written or fetched, when:

- it was made for another site: site.yaml's `base_url`, `username` or `function_url` is not
  the function's (409, naming each setting they disagree on);
- one of its activities is by another actor than ours (400);
- it creates a post at the id of one we deleted: receivers keep the tombstone and refuse the
  id forever (FEDERATION.md#tombstones), so a new post needs a new slug (400).
"""

from __future__ import annotations

from typing import Any

from site_core.publish.owner_settings import SiteIdentity
from site_core.publish.plan import PublishPlan
from site_core.publish.plan_wire import plan_from_dict
from site_core.urls import UrlScheme
from site_function.delivery.publishing import FanOutContext, PublishOutcome, apply_plan
from site_function.owner.errors import OwnerRequestError
from site_function.store.base import PublishedObject, Store

__all__ = [
    "check_plan",
    "deleted_object",
    "identity_refusal",
    "plan_from_request",
    "publish_plan",
]


def plan_from_request(body: dict[str, Any]) -> PublishPlan:
    """The plan of an admin request body (`{"plan": ..., "dry_run": ...}`), or a 400."""
    try:
        return plan_from_dict(body["plan"])
    except (KeyError, TypeError, ValueError) as exc:
        raise OwnerRequestError(f"malformed plan: {exc}") from None


def identity_refusal(plan: PublishPlan, urls: UrlScheme) -> str | None:
    """Why a plan made for another site is refused, in the owner's words (None if it is
    this function's site): each setting site.yaml and the function disagree on."""
    if plan.identity is None:  # a plan from an older site-gen: its activities still say
        return None
    found = plan.identity.contradictions(SiteIdentity.of(urls))
    if not found:
        return None
    return "; ".join(found) + ". Make them the same (and rebuild and deploy), then publish again"


def deleted_object(store: Store, object_id: str) -> PublishedObject | None:
    """The ledger row of an object we announced as deleted (its URL answers 410), or None."""
    row = store.get_published(object_id)
    return row if row is not None and row.state == "deleted" else None


def check_plan(store: Store, urls: UrlScheme, plan: PublishPlan) -> None:
    """Refuse a plan for another site, by another actor, or re-creating a deleted post.
    Synchronous (it reads the ledger): call it in a worker thread."""
    refusal = identity_refusal(plan, urls)
    if refusal is not None:
        raise OwnerRequestError(refusal, 409)
    for planned in plan.activities:
        actor = planned.activity.get("actor")
        if actor != urls.actor:
            raise OwnerRequestError(
                f"the activity {planned.activity_id} is by {actor!r}, but the function's"
                f" actor is {urls.actor} (from SITE_GEN_BASE_URL): site.yaml's base_url"
                " must be the function's"
            )
        if planned.kind == "create" and deleted_object(store, planned.object_id) is not None:
            raise OwnerRequestError(f"{planned.object_id} was deleted: a new post needs a new slug")


async def publish_plan(ctx: FanOutContext, plan: PublishPlan, *, dry_run: bool) -> PublishOutcome:
    """Check the plan, then queue its deliveries with its ledger rows (or, dry, only report).
    The caller wakes the drain when `outcome.queued`."""
    await ctx.call(check_plan, ctx.store, ctx.urls, plan)
    return await apply_plan(ctx, plan, own_prefix=ctx.urls.post_object(""), dry_run=dry_run)
