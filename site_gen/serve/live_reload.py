"""Live reload over Server-Sent Events: one channel, one endpoint, one tiny script.

The script is a separate same-origin file rather than inline code, so pages whose
Content-Security-Policy forbids inline scripts still reload. Only the preview server ever
adds it to a page; the build output never contains it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

__all__ = [
    "EVENTS_PATH",
    "SCRIPT_PATH",
    "SCRIPT_TAG",
    "ReloadChannel",
    "events_endpoint",
    "script_endpoint",
]

EVENTS_PATH = "/__site-gen/events"
SCRIPT_PATH = "/__site-gen/reload.js"
SCRIPT_TAG = f'<script src="{SCRIPT_PATH}" defer></script>'.encode()
_KEEPALIVE_SECONDS = 15.0

_SCRIPT = f"""// site-gen serve: reload this page when the site is rebuilt (preview only).
(() => {{
  const events = new EventSource("{EVENTS_PATH}");
  events.addEventListener("reload", () => window.location.reload());
  events.addEventListener("build-error", (e) => console.error("site-gen build failed:", e.data));
}})();
"""


class ReloadChannel:
    """A generation counter that SSE streams wait on; `close` ends every stream."""

    def __init__(self) -> None:
        self.generation = 0
        self.last_error: str | None = None
        self.closed = False
        self._changed = asyncio.Condition()

    async def publish(self, error: str | None = None) -> None:
        """A rebuild finished (`error` None) or failed (its message)."""
        async with self._changed:
            self.generation += 1
            self.last_error = error
            self._changed.notify_all()

    async def close(self) -> None:
        async with self._changed:
            self.closed = True
            self._changed.notify_all()

    async def wait(self, after: int, seconds: float) -> int:
        """The generation once it passes `after`, or `after` on timeout or close."""
        async with self._changed:
            try:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: self.generation > after or self.closed),
                    seconds,
                )
            except TimeoutError:
                return after
            return self.generation


async def _stream(channel: ReloadChannel) -> AsyncIterator[str]:
    seen = channel.generation
    yield "retry: 1000\n: connected\n\n"
    while not channel.closed:
        current = await channel.wait(seen, _KEEPALIVE_SECONDS)
        if channel.closed:
            return
        if current == seen:
            yield ": keepalive\n\n"
            continue
        seen = current
        if channel.last_error is None:
            yield f"event: reload\ndata: {current}\n\n"
        else:
            message = channel.last_error.replace("\n", " ")
            yield f"event: build-error\ndata: {message}\n\n"


def events_endpoint(channel: ReloadChannel) -> Callable[[Request], Awaitable[Response]]:
    async def events(request: Request) -> Response:
        return StreamingResponse(
            _stream(channel),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    return events


def script_endpoint() -> Callable[[Request], Awaitable[Response]]:
    async def script(request: Request) -> Response:
        return Response(
            _SCRIPT,
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "no-store"},
        )

    return script
