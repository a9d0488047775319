"""GET /healthz: the function is up and its store answers."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from site_function.routes._responses import json_response
from site_function.runtime import FunctionRuntime

__all__ = ["routes"]


def routes(runtime: FunctionRuntime) -> list[BaseRoute]:
    async def healthz(request: Request) -> Response:
        await runtime.call(runtime.store.count_followers, "accepted")
        return json_response({"status": "ok"})

    return [Route("/healthz", healthz, methods=["GET", "HEAD"])]
