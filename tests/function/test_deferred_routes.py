"""Areas imported on their first request route exactly as if their routes were listed in place.

`DeferredRoutes` in a plain Starlette router (the loader counts its calls), then in the
function's own app: after start-up no deferred area is loaded, a health check or an inbox
delivery loads none, and the first admin API request loads the admin API alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from site_function.app import create_app
from site_function.routes.deferred import DeferredRoutes
from site_function.settings import Settings
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

pytestmark = pytest.mark.anyio
TOKEN = "t0ken-for-deferred-routes"


async def _echo(request: Request) -> Response:
    return PlainTextResponse(f"{request.method} {request.url.path} {request.path_params}")


async def _fallback(request: Request) -> Response:
    return PlainTextResponse("fallback")


class _Area:
    """A loader that counts its calls and returns the routes it was given."""

    def __init__(self, routes: list[BaseRoute]) -> None:
        self.calls = 0
        self._routes = routes

    def __call__(self) -> list[BaseRoute]:
        self.calls += 1
        return self._routes


async def _get(app: Any, method: str, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://alice.example") as http:
        return await http.request(method, path)


def _app(area: _Area) -> Starlette:
    deferred = DeferredRoutes("area", ("/area/",), area)
    return Starlette(
        routes=[
            deferred,
            Route("/area/later", _fallback, methods=["GET"]),
            Route("/other", _fallback, methods=["GET"]),
        ]
    )


async def test_the_area_loads_once_on_the_first_request_under_its_prefix() -> None:
    area = _Area([Route("/area/items/{item}", _echo, methods=["GET", "POST"])])
    app = _app(area)
    assert (await _get(app, "GET", "/other")).text == "fallback"
    assert (await _get(app, "GET", "/nowhere")).status_code == 404
    assert area.calls == 0
    first = await _get(app, "GET", "/area/items/7")
    assert first.text == "GET /area/items/7 {'item': '7'}"
    assert (await _get(app, "POST", "/area/items/8")).text == "POST /area/items/8 {'item': '8'}"
    assert area.calls == 1
    assert app.url_path_for("_echo", item="9") == "/area/items/9"


async def test_a_method_the_area_lacks_is_405_unless_a_later_route_matches_fully() -> None:
    area = _Area([Route("/area/later", _echo, methods=["POST"]), Route("/area/x", _echo)])
    app = _app(area)
    assert (await _get(app, "POST", "/area/later")).text == "POST /area/later {}"
    assert (await _get(app, "GET", "/area/later")).text == "fallback"  # as in a flat list
    refused = await _get(app, "DELETE", "/area/x")
    assert refused.status_code == 405
    assert (await _get(app, "GET", "/area/missing")).status_code == 404


async def test_an_area_with_a_route_outside_its_prefix_is_refused_at_its_first_load() -> None:
    app = _app(_Area([Route("/elsewhere", _echo)]))
    with pytest.raises(RuntimeError, match="outside"):
        await _get(app, "GET", "/area/anything")


def _deferred(app: Any) -> dict[str, DeferredRoutes]:
    return {route.name: route for route in app.routes if isinstance(route, DeferredRoutes)}


async def test_the_function_loads_an_area_only_when_a_request_reaches_it(
    tmp_path: Path, our_key: Any
) -> None:
    settings = Settings(
        base_url="https://alice.example",
        username="alice",
        private_key=our_key,
        database_url=f"sqlite:///{tmp_path / 'state.sqlite3'}",
        admin_token=TOKEN,
        drain_after_inbox=False,
    )
    app = create_app(settings)
    try:
        areas = _deferred(app)
        assert {"admin", "publishing", "site_function.admin_page.routes"} <= set(areas)
        assert not any(area.loaded for area in areas.values())
        assert (await _get(app, "GET", "/healthz")).status_code == 200
        assert (await _get(app, "POST", "/ap/inbox")).status_code == 415
        assert not any(area.loaded for area in areas.values())
        assert (await _get(app, "GET", "/admin/api/followers")).status_code == 401
        loaded = {name for name, area in areas.items() if area.loaded}
        assert loaded == {"admin"}
    finally:
        await app.state.runtime.close()
