"""The owner's admin API under /admin/api/ (JSON; bearer token from SITE_GEN_ADMIN_TOKEN).

Thin: every endpoint reads its request, calls one owner service (`site_function.owner`) in
a worker thread and answers its result; who may call is `admin_auth.requires_admin`'s
business, a refused request becomes its status in `_responses.error_answer`.

    GET  followers?state=accepted|pending|all     POST followers/approve|reject|remove {actor}
    GET  blocks        POST blocks {target, comment}        POST blocks/remove {target}
    POST blocks/import (text/csv body)             GET  blocks/export (text/csv)
    GET  interactions?object=&state=               POST interactions/moderate {id, state}
    GET  interactions/item?id=                     POST interactions/moderate-actor {actor, state}
    GET  conversations/index                       POST conversations/items {ids: [...]}
    POST conversations/decisions {decisions: {id: state}}
    GET  domains       POST domains/preview|change {action, target}    POST blocks/preview
                                                   (`admin_domains`)
"""

from __future__ import annotations

import functools

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from site_function.owner import blocks as owner_blocks
from site_function.owner import conversations as owner_conversations
from site_function.owner import followers as owner_followers
from site_function.owner import interactions as owner_interactions
from site_function.routes import admin_domains
from site_function.routes._responses import json_response
from site_function.routes._runtime import runtime_of
from site_function.routes.admin_auth import Endpoint, requires_admin
from site_function.routes.admin_body import json_body, required_text, text_body
from site_function.runtime import FunctionRuntime

__all__ = ["ADMIN_PREFIX", "routes"]

ADMIN_PREFIX = "/admin/api"


@requires_admin
async def list_followers(request: Request) -> Response:
    runtime = runtime_of(request)
    state = owner_followers.parse_follower_state(request.query_params.get("state", "accepted"))
    return json_response(await runtime.call(owner_followers.list_followers, runtime.store, state))


async def _actor_of(request: Request) -> str:
    return required_text(await json_body(request, runtime_of(request).settings.max_body), "actor")


@requires_admin
async def approve_follower(request: Request) -> Response:
    runtime, actor = runtime_of(request), await _actor_of(request)
    result = await runtime.call(
        owner_followers.approve_follower, runtime.store, runtime.urls, actor, runtime.clock()
    )
    runtime.kick_drain()
    return json_response(result)


@requires_admin
async def reject_follower(request: Request) -> Response:
    """Refuse a request or remove a follower (both `followers/reject` and `followers/remove`)."""
    runtime, actor = runtime_of(request), await _actor_of(request)
    result = await runtime.call(
        owner_followers.reject_follower, runtime.store, runtime.urls, actor, runtime.clock()
    )
    runtime.kick_drain()
    return json_response(result)


@requires_admin
async def blocks(request: Request) -> Response:
    runtime = runtime_of(request)
    if request.method == "GET":
        return json_response(await runtime.call(owner_blocks.list_blocks, runtime.store))
    body = await json_body(request, runtime.settings.max_body)
    target, comment = required_text(body, "target"), str(body.get("comment") or "")
    now = runtime.clock()
    result = await runtime.call(
        lambda: owner_blocks.add_block(runtime.store, runtime.urls, target, now, comment=comment)
    )
    runtime.kick_drain()
    return json_response(result)


@requires_admin
async def unblock(request: Request) -> Response:
    runtime = runtime_of(request)
    target = required_text(await json_body(request, runtime.settings.max_body), "target")
    return json_response(await runtime.call(owner_blocks.remove_block, runtime.store, target))


@requires_admin
async def import_blocks(request: Request) -> Response:
    runtime = runtime_of(request)
    text = await text_body(request, runtime.settings.max_body, "blocklist")
    result = await runtime.call(
        owner_blocks.import_blocks, runtime.store, runtime.urls, text, runtime.clock()
    )
    runtime.kick_drain()
    return json_response(result)


