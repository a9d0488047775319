"""`BodyDeadline` in-process: a body that is already there passes without a timer, a wait is
cut at the deadline (408's `SlowBody`), and the wrapper steps aside once the body is whole.

The trickle against real uvicorn is `test_slow_body`; these pin the two ways a `receive`
call can go (done at once, or suspended and resumed) without a server.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from site_function.routes._responses import SlowBody
from site_function.routes.body_deadline import BodyDeadline

pytestmark = pytest.mark.anyio


def _ready(*messages: dict[str, Any]) -> Any:
    """A `receive` whose messages are all there already (it never suspends)."""
    queue = list(messages)

    async def receive() -> dict[str, Any]:
        return queue.pop(0)

    return receive


async def test_a_body_already_there_is_handed_on() -> None:
    message = {"type": "http.request", "body": b"{}", "more_body": False}
    receive = BodyDeadline(_ready(message), 0.0)  # a deadline already past cannot cut it
    assert await receive() is message


async def test_a_waiting_body_arrives_within_the_deadline() -> None:
    async def receive() -> dict[str, Any]:
        await asyncio.sleep(0.01)
        await asyncio.sleep(0)  # several suspensions, each resumed with the task's value
        return {"type": "http.request", "body": b"late", "more_body": False}

    assert (await BodyDeadline(receive, 5.0)())["body"] == b"late"


async def test_a_waiting_body_past_the_deadline_is_cut() -> None:
    cancelled = asyncio.Event()

    async def receive() -> dict[str, Any]:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.set()  # the cancellation reaches the wait itself
            raise
        return {"type": "http.request", "body": b"", "more_body": False}

    started = asyncio.get_running_loop().time()
    with pytest.raises(SlowBody):
        await BodyDeadline(receive, 0.05)()
    assert cancelled.is_set()
    assert asyncio.get_running_loop().time() - started < 5


async def test_an_error_inside_the_wait_comes_out_as_it_was() -> None:
    async def receive() -> dict[str, Any]:
        await asyncio.sleep(0)
        raise ConnectionResetError("gone")

    with pytest.raises(ConnectionResetError, match="gone"):
        await BodyDeadline(receive, 5.0)()


async def test_the_deadline_counts_across_chunks_then_steps_aside() -> None:
    chunks = [
        {"type": "http.request", "body": b"a", "more_body": True},
        {"type": "http.request", "body": b"b", "more_body": False},
    ]
    disconnect = {"type": "http.disconnect"}

    async def receive() -> dict[str, Any]:
        await asyncio.sleep(0)
        return chunks.pop(0) if chunks else disconnect

    bounded = BodyDeadline(receive, 5.0)
    assert (await bounded())["body"] == b"a"
    assert (await bounded())["body"] == b"b"
    assert await bounded() is disconnect  # after the whole body: no deadline any more


async def test_a_second_chunk_past_the_deadline_is_cut() -> None:
    calls: list[int] = []

    async def receive() -> dict[str, Any]:
        calls.append(1)
        if len(calls) == 1:  # the first chunk is there at once
            return {"type": "http.request", "body": b"a", "more_body": True}
        await asyncio.sleep(10)
        return {"type": "http.request", "body": b"b", "more_body": False}

    bounded = BodyDeadline(receive, 0.05)
    assert (await bounded())["body"] == b"a"
    with pytest.raises(SlowBody):
        await bounded()
