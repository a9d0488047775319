"""A total deadline for receiving a request body, whatever server runs the function.

A sender trickling its body (a byte a second) would otherwise hold a connection, a task and
the body buffer for as long as it likes: servers bound idle time between reads at best, never
the whole body. `BodyDeadline` wraps an ASGI `receive` so that every body message must arrive
before one deadline, counted from the start of the request; past it `SlowBody` is raised,
which `error_answer` turns into 408 with `Connection: close`. Once the body is complete the
wrapper steps aside (later `receive` calls wait for a disconnect, as they should).

A deadline can only fire while `receive` waits. A body that has already arrived (the usual
inbox POST: headers and body in one packet, read by the server before the app runs) comes
back from `receive` without waiting, so its message is taken without arming a timer; only a
`receive` that suspends runs the rest of its wait under `asyncio.timeout_at`. Either way the
outcome is the one a timeout around every call gives.
"""

from __future__ import annotations

import asyncio
import types
from collections.abc import Awaitable, Callable, Generator, MutableMapping
from typing import Any

from site_function.routes._responses import SlowBody

__all__ = ["BodyDeadline"]

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]


@types.coroutine
def _rest_of(steps: Generator[Any, Any, Message], yielded: Any) -> Generator[Any, Any, Message]:
    """Await what is left of `steps`, whose first step already gave `yielded`: what
    `yield from` does, resumed after its first step."""
    while True:
        try:
            sent = yield yielded
        except GeneratorExit:
            steps.close()
            raise
        except BaseException as exc:  # a cancellation (the deadline) goes to the wait itself
            try:
                yielded = steps.throw(exc)
            except StopIteration as finished:
                message: Message = finished.value
                return message
        else:
            try:
                yielded = steps.send(sent)
            except StopIteration as finished:
                message = finished.value
                return message


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
        steps = self._receive().__await__()
        try:
            yielded = steps.send(None)
        except StopIteration as finished:  # already there: no wait for a deadline to cut
            message: Message = finished.value
        else:
            try:
                async with asyncio.timeout_at(self._at):
                    message = await _rest_of(steps, yielded)
            except TimeoutError:
                raise SlowBody from None
        if message["type"] != "http.request" or not message.get("more_body", False):
            self._done = True
        return message
