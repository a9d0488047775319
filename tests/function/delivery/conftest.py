"""Fixtures for the delivery engine: a store per backend, a key, and a loopback inbox server.

The receiver is a real aiohttp server on 127.0.0.1 (port 0). Each path behaves as told by
`Receiver.behave(path, [statuses...])` (the last status repeats) and every request is kept,
with its headers and body, so tests can verify the signature the engine sent.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from requirements import POSTGRES_URL as PG_URL
from requirements import connect_postgres
from site_function.store import Store, open_store

from site_core.keys import generate_private_key
from site_core.signatures import SigningKey

KEY_ID = "https://site.test/ap/actor#main-key"


@pytest.fixture(scope="session")
def private_key():  # type: ignore[no-untyped-def]
    return generate_private_key()


@pytest.fixture(scope="session")
def signing_key(private_key) -> SigningKey:  # type: ignore[no-untyped-def]
    return SigningKey(KEY_ID, private_key)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path) -> Iterator[Store]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        opened = open_store(f"sqlite:///{tmp_path / 'state.sqlite3'}")
        yield opened
        opened.close()
        return
    schema = f"t_delivery_{uuid.uuid4().hex[:12]}"
    with connect_postgres(PG_URL) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        opened = open_store(f"{PG_URL}?options=-csearch_path%3D{schema}")
        yield opened
        opened.close()
    finally:
        with connect_postgres(PG_URL) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A loopback inbox server whose paths answer scripted statuses."""

    base: str = ""
    requests: list[Received] = field(default_factory=list)
    scripts: dict[str, list[int]] = field(default_factory=dict)
    delay: float = 0.0

    def behave(self, path: str, statuses: list[int]) -> str:
        self.scripts[path] = list(statuses)
        return self.base + path

    def on(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if self.delay:
            await asyncio.sleep(self.delay)
        self.requests.append(
            Received(request.path, {k.lower(): v for k, v in request.headers.items()}, body)
        )
        script = self.scripts.get(request.path, [202])
        status = script.pop(0) if len(script) > 1 else script[0]
        return web.Response(status=status, text="" if status < 300 else f"status {status}")


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    state = Receiver()
    app = web.Application()
    app.router.add_post("/{tail:.*}", state.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    state.base = f"http://127.0.0.1:{port}"
    yield state
    await runner.cleanup()


class FakeClock:
    """A clock tests move by hand; starts at a fixed instant."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
