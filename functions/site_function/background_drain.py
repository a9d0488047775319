"""One background drainer per app, woken by an event: never one drain per request.

Every request that queues deliveries (an accepted Follow, an owner's block, a publish) only
calls `wake()`, which sets an event. One long-lived task waits on it, lets a burst of such
requests settle for a moment, then runs ONE drain with a short budget, and starts again only
if it was woken meanwhile. So a thousand Follows in a second cost a handful of drains, and
`wake()` stays a cheap synchronous call that any route may make.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["BackgroundDrainer"]

log = logging.getLogger("site_function.drain")


class BackgroundDrainer:
    """Runs `drain_once` in the background whenever woken, one run at a time."""

    def __init__(self, drain_once: Callable[[], Awaitable[Any]], *, settle: float = 0.05) -> None:
        self._drain_once = drain_once
        self._settle = settle
        self._wanted = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self.error: BaseException | None = None

    @property
    def busy(self) -> bool:
        """True from a `wake()` until the drain it asked for has finished."""
        return not self._idle.is_set()

    def wake(self) -> None:
        """Ask for a drain soon (call from the event loop; returns at once)."""
        self._wanted.set()
        self._idle.clear()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run_forever())

    async def _run_forever(self) -> None:
        while True:
            await self._wanted.wait()
            await asyncio.sleep(self._settle)  # let a burst of requests queue together
            self._wanted.clear()
            try:
                await self._drain_once()
            except Exception as exc:  # a drain failure must not stop later drains
                self.error = exc
                log.error("background drain failed: %s", type(exc).__name__)
            if not self._wanted.is_set():
                self._idle.set()

    async def wait_idle(self) -> None:
        """Wait until no drain is asked for or running."""
        while self.busy and self._task is not None and not self._task.done():
            await self._idle.wait()

    async def close(self) -> None:
        """Finish what was asked for, then stop the task."""
        await self.wait_idle()
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None
        self._idle.set()
