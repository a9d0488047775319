"""The routes of one area, imported on the first request under the area's path prefixes.

A cold start pays only for what the first request needs, and that is nearly always a delivery
to the inbox: the admin page (Jinja2, its templates, the owner's services), the admin API, the
publishing and interaction routes wait until a request reaches their paths. A prefix is only
a gate: a request under it is matched against the area's real routes, in their order, so
routing is the same as if they had been listed in place (a method the route lacks still makes
a partial match, answered 405 by the router when nothing else matches fully). An area whose
routes leave its prefixes is a bug, raised at its first load.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette._utils import get_route_path
from starlette.datastructures import URLPath
from starlette.routing import BaseRoute, Match, NoMatchFound, Route
from starlette.types import Receive, Scope, Send

__all__ = ["DeferredRoutes"]

RouteLoader = Callable[[], list[BaseRoute]]


class DeferredRoutes(BaseRoute):
    """Stands in the router for an area's routes; `load` runs once, on the first match."""

    def __init__(self, name: str, prefixes: tuple[str, ...], load: RouteLoader) -> None:
        self.name = name
        self.prefixes = prefixes
        self._load = load
        self._routes: list[BaseRoute] | None = None

    @property
    def loaded(self) -> bool:
        """Whether a request (or a look at `routes`) has imported the area yet."""
        return self._routes is not None

    @property
    def routes(self) -> list[BaseRoute]:
        """The area's routes (imported now if no request has needed them yet)."""
        if self._routes is None:
            routes = self._load()
            outside = [
                str(getattr(route, "path", route))
                for route in routes
                if not (isinstance(route, Route) and route.path.startswith(self.prefixes))
            ]
            if outside:
                raise RuntimeError(f"routes of {self.name} outside {self.prefixes}: {outside}")
            self._routes = routes
        return self._routes

    def _match(self, scope: Scope) -> tuple[Match, Scope, BaseRoute | None]:
        if scope["type"] != "http" or not get_route_path(scope).startswith(self.prefixes):
            return Match.NONE, {}, None
        partial: tuple[Match, Scope, BaseRoute | None] = (Match.NONE, {}, None)
        for route in self.routes:
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                return match, child_scope, route
            if match is Match.PARTIAL and partial[2] is None:
                partial = (match, child_scope, route)
        return partial

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child_scope, _ = self._match(scope)
        return match, child_scope

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The router has merged the child scope in; matching again finds the same route.
        _, _, route = self._match(scope)
        assert route is not None, "handle follows a match"
        await route.handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        for route in self.routes:
            try:
                return route.url_path_for(name, **path_params)
            except NoMatchFound:
                continue
        raise NoMatchFound(name, path_params)

    def __repr__(self) -> str:
        loaded = "loaded" if self.loaded else "not loaded"
        return f"DeferredRoutes({self.name!r}, {self.prefixes!r}, {loaded})"
