"""POST /ap/inbox and /ap/shared-inbox: read the body within the limit, then the pipeline.

The body is read incrementally and reading stops at `max_body + 1` bytes (413), so a huge
upload costs no more than the limit. Headers, path and query are passed on exactly as they
arrived, because signatures cover them (item 29).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from site_function.inbox_pipeline import InboxOutcome, InboxRequest, receive
from site_function.routes._responses import json_response
from site_function.runtime import FunctionRuntime

__all__ = ["read_limited_body", "request_headers", "routes"]


def request_headers(request: Request) -> dict[str, str]:
    """Lowercase header names; repeated headers joined with ", " (as signatures expect)."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in request.scope["headers"]:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


async def read_limited_body(request: Request, limit: int) -> bytes | None:
    """The body, or None once it is longer than `limit` (never reading further)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _response(outcome: InboxOutcome, runtime: FunctionRuntime) -> Response:
    body: dict[str, str] = {"status": outcome.reason}
    if outcome.detail and outcome.status >= 400:
        body["detail"] = outcome.detail
    if outcome.queued:
        runtime.kick_drain()  # wakes the one background drainer; cheap and synchronous
    response = json_response(body, outcome.status)
    if outcome.retry_after is not None:
        response.headers["Retry-After"] = str(outcome.retry_after)
    return response


def routes(runtime: FunctionRuntime) -> list[BaseRoute]:
    settings = runtime.settings
    scheme = urlsplit(settings.public_base or runtime.urls.fn).scheme or "https"

    async def inbox(request: Request) -> Response:
        body = await read_limited_body(request, settings.max_body)
        if body is None:
            return json_response({"status": "too_large"}, 413)
        raw_path = request.scope.get("raw_path") or request.scope["path"].encode("utf-8")
        incoming = InboxRequest(
            method=request.method,
            path=raw_path.decode("latin-1"),
            query=request.scope.get("query_string", b"").decode("latin-1"),
            headers=request_headers(request),
            body=body,
            scheme=scheme,
        )
        return _response(await receive(runtime, incoming), runtime)

    return [
        Route(runtime.urls.path_of(runtime.urls.inbox), inbox, methods=["POST"]),
        Route(runtime.urls.path_of(runtime.urls.shared_inbox), inbox, methods=["POST"]),
    ]
