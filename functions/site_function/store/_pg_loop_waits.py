"""The inbox's PostgreSQL batch on the event loop's own thread, its waits handed to the loop.

In the store's thread pool a batch pays for a second thread at every wait for the server:
the thread blocks in ``poll``, and when the answer comes it must win the GIL back from the
event loop, busy reading and verifying the next requests. Here the batch runs in a greenlet
on the loop's thread (`run_on_loop`, the way SQLAlchemy runs synchronous code under
asyncio): the synchronous store code is unchanged, and where psycopg would block on the
connection's socket (`LoopConnection.wait`) the greenlet hands the socket to the loop and is
resumed when it is ready, while the loop goes on serving requests. A socket ready at once (a
statement to send, an answer already in) is used at once (`_ready_now`): only the waits for
the server's answers, two or three a batch (`_pg_batch`), cost a turn of the loop.

Outside such a greenlet (every other store call, in the thread pool) the connection waits as
psycopg's own does. A batch keeps its transaction's state in its greenlet (`batch_locals`),
not in the thread's: while it waits, nothing else on the loop's thread can join its open
transaction or see its held answers.
"""

from __future__ import annotations

import asyncio
import select
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, NamedTuple, TypeVar

import psycopg
from greenlet import getcurrent, greenlet
from psycopg.waiting import Ready, Wait

__all__ = ["LoopConnection", "batch_locals", "run_on_loop"]

T = TypeVar("T")
_READ, _WRITE = int(Wait.R), int(Wait.W)
_READY_R, _READY_W = int(Ready.R), int(Ready.W)
_HAS_POLL = hasattr(select, "poll")


class _WaitFor(NamedTuple):
    """What a batch's greenlet asks the loop: this socket, ready for this (psycopg's
    ``Wait``: read, write or both)."""

    fileno: int
    wait: int


class _BatchGreenlet(greenlet):  # type: ignore[misc]
    """A greenlet whose connection waits go to the event loop (`LoopConnection.wait`), with
    its own transaction state per store (`batch_locals`). `blocking` once it is being
    unwound (its task cancelled): its last waits (the rollback) block as usual."""

    def __init__(self, run: Callable[[], Any]) -> None:
        super().__init__(run)
        self.blocking = False
        self.locals: dict[int, SimpleNamespace] = {}


def batch_locals(owner: object) -> SimpleNamespace | None:
    """The running batch's own namespace for `owner` (a store), or None outside a batch."""
    current = getcurrent()
    if type(current) is not _BatchGreenlet:
        return None
    space = current.locals.get(id(owner))
    if space is None:
        space = current.locals[id(owner)] = SimpleNamespace()
    return space


class LoopConnection(psycopg.Connection[Any]):
    """A psycopg connection that, inside `run_on_loop`, waits through the event loop."""

    def wait(self, gen: Any, *args: Any, **kwargs: Any) -> Any:
        current = getcurrent()
        if type(current) is not _BatchGreenlet or current.blocking or kwargs.get("timeout"):
            return super().wait(gen, *args, **kwargs)
        fileno = self.pgconn.socket
        loop = current.parent
        try:
            state = next(gen)
            while True:
                # Ready now (a statement to send, an answer already in): no turn of the loop.
                wait = int(state)
                ready = _ready_now(fileno, wait) or loop.switch(_WaitFor(fileno, wait))
                state = gen.send(ready)
        except StopIteration as done:
            return done.value


def _ready_now(fileno: int, wait: int) -> int:
    """psycopg's ``Ready`` flags of the socket at this instant (0: wait for the loop).
    A pipelined batch sends each statement after a wait for "writable", which the socket
    almost always is: asked of the loop, every statement would cost a turn of it."""
    if not _HAS_POLL:  # Windows: select() takes sockets there, and has no poll()
        readable, writable, _ = select.select(
            [fileno] if wait & _READ else [], [fileno] if wait & _WRITE else [], [], 0
        )
        return (_READY_R if readable else 0) | (_READY_W if writable else 0)
    poller = select.poll()
    poller.register(fileno, (select.POLLIN if wait & _READ else 0)
                    | (select.POLLOUT if wait & _WRITE else 0))  # fmt: skip
    events = poller.poll(0)
    if not events:
        return 0
    flags = events[0][1]
    ready = _READY_R if flags & (select.POLLIN | select.POLLERR | select.POLLHUP) else 0
    return ready | (_READY_W if flags & select.POLLOUT else 0)


async def run_on_loop(call: Callable[[], T]) -> T:
    """``call()`` on this thread, in a greenlet whose PostgreSQL waits are awaited here."""
    loop = asyncio.get_running_loop()
    child = _BatchGreenlet(call)
    value = child.switch()
    while not child.dead:
        try:
            ready = await _ready(loop, value)
        except BaseException:
            # Cancelled, or the task dropped (the app is stopping): end the batch here, its
            # rollback waiting as usual, so that its connection goes back to the pool clean.
            child.blocking = True
            child.throw()  # GreenletExit: unwinds the batch's context managers
            raise
        value = child.switch(ready)
    result: T = value
    return result


def _ready(loop: asyncio.AbstractEventLoop, wanted: _WaitFor) -> asyncio.Future[int]:
    """A future of psycopg's ``Ready`` flags for the socket (as psycopg's async waits)."""
    future: asyncio.Future[int] = loop.create_future()
    fileno, wait = wanted

    def forget(_: object = None) -> None:
        loop.remove_reader(fileno)
        loop.remove_writer(fileno)

    def wake(flag: int) -> None:
        forget()  # now: the batch's next wait may watch the same socket
        if not future.done():
            future.set_result(flag)

    if wait & _READ:
        loop.add_reader(fileno, wake, _READY_R)
    if wait & _WRITE:
        loop.add_writer(fileno, wake, _READY_W)
    future.add_done_callback(forget)  # cancelled: stop watching
    return future
