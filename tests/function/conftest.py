"""Fixtures of the function's tests: remote servers and our function, both real, on loopback.

`fediverse` is a server of fake remote accounts (see function_harness.py); `make_function`
starts our app under uvicorn on 127.0.0.1 with a fresh database (SQLite, or PostgreSQL in a
schema of its own) and a session whose resolver maps every name to 127.0.0.1.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from function_harness import ADMIN_TOKEN, FakeFediverse, NameMap, ServerThread
from requirements import POSTGRES_URL as PG_URL
from requirements import connect_postgres
from site_function.app import create_app
from site_function.runtime import Clock, FunctionRuntime, utc_now
from site_function.settings import Settings

from site_core.keys import generate_private_key
from site_core.publish.owner_settings import OwnerSettings
from site_remote import make_session


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def our_key() -> Any:
    return generate_private_key()


@pytest.fixture(scope="module")
def fediverse() -> Iterator[FakeFediverse]:
    with FakeFediverse() as server:
        yield server


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state.sqlite3'}"
        return
    schema = f"t_function_{uuid.uuid4().hex[:12]}"
    with connect_postgres(PG_URL) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_URL}?options={quote(f'-csearch_path={schema}')}"
    finally:
        with connect_postgres(PG_URL) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@dataclass
class RunningFunction:
    url: str
    settings: Settings
    runtime: FunctionRuntime
    resolver: NameMap
    client: httpx.Client

    @property
    def inbox(self) -> str:
        return f"{self.url}/ap/inbox"

    @property
    def store(self) -> Any:
        return self.runtime.store

    def admin(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", **kw.pop("headers", {})}
        return self.client.request(method, f"{self.url}/admin/api{path}", headers=headers, **kw)

    def drained(self) -> None:
        """Wait (bounded) for the background drain the last request started."""
        import time

        deadline = time.monotonic() + 10
        while self.runtime.drain_busy and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not self.runtime.drain_busy, "the background drain did not finish"
        if self.runtime.drain_error is not None:
            raise AssertionError(f"drain failed: {self.runtime.drain_error!r}")


@pytest.fixture
def make_function(database_url: str, our_key: Any) -> Iterator[Callable[..., RunningFunction]]:
    with ExitStack() as stack:

        def start(
            resolver: NameMap | None = None, clock: Clock | None = None, **overrides: Any
        ) -> RunningFunction:
            names = resolver or NameMap()
            settings = Settings(
                base_url="https://alice.example",
                username="alice",
                private_key=our_key,
                database_url=database_url,
                admin_token=ADMIN_TOKEN,
                function_url="http://fn.example",
                allow_private_addresses=True,
                owner=OwnerSettings(),  # as a publish of a site without approval states
            )
            settings = replace(settings, **overrides)
            app = create_app(
                settings,
                session_factory=lambda s: make_session(s.client, resolver=names),
                clock=clock or utc_now,
            )
            server = stack.enter_context(ServerThread(app))
            client = stack.enter_context(httpx.Client(timeout=10))
            return RunningFunction(server.url, settings, app.state.runtime, names, client)

        yield start
