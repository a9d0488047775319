"""What every admin page request must pass, and what every admin response carries.

`admin_endpoint` wraps each page and action: a plain-HTTP request to a host that is not this
machine is redirected to https (GET) or refused (403); a POST from another site is refused
(`Sec-Fetch-Site`, `Origin`); a page needs a signed-in session (else the sign-in page), an
action a session and its CSRF token (else 403, nothing changed). Expected failures become
HTML pages with their status here, in one place; and every response, refusals included,
gets the strict headers of `SECURITY_HEADERS`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from site_function.admin_page import rendering
from site_function.admin_page.forms import FormError, read_form
from site_function.admin_page.request import AdminRequest
from site_function.admin_page.session import SESSION_COOKIE, Session
from site_function.admin_page.signin import AdminContext, context_for
from site_function.owner.errors import OwnerRequestError
from site_function.routes._runtime import runtime_of
from site_function.runtime import FunctionRuntime
from site_function.store.base import StoreError

__all__ = ["SECURITY_HEADERS", "AdminRequest", "admin_context", "admin_endpoint", "is_local"]

log = logging.getLogger("site_function.admin_page")

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self';"
        " frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


Handler = Callable[[AdminRequest], Awaitable[Response]]


def admin_context(request: Request) -> AdminContext:
    """The app's admin page context, made on first use from the runtime's settings."""
    found: AdminContext | None = getattr(request.app.state, "admin_page", None)
    if found is None:
        found = context_for(runtime_of(request).settings)
        request.app.state.admin_page = found
    return found


def _host(request: Request) -> str:
    return (urlsplit(f"//{request.headers.get('host', '')}").hostname or "").lower()


def is_local(request: Request) -> bool:
    """True when the page is asked for on this machine (no TLS needed, no Secure cookie)."""
    return _host(request) in _LOCAL_HOSTS


def _over_tls(request: Request) -> bool:
    # A TLS-terminating proxy says so; a browser never sends this header itself, so an
    # on-path attacker of plain HTTP cannot make the owner's browser claim TLS.
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def _allowed_origins(request: Request, runtime: FunctionRuntime) -> set[str]:
    host = request.headers.get("host", "").lower()
    allowed = {f"http://{host}", f"https://{host}"}
    settings = runtime.settings
    for url in (settings.base_url, settings.function_url, settings.public_base):
        if url:
            parts = urlsplit(url)
            allowed.add(f"{parts.scheme}://{parts.netloc}".lower())
    return allowed


def cross_site(request: Request, runtime: FunctionRuntime) -> bool:
    """True for a POST another site made the browser send. With `Referrer-Policy:
    no-referrer` a browser sends `Origin: null` for its own forms, so `null` counts only
    with `Sec-Fetch-Site: same-origin`."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return True
    origin = request.headers.get("origin")
    if origin is None:
        return False
    if origin == "null":
        return fetch_site != "same-origin"
    return origin.lower() not in _allowed_origins(request, runtime)


def _with_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    return response


def _refusal(request: Request, runtime: FunctionRuntime) -> Response | None:
    if not (_over_tls(request) or is_local(request)):
        if request.method in ("GET", "HEAD"):
            return RedirectResponse(str(request.url.replace(scheme="https")), 308)
        return rendering.problem(request, 403, "The admin page is served over https only.")
    if request.method == "POST" and cross_site(request, runtime):
        log.warning("admin page: cross-site POST to %s refused", request.url.path)
        return rendering.problem(request, 403, "A form from another site was refused.")
    return None


def current_session(
    request: Request, context: AdminContext, runtime: FunctionRuntime
) -> Session | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if context.keys is None or not cookie:
        return None
    return context.keys.verify(cookie, runtime.clock())


async def _checked_action(admin: AdminRequest) -> Response | None:
    """For a signed-in POST: read the form and check its CSRF token (403 when it fails)."""
    admin.form = await read_form(admin.request, admin.runtime.settings.max_body)
    if admin.session is None:
        return rendering.problem(admin.request, 403, "Your session ended: sign in again.")
    keys = admin.context.keys
    if keys is None or not keys.token_matches(admin.form.get("csrf", ""), admin.csrf):
        return rendering.problem(
            admin.request,
            403,
            "This form is stale or incomplete (its CSRF token does not"
            " match your session): reload the page and try again. Nothing was changed.",
        )
    return None


async def _answer(handler: Handler, admin: AdminRequest, *, public: bool) -> Response:
    request = admin.request
    if not public and admin.session is None:
        if request.method in ("GET", "HEAD"):
            return RedirectResponse(request.scope.get("root_path", "") + "/admin/", 303)
        return rendering.problem(request, 403, "Your session ended: sign in again.")
    if not public and request.method == "POST":
        refused = await _checked_action(admin)
        if refused is not None:
            return refused
    return await handler(admin)


def admin_endpoint(
    handler: Handler, *, public: bool = False
) -> Callable[[Request], Awaitable[Response]]:
    """The Starlette endpoint of an admin page or action (see the module docstring);
    `public` for the sign-in page and form, which need no session."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        runtime, context = runtime_of(request), admin_context(request)
        refusal = _refusal(request, runtime)
        if refusal is not None:
            return _with_headers(refusal)
        admin = AdminRequest(request, runtime, context, current_session(request, context, runtime))
        try:
            response = await _answer(handler, admin, public=public)
        except (FormError, OwnerRequestError) as exc:
            response = rendering.problem(request, exc.status, exc.detail, admin)
        except StoreError:
            log.error("admin page: store failure on %s", request.url.path)
            response = rendering.problem(request, 503, "The store is unavailable: try again.")
        return _with_headers(response)

    return endpoint
