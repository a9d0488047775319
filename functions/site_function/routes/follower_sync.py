"""GET /ap/followers-synchronization: one server's part of our followers (FEP-8fcf).

The `url` of the `Collection-Synchronization` header we send points here, with `?domain=` naming
the receiving server. Only a GET signed by an actor of that server is answered, and only with
our accepted followers whose id shares the signer's scheme and authority: a server learns which
of its own accounts follow us, nothing about anyone else's (FEDERATION.md#follower-sync).
Unsigned or badly signed: 401; a signer of another server than `domain`, or blocked: 403.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from site_core.follower_sync import authority_of, partial_collection
from site_function.delivery.follower_sync import follower_ids_by_authority
from site_function.inbox_request import InboxRequest, our_authorities
from site_function.routes._responses import activity_response, json_response
from site_function.routes._runtime import runtime_of
from site_function.routes.inbox import loopback_authorities, request_headers
from site_function.runtime import FunctionRuntime
from site_function.signed_requests import SignerRefused, signer_of

__all__ = ["routes"]


def _as_signed_request(runtime: FunctionRuntime, request: Request) -> InboxRequest:
    """The GET as it arrived (raw path and query: the signature covers them)."""
    scope = request.scope
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
    base = runtime.settings.public_base or runtime.urls.fn
    return InboxRequest(
        method="GET",
        path=raw_path.decode("latin-1"),
        query=scope.get("query_string", b"").decode("latin-1"),
        headers=request_headers(scope["headers"]),
        body=b"",
        scheme=urlsplit(base).scheme or "https",
        authorities=our_authorities(runtime.settings) | loopback_authorities(scope.get("server")),
    )


async def partial_followers(request: Request) -> Response:
    runtime = runtime_of(request)
    signer = await signer_of(runtime, _as_signed_request(runtime, request))
    if isinstance(signer, SignerRefused):
        body = {"status": signer.reason, "detail": signer.detail or "a signed GET is required"}
        return json_response(body, signer.status)
    authority = authority_of(signer.owner)
    if authority is None:  # the key resolver only accepts http(s) owners; kept for safety
        return json_response({"status": "bad_signer"}, 403)
    host = authority.split("://", 1)[1]
    asked = request.query_params.get("domain")
    if asked is not None and asked.lower() != host:
        detail = "a server may read only the part of its own domain"
        return json_response({"status": "other_domain", "detail": detail}, 403)
    grouped = await runtime.call(follower_ids_by_authority, runtime.store)
    urls = runtime.urls
    document_id = (
        urls.followers_synchronization_for(host) if asked else urls.followers_synchronization
    )
    response = activity_response(partial_collection(document_id, grouped.get(authority, ())))
    response.headers["Cache-Control"] = "private, no-store"  # per signer: never shared
    return response


def routes(runtime: FunctionRuntime) -> list[BaseRoute]:
    """The partial followers collection of this site."""
    urls = runtime.urls
    path = urls.path_of(urls.followers_synchronization)
    return [Route(path, partial_followers, methods=["GET", "HEAD"])]
