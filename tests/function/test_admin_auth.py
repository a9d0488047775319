"""Every admin endpoint is behind `requires_admin`, wherever its module lays it out.

The admin paths are read from the app's own router, so an endpoint added without the guard
fails here: no token (or a wrong one) is 401 with `WWW-Authenticate`, a token in the query
string is 400 even with the right header, and a function without a configured token is
closed to everyone. In process, through httpx's ASGI transport against `create_app`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from site_function.app import create_app
from site_function.settings import Settings
from starlette.routing import Route

TOKEN = "t0ken-for-admin-auth"
pytestmark = pytest.mark.anyio


async def _client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://alice.example") as http:
        yield http
    await app.state.runtime.close()


def _app(tmp_path: Path, our_key: Any, token: str | None) -> Any:
    settings = Settings(
        base_url="https://alice.example",
        username="alice",
        private_key=our_key,
        database_url=f"sqlite:///{tmp_path / 'state.sqlite3'}",
        admin_token=token,
        drain_after_inbox=False,
    )
    return create_app(settings)


def _admin_routes(app: Any) -> list[tuple[str, str]]:
    # An area imported on its first request (`routes.deferred`) lists its routes on demand.
    every_route = [inner for route in app.routes for inner in getattr(route, "routes", [route])]
    found = [
        (method, route.path)
        for route in every_route
        if isinstance(route, Route) and route.path.startswith("/admin/api/")
        for method in sorted(route.methods or ())
        if method != "HEAD"
    ]
    assert len(found) >= 16, found  # followers, blocks, interactions, publishing, move
    return found


@pytest.fixture
async def guarded(tmp_path: Path, our_key: Any) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    app = _app(tmp_path, our_key, TOKEN)
    async for http in _client(app):
        yield app, http


async def test_every_admin_route_refuses_a_missing_or_wrong_token(
    guarded: tuple[Any, httpx.AsyncClient],
) -> None:
    app, http = guarded
    for method, path in _admin_routes(app):
        for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": f"Basic {TOKEN}"}):
            response = await http.request(method, path, headers=headers)
            assert response.status_code == 401, (method, path, headers)
            assert response.json() == {"status": "unauthorized"}
            assert response.headers["www-authenticate"] == 'Bearer realm="site-gen admin"'


async def test_every_admin_route_refuses_a_token_in_the_query_string(
    guarded: tuple[Any, httpx.AsyncClient],
) -> None:
    app, http = guarded
    good = {"Authorization": f"Bearer {TOKEN}"}
    for method, path in _admin_routes(app):
        response = await http.request(method, path, params={"access_token": TOKEN}, headers=good)
        assert response.status_code == 400, (method, path)
        assert response.json()["status"] == "token_in_query"
        assert TOKEN not in response.text


async def test_the_right_token_is_let_through(guarded: tuple[Any, httpx.AsyncClient]) -> None:
    _, http = guarded
    response = await http.get("/admin/api/followers", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.json() == []


async def test_without_a_configured_token_the_api_is_closed(tmp_path: Path, our_key: Any) -> None:
    app = _app(tmp_path, our_key, None)
    async for http in _client(app):
        for method, path in _admin_routes(app):
            for token in ("", "None"):
                headers = {"Authorization": f"Bearer {token}".strip()}
                response = await http.request(method, path, headers=headers)
                assert response.status_code == 401, (method, path)
