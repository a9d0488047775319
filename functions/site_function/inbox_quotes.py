"""The inbox's handler of a `QuoteRequest` (FEP-044f, as Mastodon 4.5 sends it): someone asks
to quote one of our published posts, and is answered at once (FEDERATION.md#quote-consent).

The answer follows the post's quote choice as the last publish stated it (`QuotePolicy`, read
from the built object's `canQuote`): `everyone` is accepted, `followers` accepted for an
accepted follower, `nobody` (and unknown settings) refused. An `Accept` carries as `result`
the id of a `QuoteAuthorization` the function serves (`routes.authorizations`), stamped so that
no table is needed; a `Reject` carries nothing. Blocked accounts and domains never get here:
the inbox refuses them before any key fetch, and nothing is delivered to them
(FEDERATION.md#own-blocks).

The request and its `instrument` (the quoting post) must be on the actor's own origin, as
Mastodon requires; the quote itself is not stored (it is not part of our conversation).
"""

from __future__ import annotations

from typing import Any

from site_core.serialize import serialize
from site_core.urls import UrlScheme
from site_function.activity_parsing import first_id
from site_function.authorization_stamps import (
    QuoteGrant,
    quote_authorization_id,
    read_quote_token,
)
from site_function.inbox_events import Ignored, QuoteRequested
from site_function.inbox_handler_types import (
    Handled,
    HandlerContext,
    HandlerResult,
    NeedsActor,
    owner_settings,
)
from site_function.interaction_answers import quote_answer
from site_function.interaction_records import usable_id
from site_function.remote_actors import same_origin
from site_function.store.base import NewDelivery, Store

__all__ = ["handle_quote_request", "live_slug", "unauthorized_quote"]

# Where a quoting post names what it quotes: FEP-044f, then the older Fedibird, Misskey and
# Pleroma properties Mastodon still reads.
_QUOTE_KEYS = ("quote", "quoteUri", "_misskey_quote", "quoteUrl")


def live_slug(store: Store, urls: UrlScheme, object_id: str | None) -> str | None:
    """The slug of one of our posts as published (live in the ledger), else None."""
    prefix = urls.post_object("")
    if object_id is None or not object_id.startswith(prefix):
        return None
    published = store.get_published(object_id)
    return published.slug if published is not None and published.state == "live" else None


def _may_quote(store: Store, ctx: HandlerContext, post_id: str, actor_id: str) -> bool:
    owner = owner_settings(store, ctx)
    choice = "nobody" if owner is None else owner.quotes.choice_for(post_id)
    if choice == "followers":
        follower = store.get_follower(actor_id)
        return follower is not None and follower.state == "accepted"
    return choice == "everyone"


def handle_quote_request(
    store: Store, ctx: HandlerContext, activity: dict[str, Any], actor_id: str
) -> HandlerResult:
    """Accept (with a QuoteAuthorization) or Reject a request to quote one of our posts."""
    request_id = usable_id(activity.get("id"))
    if request_id is None or not same_origin(request_id, actor_id):
        return Handled(Ignored(actor_id, "quote request id not on the actor's origin"))
    post_id = first_id(activity.get("object"))
    slug = live_slug(store, ctx.urls, post_id)
    if slug is None or post_id is None:
        return Handled(Ignored(actor_id, "not about our published posts"))
    quote_id = usable_id(first_id(activity.get("instrument")))
    if quote_id is None or not same_origin(quote_id, actor_id):
        return Handled(Ignored(actor_id, "no quoting post on the actor's origin"))
    actor = ctx.fetched if ctx.fetch_tried else store.get_actor(actor_id)
    if actor is None:
        if not ctx.fetch_tried:
            return NeedsActor(actor_id)
        return Handled(Ignored(actor_id, "quoting actor could not be fetched"))
    authorized = _may_quote(store, ctx, post_id, actor_id)
    if authorized:
        grant = QuoteGrant(slug, quote_id, actor_id)
        result = quote_authorization_id(ctx.stamp_key, ctx.urls, grant)
        answer = quote_answer("Accept", activity, ctx.urls, slug, result)
    else:
        answer = quote_answer("Reject", activity, ctx.urls, slug)
    store.enqueue([NewDelivery(answer["id"], actor.inbox, serialize(answer))], ctx.now)
    event = QuoteRequested(request_id, actor_id, post_id, quote_id, authorized)
    return Handled(event, queued=True)


def unauthorized_quote(ctx: HandlerContext, note: dict[str, Any], actor_id: str) -> bool:
    """True when the post quotes one of ours without an authorization we granted for exactly
    this post, quote and quoter: it is not shown in our conversation
    (FEDERATION.md#quote-consent). Checked here, with the stamp, without any request."""
    prefix = ctx.urls.post_object("")
    quoted = [first_id(note.get(key)) for key in _QUOTE_KEYS]
    ours = {q for q in quoted if q is not None and q.startswith(prefix)}
    if not ours:
        return False
    granted = first_id(note.get("quoteAuthorization")) or ""
    token_prefix = ctx.urls.authorization("quote", "")
    if not granted.startswith(token_prefix):
        return True
    grant = read_quote_token(ctx.stamp_key, granted[len(token_prefix) :])
    if grant is None or grant.quoter_id != actor_id or grant.quote_id != note.get("id"):
        return True
    return ours != {ctx.urls.post_object(grant.slug)}
