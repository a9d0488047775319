"""Revoking quote authorizations when a publish takes the permission away
(FEDERATION.md#quote-consent): the post is deleted, or its quote choice became `nobody`.

The authorizations are stateless, so nothing lists them but the delivery queue: every Accept
of a quote of a post has an id starting with `quote_accept_prefix(slug)` and carries the
authorization's id as `result`. Each one found is revoked with a `Delete` of that id, sent to
the inbox its Accept went to (Mastodon then detaches the quote). An inbox whose Accept
failed, or a quoter blocked since, gets nothing. Synchronous: run in the store's thread,
before the plan's owner settings replace the stored ones.
"""

from __future__ import annotations

import json
from collections import defaultdict

from site_core.publish.owner_settings import OwnerSettings
from site_core.publish.plan import PublishPlan
from site_core.serialize import serialize
from site_core.urls import UrlScheme
from site_function.activity_parsing import first_id
from site_function.interaction_answers import authorization_delete, quote_accept_prefix
from site_function.store.base import NewDelivery, Store

__all__ = ["revocation_deliveries", "revoked_slugs"]


def _now_unquotable(store: Store, before: OwnerSettings | None, after: OwnerSettings) -> set[str]:
    """Slugs of live posts that could be quoted before and cannot be now."""
    if before is None or before.quotes == after.quotes:
        return set()
    return {
        row.slug
        for row in store.list_published()
        if row.state == "live"
        and before.quotes.choice_for(row.object_id) != "nobody"
        and after.quotes.choice_for(row.object_id) == "nobody"
    }


def revoked_slugs(store: Store, plan: PublishPlan) -> set[str]:
    """The posts whose quote authorizations this plan revokes."""
    slugs = {p.slug for p in plan.activities if p.kind == "delete" and p.slug}
    if plan.owner is not None:
        slugs |= _now_unquotable(store, store.get_owner_settings(), plan.owner)
    return slugs


def _revocations(store: Store, urls: UrlScheme, slug: str) -> list[NewDelivery]:
    prefix = quote_accept_prefix(urls, slug)
    inboxes: dict[str, list[str]] = defaultdict(list)
    for activity_id, inbox in store.activity_inboxes([prefix]):
        inboxes[activity_id].append(inbox)
    found: list[NewDelivery] = []
    for activity_id, body in store.activity_bodies([prefix]):
        accept = json.loads(body)
        result, to = accept.get("result"), first_id(accept.get("to"))
        if not isinstance(result, str) or to is None or store.is_blocked(to):
            continue
        delete = authorization_delete(urls, result)
        found += [
            NewDelivery(delete["id"], inbox, serialize(delete)) for inbox in inboxes[activity_id]
        ]
    return found


def revocation_deliveries(store: Store, urls: UrlScheme, plan: PublishPlan) -> list[NewDelivery]:
    """The Delete of every quote authorization this plan revokes, one per inbox."""
    found: list[NewDelivery] = []
    for slug in sorted(revoked_slugs(store, plan)):
        found += _revocations(store, urls, slug)
    return list({(d.activity_id, d.inbox): d for d in found}.values())
