"""The documents the function writes about interactions with our posts (sans-IO): the answer
to a `QuoteRequest`, the answer to a reply the owner decided on, the authorizations it serves,
and the `Delete` that revokes a quote authorization.

Shapes follow the two peers that define them: Mastodon 4.5 for quotes (FEP-044f:
`Accept{QuoteRequest}` whose `result` is the `QuoteAuthorization`, `Reject{QuoteRequest}`,
`Delete` of the authorization), GoToSocial for replies (an `Accept` whose `object` is the
reply and `target` our post, with a `ReplyAuthorization` as `result`; a `Reject` without one).
The id of an accepted quote's `Accept` starts with `quote_accept_prefix(slug)`, so a later
revocation finds every authorization of a post in the delivery queue without a table of its
own (FEDERATION.md#quote-consent).
"""

from __future__ import annotations

import secrets
import time
from typing import Any, Literal

from site_core.context import AUTHORIZATION_CONTEXT, PUBLIC
from site_core.urls import UrlScheme
from site_function.activity_parsing import first_id
from site_function.authorization_stamps import QuoteGrant

__all__ = [
    "authorization_delete",
    "quote_accept_prefix",
    "quote_answer",
    "quote_authorization",
    "reply_answer",
    "reply_authorization",
]

Answer = Literal["Accept", "Reject"]


def _unique() -> str:
    """Time-ordered then random, as `follow_responses.new_activity_id` makes them."""
    return f"{time.time_ns():016x}{secrets.token_hex(8)}"


def quote_accept_prefix(urls: UrlScheme, slug: str) -> str:
    """Every Accept of a quote of the post `slug` has an id starting so ('.' is in no slug)."""
    return urls.function_activity(f"quote-accept-{slug}.")


def _embedded_request(request: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": request.get("id"),
        "type": "QuoteRequest",
        "actor": first_id(request.get("actor")),
        "object": first_id(request.get("object")),
        "instrument": first_id(request.get("instrument")),
    }


def quote_answer(
    kind: Answer, request: dict[str, Any], urls: UrlScheme, slug: str, result: str | None = None
) -> dict[str, Any]:
    """The Accept (with the authorization's id as `result`) or Reject of a QuoteRequest."""
    embedded = _embedded_request(request)
    name = f"quote-accept-{slug}.{_unique()}" if kind == "Accept" else f"quote-reject-{_unique()}"
    answer: dict[str, Any] = {
        "@context": AUTHORIZATION_CONTEXT,
        "id": urls.function_activity(name),
        "type": kind,
        "actor": urls.actor,
        "to": [embedded["actor"]],
        "object": embedded,
    }
    if result is not None:
        answer["result"] = result
    return answer


def quote_authorization(
    urls: UrlScheme, grant: QuoteGrant, authorization_id: str
) -> dict[str, Any]:
    """The QuoteAuthorization Mastodon dereferences and checks field by field."""
    return {
        "@context": AUTHORIZATION_CONTEXT,
        "id": authorization_id,
        "type": "QuoteAuthorization",
        "attributedTo": urls.actor,
        "interactingObject": grant.quote_id,
        "interactionTarget": urls.post_object(grant.slug),
    }


def authorization_delete(urls: UrlScheme, authorization_id: str) -> dict[str, Any]:
    """The revocation of a quote authorization; its id is the authorization's, so a second
    revocation to the same inbox is the same delivery (the queue keeps one)."""
    return {
        "@context": AUTHORIZATION_CONTEXT,
        "id": f"{authorization_id}#delete",
        "type": "Delete",
        "actor": urls.actor,
        "to": [PUBLIC],
        "object": authorization_id,
    }


def reply_authorization(
    urls: UrlScheme, reply_id: str, target: str, authorization_id: str
) -> dict[str, Any]:
    """The ReplyAuthorization GoToSocial dereferences before it shows an approved reply."""
    return {
        "@context": AUTHORIZATION_CONTEXT,
        "id": authorization_id,
        "type": "ReplyAuthorization",
        "attributedTo": urls.actor,
        "interactingObject": reply_id,
        "interactionTarget": target,
    }


def reply_answer(
    kind: Answer, urls: UrlScheme, reply_id: str, author: str, target: str, result: str | None
) -> dict[str, Any]:
    """The Accept (with `result`) or Reject of a reply that waited for the owner's review,
    in GoToSocial's form for a reply sent without a request first."""
    answer: dict[str, Any] = {
        "@context": AUTHORIZATION_CONTEXT,
        "id": urls.function_activity(f"reply-{kind.lower()}-{_unique()}"),
        "type": kind,
        "actor": urls.actor,
        "to": [author],
        "object": reply_id,
        "target": target,
    }
    if result is not None:
        answer["cc"] = [PUBLIC, urls.followers]
        answer["result"] = result
    return answer
