"""Publishing routes: the admin API the CLI publishes and steers deliveries through, and the
410 Tombstone of deleted posts.

    GET  /admin/api/publish/ledger        the ledger, for the CLI to plan against
    POST /admin/api/publish               {plan, dry_run}: queue (or only report) a plan
    GET  /admin/api/deliveries            counts per state and per host, last errors, pauses
    POST /admin/api/deliveries/retry      {host?}: failed rows back in the queue
    POST /admin/api/deliveries/drain      {budget}: drain now, answer with the report
    POST /admin/api/move                  {activity}: queue a Move to every follower
    GET  /ap/posts/{slug}                 410 + Tombstone for a deleted post, when the documents
                                          route does not serve /ap/ itself
                                          (FEDERATION.md#tombstones)

The plan is made by the CLI from the built site (`site_gen.publish.plan`); the function only
checks its shape and that it is for this site (409 naming each setting site.yaml and the
function disagree on), and applies it in one transaction. A queued publish kicks a background drain.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from site_function.delivery.publishing import (
    META_MOVED_TO,
    apply_plan,
    deleted_object,
    identity_refusal,
    ledger_state,
    queue_to_followers,
    summary_as_dict,
)
from site_function.owner_controls import OwnerControlError
from site_function.routes._responses import activity_response, json_response
from site_function.routes.admin import ADMIN_PREFIX, _guarded, _json_body
from site_function.routes.documents import tombstone_for
from site_function.runtime import FunctionRuntime
from site_gen.publish.plan_wire import ledger_item_to_dict, plan_from_dict

__all__ = ["routes"]

_MAX_PLAN = 64_000_000  # a plan carries whole activities; a big first edit stays well below


def _budget(body: dict[str, Any]) -> float:
    value = body.get("budget", 20)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 600:
        raise OwnerControlError("'budget' must be a number of seconds from 0 to 600")
    return float(value)


def routes(runtime: FunctionRuntime) -> list[BaseRoute]:
    store, urls = runtime.store, runtime.urls
    limit = runtime.settings.max_body

    async def ledger(request: Request) -> Response:
        state = await runtime.call(ledger_state, store)
        return json_response(
            {
                "initialized": state.initialized,
                "actor_hash": state.actor_hash,
                "items": [ledger_item_to_dict(item) for item in state.items],
            }
        )

    async def publish(request: Request) -> Response:
        body = await _json_body(request, _MAX_PLAN)
        try:
            plan = plan_from_dict(body["plan"])
        except (KeyError, TypeError, ValueError) as exc:
            raise OwnerControlError(f"malformed plan: {exc}") from None
        refusal = identity_refusal(plan, urls)
        if refusal is not None:
            raise OwnerControlError(refusal, 409)
        for planned in plan.activities:
            actor = planned.activity.get("actor")
            if actor != urls.actor:
                raise OwnerControlError(
                    f"the activity {planned.activity_id} is by {actor!r}, but the function's"
                    f" actor is {urls.actor} (from SITE_GEN_BASE_URL): site.yaml's base_url"
                    " must be the function's"
                )
            if (
                planned.kind == "create"
                and await runtime.call(deleted_object, store, planned.object_id) is not None
            ):
                # FEDERATION.md#tombstones: receivers keep the tombstone and refuse the id forever.
                raise OwnerControlError(
                    f"{planned.object_id} was deleted: a new post needs a new slug"
                )
        dry_run = bool(body.get("dry_run", False))
        outcome = await apply_plan(runtime, plan, own_prefix=urls.post_object(""), dry_run=dry_run)
        if outcome.queued:
            runtime.kick_drain()
        return json_response(outcome.as_dict())

    async def deliveries(request: Request) -> Response:
        return json_response(await runtime.call(summary_as_dict, store))

    async def retry(request: Request) -> Response:
        body = await _json_body(request, limit)
        host = body.get("host")
        if host is not None and not isinstance(host, str):
            raise OwnerControlError("'host' must be a host name")
        count = await runtime.call(store.retry_failed, runtime.clock(), host)
        if count:
            runtime.kick_drain()
        return json_response({"requeued": count})

    async def drain_now(request: Request) -> Response:
        from site_function.delivery import AiohttpSender, drain

        budget = _budget(await _json_body(request, limit))
        await runtime.wait_for_drain()
        report = await drain(
            store,
            AiohttpSender(runtime.session, clock=runtime.clock),
            runtime.signing_key,
            budget=budget,
            clock=runtime.clock,
        )
        result = report.as_dict()
        result["remaining"] = (await runtime.call(summary_as_dict, store))["counts"]
        return json_response(result)

    async def move(request: Request) -> Response:
        body = await _json_body(request, limit)
        activity = body.get("activity")
        if (
            not isinstance(activity, dict)
            or activity.get("type") != "Move"
            or activity.get("actor") != urls.actor
            or activity.get("object") != urls.actor
            or not isinstance(activity.get("target"), str)
            or not isinstance(activity.get("id"), str)
        ):
            raise OwnerControlError("a Move needs id, actor = object = our actor, and a target")
        queued = await queue_to_followers(runtime, [activity])
        await runtime.call(store.set_meta, META_MOVED_TO, activity["target"])
        runtime.kick_drain()
        return json_response({"queued": queued})

    async def deleted_post(request: Request) -> Response:
        tombstone = await tombstone_for(runtime, request.url.path)
        if tombstone is None:
            return json_response({"status": "not_found"}, 404)
        return activity_response(tombstone, 410)

    token = runtime.settings.admin_token
    table: list[tuple[str, Any, list[str]]] = [
        ("/publish/ledger", ledger, ["GET"]),
        ("/publish", publish, ["POST"]),
        ("/deliveries", deliveries, ["GET"]),
        ("/deliveries/retry", retry, ["POST"]),
        ("/deliveries/drain", drain_now, ["POST"]),
        ("/move", move, ["POST"]),
    ]
    result: list[BaseRoute] = [
        Route(ADMIN_PREFIX + path, _guarded(token, endpoint), methods=methods)
        for path, endpoint, methods in table
    ]
    settings = runtime.settings
    if settings.documents_dir is None and settings.documents_origin is None:
        # Otherwise the documents route answers /ap/posts/* (and its 410s) itself.
        result.append(Route("/ap/posts/{slug}", deleted_post, methods=["GET"]))
    return result
