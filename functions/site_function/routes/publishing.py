"""Publishing routes: the admin API the CLI publishes and steers deliveries through.

    GET  /admin/api/publish/ledger        the ledger, for the CLI to plan against
    POST /admin/api/publish               {plan, dry_run}: queue (or only report) a plan
    GET  /admin/api/deliveries            counts per state and per host, last errors, pauses
    POST /admin/api/deliveries/retry      {host?}: failed rows back in the queue
    POST /admin/api/deliveries/drain      {budget}: drain now, answer with the report
    POST /admin/api/move                  {activity}: queue a Move to every follower

(The 410 Tombstone of a deleted post is the documents route's, `routes.documents`.)

The plan is made by the CLI from the built site (`site_core.publish.plan`); the checks it
passes (for this site, by our actor, no post re-created at a deleted id) and those of a Move
are the owner's services (`site_function.owner.publishing`, `owner.moving`), the same ones
`site-gen publish --database` runs. A queued publish kicks a background drain.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from site_function.owner import draining, moving, publishing, state
from site_function.routes._responses import json_response
from site_function.routes._runtime import runtime_of
from site_function.routes.admin import ADMIN_PREFIX
from site_function.routes.admin_auth import Endpoint, requires_admin
from site_function.routes.admin_body import json_body
from site_function.runtime import FunctionRuntime

__all__ = ["routes"]

_MAX_PLAN = 64_000_000  # a plan carries whole activities; a big first edit stays well below


@requires_admin
async def ledger(request: Request) -> Response:
    runtime = runtime_of(request)
    return json_response(await runtime.call(state.ledger_as_dict, runtime.store))


@requires_admin
async def publish(request: Request) -> Response:
    runtime = runtime_of(request)
    body = await json_body(request, _MAX_PLAN)
    plan = publishing.plan_from_request(body)
    dry_run = bool(body.get("dry_run", False))
    outcome = await publishing.publish_plan(runtime, plan, dry_run=dry_run)
    if outcome.queued:
        runtime.kick_drain()
    return json_response(outcome.as_dict())


@requires_admin
async def deliveries(request: Request) -> Response:
    runtime = runtime_of(request)
    return json_response(await runtime.call(state.summary_as_dict, runtime.store))


@requires_admin
async def retry(request: Request) -> Response:
    runtime = runtime_of(request)
    body = await json_body(request, runtime.settings.max_body)
    count = await runtime.call(
        draining.requeue_failed, runtime.store, runtime.clock(), body.get("host")
    )
    if count:
        runtime.kick_drain()
    return json_response({"requeued": count})


@requires_admin
async def drain_now(request: Request) -> Response:
    runtime = runtime_of(request)
    body = await json_body(request, runtime.settings.max_body)
    budget = draining.parse_budget(body.get("budget", draining.DEFAULT_BUDGET))
    return json_response(await draining.drain_now(runtime, budget))


@requires_admin
async def move(request: Request) -> Response:
    runtime = runtime_of(request)
    body = await json_body(request, runtime.settings.max_body)
    queued = await moving.queue_move(runtime, body.get("activity"))
    runtime.kick_drain()
    return json_response({"queued": queued})


ENDPOINTS: tuple[tuple[str, Endpoint, list[str]], ...] = (
    ("/publish/ledger", ledger, ["GET"]),
    ("/publish", publish, ["POST"]),
    ("/deliveries", deliveries, ["GET"]),
    ("/deliveries/retry", retry, ["POST"]),
    ("/deliveries/drain", drain_now, ["POST"]),
    ("/move", move, ["POST"]),
)


def routes(runtime: FunctionRuntime) -> list[BaseRoute]:
    """The publishing admin paths (the same for every site)."""
    return [
        Route(ADMIN_PREFIX + path, endpoint, methods=methods)
        for path, endpoint, methods in ENDPOINTS
    ]