@requires_admin
async def export_blocks(request: Request) -> Response:
    runtime = runtime_of(request)
    text = await runtime.call(owner_blocks.export_blocks, runtime.store)
    return Response(text, media_type="text/csv; charset=utf-8")


@requires_admin
async def interactions(request: Request) -> Response:
    runtime = runtime_of(request)
    given = request.query_params.get("state")
    state = None if given is None else owner_interactions.parse_state(given)
    object_id = request.query_params.get("object")
    return json_response(
        await runtime.call(owner_interactions.list_interactions, runtime.store, object_id, state)
    )


@requires_admin
async def moderate(request: Request) -> Response:
    runtime = runtime_of(request)
    body = await json_body(request, runtime.settings.max_body)
    activity_id, state = required_text(body, "id"), required_text(body, "state")
    moderate = functools.partial(
        owner_interactions.moderate_interaction, urls=runtime.urls, now=runtime.clock()
    )
    result = await runtime.call(moderate, runtime.store, activity_id, state)
    return json_response(result)


@requires_admin
async def interaction(request: Request) -> Response:
    runtime = runtime_of(request)
    activity_id = request.query_params.get("id") or ""
    return json_response(
        await runtime.call(owner_interactions.get_interaction, runtime.store, activity_id)
    )


@requires_admin
async def moderate_actor(request: Request) -> Response:
    runtime = runtime_of(request)
    body = await json_body(request, runtime.settings.max_body)
    actor, state = required_text(body, "actor"), required_text(body, "state")
    moderate = functools.partial(
        owner_interactions.moderate_actor, urls=runtime.urls, now=runtime.clock()
    )
    result = await runtime.call(moderate, runtime.store, actor, state)
    return json_response(result)


@requires_admin
async def conversation_index(request: Request) -> Response:
    runtime = runtime_of(request)
    rows = await runtime.call(owner_conversations.conversation_index, runtime.store)
    return json_response({"items": rows})


@requires_admin
async def conversation_items(request: Request) -> Response:
    runtime = runtime_of(request)
    body = await json_body(request, runtime.settings.max_body)
    items = await runtime.call(
        owner_conversations.conversation_items, runtime.store, body.get("ids")
    )
    return json_response({"items": items})


@requires_admin
async def conversation_decisions(request: Request) -> Response:
    runtime = runtime_of(request)
    body = await json_body(request, runtime.settings.max_body)
    moderate = functools.partial(
        owner_conversations.moderate_many, urls=runtime.urls, now=runtime.clock()
    )
    result = await runtime.call(moderate, runtime.store, body.get("decisions"))
    return json_response(result)


ENDPOINTS: tuple[tuple[str, Endpoint, list[str]], ...] = (
    ("/followers", list_followers, ["GET"]),
    ("/followers/approve", approve_follower, ["POST"]),
    ("/followers/reject", reject_follower, ["POST"]),
    ("/followers/remove", reject_follower, ["POST"]),
    ("/blocks", blocks, ["GET", "POST"]),
    ("/blocks/remove", unblock, ["POST"]),
    ("/blocks/import", import_blocks, ["POST"]),
    ("/blocks/export", export_blocks, ["GET"]),
    ("/interactions", interactions, ["GET"]),
    ("/interactions/moderate", moderate, ["POST"]),
    ("/interactions/item", interaction, ["GET"]),
    ("/interactions/moderate-actor", moderate_actor, ["POST"]),
    ("/conversations/index", conversation_index, ["GET"]),
    ("/conversations/items", conversation_items, ["POST"]),
    ("/conversations/decisions", conversation_decisions, ["POST"]),
    *admin_domains.ENDPOINTS,
)


def routes(runtime: FunctionRuntime) -> list[BaseRoute]:
    """The admin paths (the same for every site)."""
    return [
        Route(ADMIN_PREFIX + path, endpoint, methods=methods)
        for path, endpoint, methods in ENDPOINTS
    ]
