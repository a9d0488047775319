"""The function as one ASGI app, built by `create_app` from a frozen `Settings`.

Routes come from the modules named in `_ROUTE_MODULES`, matched in that order (the build's
documents come last: they are a catch-all for `/ap/...` GETs); the inbox's POSTs skip
Starlette's stack (`FunctionApp`). The areas in `_DEFERRED` are imported on the first request
under their paths (`routes.deferred`), so a cold start imports what an inbox delivery needs
and little else. Exceptions become HTTP statuses in one place,
`routes._responses.error_answer`: an owner's impossible request is its own status
(400/404/413), a store failure is 503 (the sender retries, FEDERATION.md#ignore-unknown), anything
else is a bug and a plain 500.
"""

from __future__ import annotations

import functools
import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from site_function.access_log import install_access_log_filter
from site_function.routes._responses import ERROR_TYPES, error_answer, error_response
from site_function.routes.body_deadline import BodyDeadline
from site_function.routes.deferred import DeferredRoutes
from site_function.routes.inbox import InboxEndpoint
from site_function.runtime import (
    Clock,
    FunctionRuntime,
    SessionFactory,
    default_session_factory,
    utc_now,
)
from site_function.settings import Settings
from site_function.store.base import Store

__all__ = ["FunctionApp", "create_app", "route_module"]

log = logging.getLogger("site_function")

# One module per area under site_function.routes (or a dotted module path), each exposing
# `routes(runtime)`.
_ROUTE_MODULES: tuple[str, ...] = (
    "inbox",
    "followers",
    "follower_sync",
    "health",
    "admin",
    "notify",
    "publishing",
    "interact",
    "authorizations",
    "site_function.admin_page.routes",  # the admin page, after the JSON API under /admin/api/
    "documents",
)

# Areas no delivery needs, by the path prefixes their routes live under: imported on the first
# request there. The admin page brings Jinja2 and the owner's services; publishing the plan.
_DEFERRED: dict[str, tuple[str, ...]] = {
    "follower_sync": ("/ap/followers-synchronization",),
    "admin": ("/admin/api/",),
    "notify": ("/admin/api/notify/",),
    "publishing": ("/admin/api/",),
    "interact": ("/interact",),
    "authorizations": ("/ap/authorizations/",),
    "site_function.admin_page.routes": ("/admin/",),
}


async def _mapped_error(request: Request, exc: Exception) -> Response:
    answer = error_answer(exc, request.url.path)
    assert answer is not None, "registered only for ERROR_TYPES"
    return error_response(answer)


class FunctionApp(Starlette):
    """Starlette, with the inbox's POSTs answered before its middleware and router.

    The inbox is the hot path: Starlette's Request, routing and two middleware layers cost
    about a tenth of each request there. Its endpoint is plain ASGI and maps its own errors
    (through the same `error_answer`), so it is called directly; everything else, and the
    inbox under a `root_path` (a mounted app), goes the usual way. Every request's body must
    arrive within `body_timeout` seconds, either way (`BodyDeadline`: 408).
    """

    fast_paths: dict[str, InboxEndpoint]
    body_timeout: float

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            receive = BodyDeadline(receive, self.body_timeout)
        if scope["type"] == "http" and scope["method"] == "POST" and not scope.get("root_path"):
            endpoint = self.fast_paths.get(scope["path"])
            if endpoint is not None:
                scope["app"] = self
                await endpoint(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


def route_module(name: str) -> Any:
    """The module of one `_ROUTE_MODULES` entry (a bare name is under site_function.routes)."""
    return importlib.import_module(name if "." in name else f"site_function.routes.{name}")


def _area_routes(name: str, runtime: FunctionRuntime) -> list[BaseRoute]:
    routes: list[BaseRoute] = route_module(name).routes(runtime)
    return routes


def _routes(runtime: FunctionRuntime) -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for name in _ROUTE_MODULES:
        load = functools.partial(_area_routes, name, runtime)
        prefixes = _DEFERRED.get(name)
        if prefixes is None:
            routes.extend(load())
        else:
            routes.append(DeferredRoutes(name, prefixes, load))
    return routes


def create_app(
    settings: Settings,
    *,
    store: Store | None = None,
    session_factory: SessionFactory = default_session_factory,
    clock: Clock = utc_now,
) -> FunctionApp:
    """The ASGI app. Opens (and migrates) the store named by the settings unless one is given;
    the app owns the store either way and closes it at shutdown."""
    if store is None:
        from site_function.store.factory import open_store

        store = open_store(settings.database_url, wait=settings.store_wait)
    runtime = FunctionRuntime(settings, store, session_factory=session_factory, clock=clock)
    runtime.seed_owner_settings()
    install_access_log_filter()  # no admin query string (a token) in uvicorn's access log

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await runtime.close()

    routes = _routes(runtime)
    app = FunctionApp(
        routes=routes,
        lifespan=lifespan,
        exception_handlers=dict.fromkeys(ERROR_TYPES, _mapped_error),
    )
    app.fast_paths = {
        route.path: route.app
        for route in routes
        if isinstance(route, Route) and isinstance(route.app, InboxEndpoint)
    }
    app.body_timeout = settings.body_timeout
    app.state.runtime = runtime
    return app
