"""A total deadline for receiving a request body, whatever server runs the function.

A sender trickling its body (a byte a second) would otherwise hold a connection, a task and
the body buffer for as long as it likes: servers bound idle time between reads at best, never
the whole body. `BodyDeadline` wraps an ASGI `receive` so that every body message must arrive
before one deadline, counted from the start of the request; past it `SlowBody` is raised,
which `error_answer` turns into 408 with `Connection: close`. Once the body is complete the
wrapper steps aside (later `receive` calls wait for a disconnect, as they should).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from site_function.routes._responses import SlowBody

__all__ = ["BodyDeadline"]

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]


class BodyDeadline:
    """`receive`, bounded: the body's messages must all arrive within `seconds`."""

    __slots__ = ("_at", "_done", "_receive")

    def __init__(self, receive: Receive, seconds: float) -> None:
        self._receive = receive
        self._at = asyncio.get_running_loop().time() + seconds
        self._done = False

    async def __call__(self) -> Message:
        if self._done:
            return await self._receive()
        try:
            async with asyncio.timeout_at(self._at):
                message = await self._receive()
        except TimeoutError:
            raise SlowBody from None
        if message["type"] != "http.request" or not message.get("more_body", False):
            self._done = True
        return message
