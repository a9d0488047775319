"""Signing in and out of the admin page: the sign-in form, its POST, and sign-out.

The sign-in form carries a token bound to a nonce cookie (a login form is a form too); a good
credential gets a fresh session cookie (`HttpOnly`, `SameSite=Strict`, `Secure` except on this
machine, path /admin, `admin_session_hours` long); a wrong one is a 401 page saying only that
it was wrong, counted (`AdminContext.refused`). Attempts beyond the address's budget get 429
with Retry-After before anything is checked.
"""

from __future__ import annotations

import secrets

from starlette.responses import RedirectResponse, Response

from site_function.admin_page import rendering
from site_function.admin_page.forms import read_form
from site_function.admin_page.guard import AdminRequest, is_local
from site_function.admin_page.session import SESSION_COOKIE, SIGNIN_COOKIE
from site_function.admin_page.signin import credential_ok

__all__ = ["home_or_signin", "sign_in", "sign_out"]


def _cookie(admin: AdminRequest, response: Response, name: str, value: str, age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=age,
        path=rendering.base_path(admin.request) + "/",
        secure=not is_local(admin.request),
        httponly=True,
        samesite="strict",
    )


def signin_page(admin: AdminRequest, status: int = 200, error: str = "") -> Response:
    """The sign-in form with a fresh nonce cookie and the token bound to it."""
    nonce = secrets.token_hex(16)
    keys = admin.context.keys
    response = rendering.render(
        admin,
        "signin.html",
        status,
        error=error,
        signin_token=keys.signin_token(nonce) if keys else "",
        hours=admin.runtime.settings.admin_session_hours,
    )
    _cookie(admin, response, SIGNIN_COOKIE, nonce, 3600)
    return response


async def home_or_signin(admin: AdminRequest) -> Response:
    """GET /admin/: the overview when signed in, else the sign-in form."""
    if admin.session is None:
        return signin_page(admin)
    from site_function.admin_page.pages import home

    return await home(admin)


def _client(admin: AdminRequest) -> str:
    client = admin.request.client
    return client.host if client is not None else "unknown"


async def sign_in(admin: AdminRequest) -> Response:
    """POST /admin/sign-in."""
    address, context = _client(admin), admin.context
    wait = context.signin_wait(address)
    if wait:
        limited = rendering.problem(admin.request, 429, "Too many sign-in attempts: wait a while.")
        limited.headers["Retry-After"] = str(wait)
        return limited
    form = await read_form(admin.request, 16_384)
    keys = context.keys
    nonce = admin.request.cookies.get(SIGNIN_COOKIE, "")
    if keys is None:
        return signin_page(admin, 401, "The admin page is closed: no admin token is configured.")
    if not nonce or not keys.token_matches(form.get("csrf", ""), keys.signin_token(nonce)):
        return rendering.problem(admin.request, 403, "This sign-in form is stale: reload it.")
    if not await admin.runtime.call(
        credential_ok, admin.runtime.settings, form.get("credential", "")
    ):
        context.refused(address)
        return signin_page(admin, 401, "That is not the admin token or passphrase.")
    response = RedirectResponse(rendering.base_path(admin.request) + "/", 303)
    age = int(keys.lifetime.total_seconds())
    _cookie(admin, response, SESSION_COOKIE, keys.issue(admin.runtime.clock()), age)
    response.delete_cookie(SIGNIN_COOKIE, path=rendering.base_path(admin.request) + "/")
    return response


async def sign_out(admin: AdminRequest) -> Response:
    """POST /admin/sign-out: the session revoked and its cookie cleared."""
    if admin.session is not None and admin.context.keys is not None:
        admin.context.keys.revoke(admin.session, admin.runtime.clock())
    base = rendering.base_path(admin.request)
    response = RedirectResponse(base + "/?done=signed-out", 303)
    response.delete_cookie(
        SESSION_COOKIE,
        path=base + "/",
        secure=not is_local(admin.request),
        httponly=True,
        samesite="strict",
    )
    return response
