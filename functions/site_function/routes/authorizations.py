"""GET /ap/authorizations/quote/<token> and /ap/authorizations/reply/<token>: the quote and
reply authorizations the function granted, for the servers that dereference them.

A quote authorization is valid while its stamp verifies (`authorization_stamps`), the post is
still published, its quote choice is not `nobody` and the quoter is not blocked; a reply
authorization while the reply is held, approved, and answers one of our posts. Anything else
is 404: a revoked authorization no longer verifies, so a server that fetches it again drops
the quote or reply (FEDERATION.md#quote-consent, FEDERATION.md#reply-authorization). The
documents are public, like the posts they concern.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from site_core.urls import UrlScheme
from site_function.authorization_stamps import (
    QuoteGrant,
    read_quote_token,
    read_reply_token,
    reply_authorization_id,
)
from site_function.interaction_answers import quote_authorization, reply_authorization
from site_function.routes._responses import activity_response, json_response
from site_function.routes._runtime import runtime_of
from site_function.runtime import FunctionRuntime
from site_function.store.base import Store

__all__ = ["routes"]


def _quote_still_granted(store: Store, grant: QuoteGrant, post_id: str) -> bool:
    published = store.get_published(post_id)
    if published is None or published.state != "live" or store.is_blocked(grant.quoter_id):
        return False
    owner = store.get_owner_settings()
    return owner is not None and owner.quotes.choice_for(post_id) != "nobody"


def _approved_reply(store: Store, urls: UrlScheme, reply_id: str) -> dict[str, Any] | None:
    """The reply authorization's document, if the reply is held, approved and answers one of
    our posts directly (its record's `inReplyTo` is the post it is stored under)."""
    held = store.get_interaction(reply_id)
    if held is None or held.kind != "reply" or held.state != "approved":
        return None
    if held.activity.get("inReplyTo") != held.object_id or store.is_blocked(held.actor_id):
        return None
    authorization_id = reply_authorization_id(urls, reply_id)
    return reply_authorization(urls, reply_id, held.object_id, authorization_id)


async def quote(request: Request) -> Response:
    runtime = runtime_of(request)
    token = str(request.path_params["token"])
    grant = read_quote_token(runtime.stamp_key, token)
    if grant is None:
        return json_response({"status": "not_found"}, 404)
    urls = runtime.urls
    post_id = urls.post_object(grant.slug)
    if not await runtime.call(_quote_still_granted, runtime.store, grant, post_id):
        return json_response({"status": "not_found"}, 404)
    return activity_response(quote_authorization(urls, grant, urls.authorization("quote", token)))


async def reply(request: Request) -> Response:
    runtime = runtime_of(request)
    reply_id = read_reply_token(str(request.path_params["token"]))
    found = None
    if reply_id is not None:
        found = await runtime.call(_approved_reply, runtime.store, runtime.urls, reply_id)
    if found is None:
        return json_response({"status": "not_found"}, 404)
    return activity_response(found)


def routes(runtime: FunctionRuntime) -> list[BaseRoute]:
    """The two authorization paths (`UrlScheme.authorization`; the hosts send them here)."""
    return [
        Route("/ap/authorizations/quote/{token}", quote, methods=["GET", "HEAD"]),
        Route("/ap/authorizations/reply/{token}", reply, methods=["GET", "HEAD"]),
    ]
