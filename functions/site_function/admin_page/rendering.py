"""The admin page's HTML: Jinja2 templates packaged here, autoescaped, given view models.

Templates see plain dicts (the owner services' JSON-ready results) and a few strings, never
store records. Remote HTML (a reply, a profile's summary) is shown as text (`as_text`): no
markup from another server reaches the page. Notices after an action come back as a fixed
key in the redirect (`?done=approved`), never as text taken from the URL.
"""

from __future__ import annotations

import functools
import html
from typing import TYPE_CHECKING, Any

import nh3
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

if TYPE_CHECKING:
    from site_function.admin_page.request import AdminRequest

__all__ = ["NOTICES", "as_text", "base_path", "problem", "render", "stylesheet"]

NOTICES = {
    "approved": "Follow request approved: an Accept is on its way.",
    "rejected": "Follow request rejected: a Reject is on its way.",
    "removed": "Follower removed: a Reject is on its way.",
    "blocked": "Blocked. The followers it covered were removed and each was sent a Reject.",
    "imported": "Blocklist imported.",
    "unblocked": "Block lifted.",
    "moderated": "Decision saved: it reaches the repository at the next conversations pull.",
    "moderated-actor": "Every interaction of that account was approved.",
    "retried": "Failed deliveries are back in the queue.",
    "signed-out": "Signed out.",
}


def as_text(html_text: object) -> str:
    """Remote HTML reduced to its plain text (the template escapes it like any text)."""
    if not isinstance(html_text, str):
        return ""
    spaced = html_text.replace("<br", "\n<br").replace("</p>", "</p>\n")
    return html.unescape(nh3.clean(spaced, tags=set())).strip()


@functools.cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("site_function.admin_page", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["as_text"] = as_text
    return env


@functools.cache
def stylesheet() -> bytes:
    """The page's one stylesheet, from the package."""
    from importlib.resources import files

    return (files("site_function.admin_page") / "static" / "admin.css").read_bytes()


def base_path(request: Request) -> str:
    """Where the admin page is mounted ("/admin", under any root path)."""
    return str(request.scope.get("root_path", "")) + "/admin"


def render(admin: AdminRequest, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page of the signed-in owner (or the sign-in page), with its CSRF token."""
    request = admin.request
    page = (
        _environment()
        .get_template(template)
        .render(
            base=base_path(request),
            csrf=admin.csrf,
            signed_in=admin.session is not None,
            notice=NOTICES.get(request.query_params.get("done", "")),
            **context,
        )
    )
    return HTMLResponse(page, status)


def problem(
    request: Request, status: int, detail: str, admin: AdminRequest | None = None
) -> HTMLResponse:
    """An error page: what went wrong in the owner's words, and the way back."""
    signed_in = admin is not None and admin.session is not None
    page = (
        _environment()
        .get_template("problem.html")
        .render(
            base=base_path(request),
            csrf=admin.csrf if admin else "",
            signed_in=signed_in,
            status=status,
            detail=detail,
            notice=None,
        )
    )
    return HTMLResponse(page, status)
