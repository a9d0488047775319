"""The bare reference of bench/inbox.py: an ASGI app that reads the body and answers 202.

Served under the same uvicorn as the function (uvloop + httptools, 1 worker): its rate is what
the server and the load generator reach when the app does nothing.
"""

from __future__ import annotations

from typing import Any

_ACCEPTED = b'{"status":"accepted"}'


async def lifespan(receive: Any, send: Any) -> None:
    """Answer uvicorn's startup and shutdown (nothing to set up)."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def read_body(receive: Any) -> bytes:
    chunks = []
    more = True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


async def answer(send: Any, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json")]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
        return
    await read_body(receive)
    await answer(send, 202, _ACCEPTED)
