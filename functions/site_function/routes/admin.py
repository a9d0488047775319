"""The owner's admin API under /admin/api/ (JSON; bearer token from SITE_GEN_ADMIN_TOKEN).

Thin: every endpoint calls one function of `owner_controls` in a worker thread. Without a
configured token the API is closed (401 for everyone). The token is compared in constant time.
A credential in the query string (`?token=`, `?access_token=`) is refused (400) even with a
good header: URLs end up in access logs and browser history, so tokens travel in
`Authorization: Bearer` only (the app also keeps admin query strings out of uvicorn's log).

    GET  followers?state=accepted|pending|all     POST followers/approve|reject|remove {actor}
    GET  blocks        POST blocks {target, comment}        POST blocks/remove {target}
    POST blocks/import (text/csv body)             GET  blocks/export (text/csv)
    GET  interactions?object=&state=               POST interactions/moderate {id, state}
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from site_function import owner_controls as controls
from site_function.json_text import unusable_text
from site_function.owner_controls import OwnerControlError
from site_function.routes._responses import json_response
from site_function.routes.inbox import read_limited_body
from site_function.runtime import FunctionRuntime

__all__ = ["ADMIN_PREFIX", "routes"]

ADMIN_PREFIX = "/admin/api"
Endpoint = Callable[[Request], Awaitable[Response]]
# Query parameters that carry a credential in other APIs: never accepted here.
_QUERY_CREDENTIALS = frozenset({"token", "access_token", "admin_token", "bearer", "api_key"})


def _credential_in_query(request: Request) -> bool:
    return any(name.lower() in _QUERY_CREDENTIALS for name in request.query_params)


def _authorized(request: Request, token: str | None) -> bool:
    if not token:
        return False
    given = request.headers.get("authorization", "")
    scheme, _, value = given.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(value.strip().encode("utf-8"), token.encode("utf-8"))


def _guarded(token: str | None, endpoint: Endpoint) -> Endpoint:
    async def guarded(request: Request) -> Response:
        if _credential_in_query(request):
            detail = (
                "a token in the URL is never accepted (URLs are logged): remove it from the"
                " query string and send the header 'Authorization: Bearer <token>'"
            )
            return json_response({"status": "token_in_query", "detail": detail}, 400)
        if not _authorized(request, token):
            response = json_response({"status": "unauthorized"}, 401)
            response.headers["WWW-Authenticate"] = 'Bearer realm="site-gen admin"'
            return response
        return await endpoint(request)

    return guarded


async def _json_body(request: Request, limit: int) -> dict[str, Any]:
    body = await read_limited_body(request, limit)
    if body is None:
        raise OwnerControlError("request body too large", 413)
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        raise OwnerControlError("request body is not JSON") from None
    if not isinstance(value, dict):
        raise OwnerControlError("request body must be a JSON object")
    unusable = unusable_text(value, body)
    if unusable is not None:
        raise OwnerControlError(f"request body: {unusable}")
    return value


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise OwnerControlError(f"'{name}' is required")
    return value.strip()


def routes(runtime: FunctionRuntime) -> list[BaseRoute]:
    store, urls, limit = runtime.store, runtime.urls, runtime.settings.max_body

    async def followers(request: Request) -> Response:
        state = request.query_params.get("state", "accepted")
        if state not in ("accepted", "pending", "all"):
            raise OwnerControlError("state must be accepted, pending or all")
        chosen = None if state == "all" else state
        return json_response(await runtime.call(controls.list_followers, store, chosen))

    def follower_action(action: Callable[..., dict[str, Any]]) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            actor = _text(await _json_body(request, limit), "actor")
            result = await runtime.call(action, store, urls, actor, runtime.clock())
            runtime.kick_drain()
            return json_response(result)

        return endpoint

    async def blocks(request: Request) -> Response:
        if request.method == "GET":
            return json_response(await runtime.call(controls.list_blocks, store))
        body = await _json_body(request, limit)
        target, comment = _text(body, "target"), str(body.get("comment") or "")
        result = await runtime.call(
            lambda: controls.add_block(store, urls, target, runtime.clock(), comment=comment)
        )
        runtime.kick_drain()
        return json_response(result)

    async def unblock(request: Request) -> Response:
        target = _text(await _json_body(request, limit), "target")
        return json_response(await runtime.call(controls.remove_block, store, target))

    async def import_blocks(request: Request) -> Response:
        body = await read_limited_body(request, limit)
        if body is None:
            raise OwnerControlError("blocklist too large", 413)
        text = body.decode("utf-8-sig", "replace")
        result = await runtime.call(controls.import_blocks, store, urls, text, runtime.clock())
        runtime.kick_drain()
        return json_response(result)

    async def export_blocks(request: Request) -> Response:
        text = await runtime.call(controls.export_blocks, store)
        return Response(text, media_type="text/csv; charset=utf-8")

    async def interactions(request: Request) -> Response:
        state = request.query_params.get("state")
        if state not in (None, "pending", "approved", "rejected"):
            raise OwnerControlError("state must be pending, approved or rejected")
        object_id = request.query_params.get("object")
        return json_response(
            await runtime.call(controls.list_interactions, store, object_id, state)
        )

    async def moderate(request: Request) -> Response:
        body = await _json_body(request, limit)
        result = await runtime.call(
            controls.moderate_interaction, store, _text(body, "id"), _text(body, "state")
        )
        return json_response(result)

    token = runtime.settings.admin_token
    table: list[tuple[str, Endpoint, list[str]]] = [
        ("/followers", followers, ["GET"]),
        ("/followers/approve", follower_action(controls.approve_follower), ["POST"]),
        ("/followers/reject", follower_action(controls.reject_follower), ["POST"]),
        ("/followers/remove", follower_action(controls.reject_follower), ["POST"]),
        ("/blocks", blocks, ["GET", "POST"]),
        ("/blocks/remove", unblock, ["POST"]),
        ("/blocks/import", import_blocks, ["POST"]),
        ("/blocks/export", export_blocks, ["GET"]),
        ("/interactions", interactions, ["GET"]),
        ("/interactions/moderate", moderate, ["POST"]),
    ]
    return [
        Route(ADMIN_PREFIX + path, _guarded(token, endpoint), methods=methods)
        for path, endpoint, methods in table
    ]
