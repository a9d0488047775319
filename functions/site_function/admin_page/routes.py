"""The admin page's paths under /admin/ (the JSON API keeps /admin/api/, matched first)."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from site_function.admin_page import pages, profile_page, signin_pages
from site_function.admin_page.actions import ACTIONS
from site_function.admin_page.guard import admin_endpoint
from site_function.runtime import FunctionRuntime

__all__ = ["PREFIX", "routes"]

PREFIX = "/admin"

_PAGES = {
    "/followers": pages.followers,
    "/blocks": pages.blocks_page,
    "/blocks/preview": pages.block_preview_page,
    "/blocks/export.csv": pages.export_blocks,
    "/conversation": pages.conversation,
    "/deliveries": pages.deliveries,
    "/profile": profile_page.profile,
}


def routes(runtime: FunctionRuntime) -> list[BaseRoute]:
    """The pages (GET), the actions (POST), sign-in and its stylesheet (no session needed)."""
    found: list[BaseRoute] = [
        Route(PREFIX + "/", admin_endpoint(signin_pages.home_or_signin, public=True)),
        Route(PREFIX + "/admin.css", admin_endpoint(pages.stylesheet, public=True)),
        Route(
            PREFIX + "/sign-in", admin_endpoint(signin_pages.sign_in, public=True), methods=["POST"]
        ),
        Route(PREFIX + "/sign-out", admin_endpoint(signin_pages.sign_out), methods=["POST"]),
    ]
    found += [Route(PREFIX + path, admin_endpoint(page)) for path, page in _PAGES.items()]
    found += [
        Route(PREFIX + path, admin_endpoint(action), methods=["POST"])
        for path, action in ACTIONS.items()
    ]
    return found
