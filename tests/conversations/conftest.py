"""Fixtures of the conversation tests: a real HTTP server on 127.0.0.1 serving made-up files."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from media_server import MediaServer


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def media_server() -> AsyncIterator[MediaServer]:
    state = MediaServer()
    app = web.Application()
    app.router.add_get("/{tail:.*}", state.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    state.base = f"http://127.0.0.1:{port}"
    yield state
    await runner.cleanup()
