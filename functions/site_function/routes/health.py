"""GET /healthz: the function is up and its store takes writes.

A store that answers reads but refuses writes (a write lock held elsewhere, a read-only
server) fails every inbox request, so the check takes the write lock (and lets it go) rather
than reading: 503 naming the store's kind, never its URL (which may carry a password).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from site_function.routes._responses import STORE_RETRY_AFTER, json_response
from site_function.routes._runtime import runtime_of
from site_function.runtime import FunctionRuntime
from site_function.store.base import StoreError

__all__ = ["routes"]


async def healthz(request: Request) -> Response:
    runtime = runtime_of(request)
    try:
        await runtime.call(runtime.store.check_writable)
    except StoreError:
        store_kind = str(getattr(runtime.store, "dialect", type(runtime.store).__name__))
        response = json_response({"status": "unavailable", "store": store_kind}, 503)
        response.headers["Retry-After"] = str(STORE_RETRY_AFTER)
        return response
    return json_response({"status": "ok"})


def routes(runtime: FunctionRuntime) -> list[BaseRoute]:
    return [Route("/healthz", healthz, methods=["GET", "HEAD"])]
