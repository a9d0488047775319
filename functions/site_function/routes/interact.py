"""GET or POST /interact: follow the owner, or reply to a post, from the visitor's own server.

The forms on the site's pages send `handle` (`@them@their.server`, `them@their.server` or a
profile URL), `intent` (`follow` or `reply`) and, for a reply, `object` (one of our post
objects). The function looks the handle up (`interaction_lookup`) and answers 303 to the
visitor's server's interaction page; otherwise a small page says why and shows the handle to
search for (`interact_page`), which works on every server (FEDERATION.md#remote-interaction).

Nothing here changes state, and the only targets are our actor and our own post objects, so
the route cannot be used to make anyone act on a third party's object. Each client address may
ask `interact_rate_limit` times per `rate_window` seconds (a lookup costs up to three requests to
someone else's server); behind a proxy the address is the one the server in front reports.
"""

from __future__ import annotations

import math
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from site_core.remote_interaction import Interaction, parse_visitor_handle
from site_core.urls import SLUG_PATTERN, UrlScheme
from site_function.interaction_lookup import Explained, find_interaction_page
from site_function.routes._runtime import runtime_of
from site_function.routes.interact_page import interaction_page
from site_function.runtime import FunctionRuntime

__all__ = ["routes"]

_MAX_FORM = 4_096  # a handle, an intent and one of our URLs
_FORM_TYPE = "application/x-www-form-urlencoded"


class _BadForm(Exception):
    """The request's form cannot be read (wrong type, too long, malformed): 400."""


async def _form(request: Request) -> dict[str, str]:
    """The fields, from the query string (GET) or an url-encoded body (POST); first value wins."""
    if request.method != "POST":
        return {key: request.query_params[key] for key in request.query_params}
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != _FORM_TYPE:
        raise _BadForm("Send the form as application/x-www-form-urlencoded.")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > _MAX_FORM:
            raise _BadForm("The form is too long.")
    try:
        pairs = parse_qsl(body.decode("utf-8"), max_num_fields=10)
    except (UnicodeDecodeError, ValueError) as exc:
        raise _BadForm("The form could not be read.") from exc
    fields: dict[str, str] = {}
    for key, value in pairs:
        fields.setdefault(key, value)
    return fields


def _interaction(fields: dict[str, str], urls: UrlScheme) -> Interaction | str:
    """What the form asks for, or why it cannot be done. The target is never the visitor's
    choice beyond picking one of our posts: a follow is of our actor, a reply to our object."""
    intent = fields.get("intent", "follow")
    target = fields.get("object", "")
    prefix = urls.post_object("")
    slug = target.removeprefix(prefix) if target.startswith(prefix) else None
    if target and (slug is None or SLUG_PATTERN.match(slug) is None):
        return "That post is not one of this site's posts."
    if intent == "follow":
        return Interaction("follow", urls.actor, urls.profile, urls.handle)
    if intent != "reply":
        return "The form asks for something this site does not offer (follow or reply)."
    if slug is None:
        return "The form does not say which post to reply to."
    return Interaction("reply", target, urls.post_page(slug), urls.handle)


def _rate_limited(runtime: FunctionRuntime, request: Request) -> Response | None:
    if runtime.settings.interact_rate_limit <= 0:
        return None
    key = request.client.host if request.client else "unknown"
    wait = runtime.interact_limits.wait_for(key)
    if wait > 0:
        message = "Too many lookups from your address: please try again in a few minutes."
        page = interaction_page(runtime.urls, 429, message, None)
        page.headers["Retry-After"] = str(max(1, math.ceil(wait)))
        return page
    runtime.interact_limits.take(key)
    return None


async def interact(request: Request) -> Response:
    runtime = runtime_of(request)
    urls = runtime.urls
    limited = _rate_limited(runtime, request)
    if limited is not None:
        return limited
    try:
        fields = await _form(request)
    except _BadForm as exc:
        return interaction_page(urls, 400, str(exc), None)
    interaction = _interaction(fields, urls)
    if isinstance(interaction, str):
        return interaction_page(urls, 400, interaction, None)
    typed = fields.get("handle", "")
    account = parse_visitor_handle(typed)
    if account is None:
        message = "That is not a handle like @you@your.server or a profile address."
        return interaction_page(urls, 400, message, interaction, typed)
    found = await find_interaction_page(
        runtime.session,
        account,
        interaction,
        scheme="http" if urls.base_url.startswith("http://") else "https",
        deadline=runtime.settings.interact_timeout,
    )
    if isinstance(found, Explained):
        return interaction_page(urls, found.status, found.message, interaction, typed)
    response = RedirectResponse(found.choice.url, 303)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def routes(runtime: FunctionRuntime) -> list[BaseRoute]:
    """`/interact` at the function's root (FEDERATION.md#remote-interaction)."""
    return [Route(runtime.urls.path_of(runtime.urls.interact), interact, methods=["GET", "POST"])]
