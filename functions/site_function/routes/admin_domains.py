"""The admin API's domain policies, and the preview of every change before it is made.

    GET  domains                                  (allow-only mode and every listed domain)
    POST domains/preview {action, target}         what the change would do, nothing changed
    POST domains/change  {action, target}         make it; the answer has the preview's shape
    POST blocks/preview  {target}                 the same as domains/preview for a block

Actions: require_approval, normal, allow, disallow, allow_only_on, allow_only_off, block,
unblock (`owner.domain_policies`). Thin, as `admin`: one owner service per endpoint.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from site_function.owner import domain_policies as owner_domains
from site_function.routes._responses import json_response
from site_function.routes._runtime import runtime_of
from site_function.routes.admin_auth import Endpoint, requires_admin
from site_function.routes.admin_body import json_body, required_text

__all__ = ["ENDPOINTS"]


@requires_admin
async def list_domains(request: Request) -> Response:
    runtime = runtime_of(request)
    return json_response(await runtime.call(owner_domains.list_domains, runtime.store))


async def _change_of(request: Request) -> owner_domains.DomainChange:
    body = await json_body(request, runtime_of(request).settings.max_body)
    return owner_domains.parse_change(body)


@requires_admin
async def preview_change(request: Request) -> Response:
    runtime, change = runtime_of(request), await _change_of(request)
    preview = owner_domains.preview_change
    return json_response(await runtime.call(preview, runtime.store, change, runtime.clock()))


@requires_admin
async def apply_change(request: Request) -> Response:
    runtime, change = runtime_of(request), await _change_of(request)
    result = await runtime.call(
        owner_domains.apply_change, runtime.store, runtime.urls, change, runtime.clock()
    )
    runtime.kick_drain()
    return json_response(result)


@requires_admin
async def preview_block(request: Request) -> Response:
    runtime = runtime_of(request)
    target = required_text(await json_body(request, runtime.settings.max_body), "target")
    change = owner_domains.parse_change({"action": "block", "target": target})
    preview = owner_domains.preview_change
    return json_response(await runtime.call(preview, runtime.store, change, runtime.clock()))


ENDPOINTS: tuple[tuple[str, Endpoint, list[str]], ...] = (
    ("/domains", list_domains, ["GET"]),
    ("/domains/preview", preview_change, ["POST"]),
    ("/domains/change", apply_change, ["POST"]),
    ("/blocks/preview", preview_block, ["POST"]),
)
