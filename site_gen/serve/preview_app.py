"""One Starlette app for `site-gen serve`: the function's routes first, the build last.

Requests are routed exactly as the production host configs route them (`is_live_path`,
and a missing /ap/posts/* object goes to the function for its 410), so what works in the
preview works behind nginx or Netlify. The function app's own lifespan runs inside this
app's, and so does the watcher, so one uvicorn process owns everything.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from site_gen.hosting.routes import MISSING_TO_FUNCTION_PREFIX, is_live_path
from site_gen.serve.live_reload import (
    EVENTS_PATH,
    SCRIPT_PATH,
    ReloadChannel,
    events_endpoint,
    script_endpoint,
)
from site_gen.serve.static_site import StaticSite

__all__ = ["Watcher", "create_preview_app"]

Watcher = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


class _Dispatch:
    """Send live routes (and deleted posts) to the function, everything else to the files."""

    def __init__(self, static: StaticSite, function_app: ASGIApp | None) -> None:
        self.static = static
        self.function_app = function_app

    def _wants_function(self, path: str) -> bool:
        if is_live_path(path):
            return True
        return path.startswith(MISSING_TO_FUNCTION_PREFIX) and not self.static.exists(path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        if not self._wants_function(path):
            await self.static(scope, receive, send)
        elif self.function_app is not None:
            await self.function_app(scope, receive, send)
        elif is_live_path(path):
            await _unavailable(send)
        else:
            await self.static(scope, receive, send)


async def _unavailable(send: Send) -> None:
    body = json.dumps({"error": "the function is not running in this preview"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(body)),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def create_preview_app(
    static: StaticSite,
    channel: ReloadChannel,
    *,
    function_app: Starlette | None = None,
    watcher: Watcher | None = None,
) -> Starlette:
    """The combined app; `watcher(stop)` runs for the app's lifetime when given."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            if function_app is not None:
                await stack.enter_async_context(function_app.router.lifespan_context(function_app))
            stop = asyncio.Event()
            task = asyncio.create_task(watcher(stop)) if watcher is not None else None
            try:
                yield
            finally:
                stop.set()
                await channel.close()
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    routes = [
        Route(SCRIPT_PATH, script_endpoint()),
        Route(EVENTS_PATH, events_endpoint(channel)),
        Mount("", app=_Dispatch(static, function_app)),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
