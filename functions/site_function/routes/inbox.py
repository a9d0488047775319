"""POST /ap/inbox and /ap/shared-inbox as a plain ASGI endpoint: body within the limit, then
the pipeline.

The endpoint speaks ASGI directly (no Starlette Request, routing or middleware on the way):
the app hands these two paths to it first (`app.FunctionApp`), and the Starlette routes of
the same paths wrap the same object, so both ways answer alike. Exceptions become statuses
through `error_answer`, the one mapping the app's handlers use too.

The body is read incrementally and reading stops at `max_body + 1` bytes (413), so a huge
upload costs no more than the limit; the app bounds the time it may take to arrive
(`body_deadline`, 408). Headers, path and query are passed on exactly as they
arrived, because signatures cover them (FEDERATION.md#raw-request). A delivery that carries
FEP-8fcf's `Collection-Synchronization` header is checked after its answer is sent
(`follower_sync_inbound`, FEDERATION.md#follower-sync), so the sender never waits for it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from site_function.doctor_probe import ProbeAnswer, answer_probe
from site_function.inbox_pipeline import InboxOutcome, InboxRequest, our_authorities
from site_function.inbox_pipeline import receive as run_pipeline
from site_function.routes._responses import error_answer, json_bytes
from site_function.runtime import FunctionRuntime

__all__ = [
    "InboxEndpoint",
    "loopback_authorities",
    "read_limited_body",
    "request_headers",
    "routes",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_JSON_TYPE = (b"content-type", b"application/json")
_TEXT_TYPE = (b"content-type", b"text/plain; charset=utf-8")
# `site_core.follower_sync.HEADER` as header names arrive here (lower case): only a delivery
# that carries it imports the check (`follower_sync_inbound`), so a cold start does not.
_SYNC_HEADER = "collection-synchronization"
# Header names as they arrive (bytes) -> as read (lowercase text): every request brings the
# same dozen. Bounded: once full (odd names), further names are decoded each time.
_HEADER_NAMES: dict[bytes, str] = {}
_HEADER_NAMES_MAX = 512


def request_headers(raw_headers: Any) -> dict[str, str]:
    """Lowercase header names; repeated headers joined with ", " (as signatures expect)."""
    headers: dict[str, str] = {}
    names = _HEADER_NAMES
    for raw_name, raw_value in raw_headers:
        name = names.get(raw_name)
        if name is None:
            name = raw_name.decode("latin-1").lower()
            if len(names) < _HEADER_NAMES_MAX:
                names[raw_name] = name
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


def loopback_authorities(server: Any) -> frozenset[str]:
    """The loopback socket this request came in on, by address and as localhost: a request
    addressed to it is addressed to us (`site-gen serve`, a local run). Other socket addresses
    are not ours to claim: a platform may report the Host header there."""
    if not isinstance(server, (tuple, list)) or len(server) != 2 or server[1] is None:
        return frozenset()
    host, port = server
    try:
        loopback = ipaddress.ip_address(str(host)).is_loopback
    except ValueError:
        return frozenset()
    if not loopback:
        return frozenset()
    address = f"[{host}]" if ":" in str(host) else str(host)
    return frozenset({f"{address}:{port}", f"localhost:{port}"})


class _Disconnected(Exception):
    """The client went away before its body arrived: nothing to answer."""


async def _read_body(receive: Receive, headers: dict[str, str], limit: int) -> bytes | None:
    """The ASGI body, or None once it is longer than `limit` (never reading further)."""
    declared = headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise _Disconnected
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def _send(
    send: Send, status: int, body: bytes, content_type: tuple[bytes, bytes], extra: list[Any]
) -> None:
    headers = [(b"content-length", str(len(body)).encode("latin-1")), content_type, *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class InboxEndpoint:
    """The inbox as an ASGI app (one per app instance)."""

    def __init__(self, runtime: FunctionRuntime) -> None:
        self._runtime = runtime
        self._limit = runtime.settings.max_body
        base = runtime.settings.public_base or runtime.urls.fn
        self._scheme = urlsplit(base).scheme or "https"
        self._ours = our_authorities(runtime.settings)
        self._bodies: dict[tuple[int, str], bytes] = {}  # answers without a detail
        self._authorities: dict[Any, frozenset[str]] = {}  # per listening socket (`server`)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        incoming: list[InboxRequest] = []  # the request, once read: for the check after answering
        try:
            outcome = await self._outcome(scope, receive, incoming)
        except _Disconnected:
            return
        except Exception as exc:
            answer = error_answer(exc, scope["path"])
            if answer is None:  # a bug: a plain 500, then the server logs it
                await _send(send, 500, b"Internal Server Error", _TEXT_TYPE, [])
                raise
            extra = [
                (name.encode("latin-1"), value.encode("latin-1")) for name, value in answer.headers
            ]
            await _send(send, answer.status, json_bytes(answer.body), _JSON_TYPE, extra)
            return
        if isinstance(outcome, ProbeAnswer):
            await _send(send, outcome.status, json_bytes(outcome.body), _JSON_TYPE, [])
            return
        await self._answer(send, outcome)
        if incoming and _SYNC_HEADER in incoming[0].headers:
            from site_function.follower_sync_inbound import check_collection_sync, wants_check

            if wants_check(outcome, incoming[0]):
                await check_collection_sync(self._runtime, incoming[0])

    async def _outcome(
        self, scope: Scope, receive: Receive, incoming_out: list[InboxRequest]
    ) -> InboxOutcome | ProbeAnswer:
        headers = request_headers(scope["headers"])
        body = await _read_body(receive, headers, self._limit)
        if body is None:
            return InboxOutcome(413, "too_large")
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
        incoming = InboxRequest(
            method=scope["method"],
            path=raw_path.decode("latin-1"),
            query=scope.get("query_string", b"").decode("latin-1"),
            headers=headers,
            body=body,
            scheme=self._scheme,
            authorities=self._authorities_for(scope.get("server")),
        )
        # `site-gen doctor`'s probe: verified with our own key, answered, never stored.
        probe = answer_probe(self._runtime, incoming)
        if probe is not None:
            return probe
        incoming_out.append(incoming)
        return await run_pipeline(self._runtime, incoming)

    def _authorities_for(self, server: Any) -> frozenset[str]:
        """Ours and the socket's loopback names, worked out once per socket (a server
        listens on few; each request would otherwise parse its address)."""
        try:
            found = self._authorities.get(server)
        except TypeError:  # unhashable (a list): worked out each time
            return self._ours | loopback_authorities(server)
        if found is None:
            found = self._ours | loopback_authorities(server)
            if len(self._authorities) < 64:
                self._authorities[server] = found
        return found

    async def _answer(self, send: Send, outcome: InboxOutcome) -> None:
        if outcome.queued:
            self._runtime.kick_drain()  # wakes the one background drainer; cheap, synchronous
        if outcome.detail and outcome.status >= 400:
            body = json_bytes({"status": outcome.reason, "detail": outcome.detail})
        else:
            key = (outcome.status, outcome.reason)
            body = self._bodies.get(key) or b""
            if not body:
                body = json_bytes({"status": outcome.reason})
                if len(self._bodies) < 64:
                    self._bodies[key] = body
        extra = []
        if outcome.retry_after is not None:
            extra.append((b"retry-after", str(outcome.retry_after).encode("latin-1")))
        await _send(send, outcome.status, body, _JSON_TYPE, extra)


def routes(runtime: FunctionRuntime) -> list[BaseRoute]:
    """The inbox paths for Starlette's router (the app serves them first without it)."""
    endpoint = InboxEndpoint(runtime)
    return [
        Route(runtime.urls.path_of(runtime.urls.inbox), endpoint, methods=["POST"]),
        Route(runtime.urls.path_of(runtime.urls.shared_inbox), endpoint, methods=["POST"]),
    ]
