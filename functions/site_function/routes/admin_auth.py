"""Who may use the admin API: the holder of SITE_GEN_ADMIN_TOKEN, in the Authorization header.

`requires_admin` wraps an endpoint: without a configured token the API is closed (401 for
everyone, with `WWW-Authenticate`); the bearer token is compared in constant time
(`hmac.compare_digest`). A credential in the query string (`?token=`, `?access_token=`, ...)
is refused (400) even with a good header: URLs end up in access logs and browser history,
so tokens travel in `Authorization: Bearer` only (the app also keeps admin query strings out
of uvicorn's log).
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from site_function.routes._responses import json_response
from site_function.routes._runtime import runtime_of

__all__ = ["Endpoint", "admin_refusal", "requires_admin"]

Endpoint = Callable[[Request], Awaitable[Response]]
# Query parameters that carry a credential in other APIs: never accepted here.
_QUERY_CREDENTIALS = frozenset({"token", "access_token", "admin_token", "bearer", "api_key"})
_CREDENTIAL_IN_URL = (
    "a token in the URL is never accepted (URLs are logged): remove it from the"
    " query string and send the header 'Authorization: Bearer <token>'"
)


def _credential_in_query(request: Request) -> bool:
    return any(name.lower() in _QUERY_CREDENTIALS for name in request.query_params)


def _authorized(request: Request, token: str | None) -> bool:
    if not token:
        return False
    given = request.headers.get("authorization", "")
    scheme, _, value = given.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(value.strip().encode("utf-8"), token.encode("utf-8"))


def admin_refusal(request: Request) -> Response | None:
    """The answer refusing this request (400 token in the URL, 401 no or wrong token), or
    None when it carries the admin token as it should."""
    if _credential_in_query(request):
        return json_response({"status": "token_in_query", "detail": _CREDENTIAL_IN_URL}, 400)
    if not _authorized(request, runtime_of(request).settings.admin_token):
        response = json_response({"status": "unauthorized"}, 401)
        response.headers["WWW-Authenticate"] = 'Bearer realm="site-gen admin"'
        return response
    return None


def requires_admin(endpoint: Endpoint) -> Endpoint:
    """The endpoint, answered only for the admin (see `admin_refusal`)."""

    @functools.wraps(endpoint)
    async def guarded(request: Request) -> Response:
        refusal = admin_refusal(request)
        return refusal if refusal is not None else await endpoint(request)

    return guarded
