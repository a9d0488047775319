"""The function as one ASGI app, built by `create_app` from a frozen `Settings`.

Routes come from the modules named in `_ROUTE_MODULES`, matched in that order (the build's
documents come last: they are a catch-all for `/ap/...` GETs). Exceptions become HTTP statuses
here and nowhere else: an owner's impossible request is its own status (400/404/413), a store
failure is 503 (the sender retries, item 57), anything else is a bug and a plain 500.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from site_function.owner_controls import OwnerControlError
from site_function.routes._responses import json_response
from site_function.runtime import (
    Clock,
    FunctionRuntime,
    SessionFactory,
    default_session_factory,
    utc_now,
)
from site_function.settings import Settings
from site_function.store.base import Store, StoreError

__all__ = ["create_app"]

log = logging.getLogger("site_function")

# One module per area under site_function.routes, each exposing `routes(runtime)`.
_ROUTE_MODULES: tuple[str, ...] = (
    "inbox",
    "followers",
    "health",
    "admin",
    "publishing",
    "documents",
)


async def _owner_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OwnerControlError)
    return json_response({"status": "refused", "detail": str(exc)}, exc.status)


async def _store_error(request: Request, exc: Exception) -> Response:
    log.error("store failure on %s: %s", request.url.path, type(exc).__name__)
    return json_response({"status": "unavailable"}, 503)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return json_response({"status": "error", "detail": exc.detail}, exc.status_code)


def _routes(runtime: FunctionRuntime) -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for name in _ROUTE_MODULES:
        module = importlib.import_module(f"site_function.routes.{name}")
        routes.extend(module.routes(runtime))
    return routes


def create_app(
    settings: Settings,
    *,
    store: Store | None = None,
    session_factory: SessionFactory = default_session_factory,
    clock: Clock = utc_now,
) -> Starlette:
    """The ASGI app. Opens (and migrates) the store named by the settings unless one is given;
    the app owns the store either way and closes it at shutdown."""
    if store is None:
        from site_function.store.factory import open_store

        store = open_store(settings.database_url)
    runtime = FunctionRuntime(settings, store, session_factory=session_factory, clock=clock)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await runtime.close()

    app = Starlette(
        routes=_routes(runtime),
        lifespan=lifespan,
        exception_handlers={
            OwnerControlError: _owner_error,
            StoreError: _store_error,
            HTTPException: _http_error,
        },
    )
    app.state.runtime = runtime
    return app
