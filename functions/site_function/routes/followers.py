"""GET /ap/followers: the live followers collection, paged (`?page=N`, from 1).

The collection itself carries `totalItems` and a link to the first page; pages hold the
actor ids in the order they followed, with `next` and `prev` links.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from site_core.urls import UrlScheme
from site_function.routes._responses import activity_response, json_response
from site_function.routes._runtime import runtime_of
from site_function.runtime import FunctionRuntime

__all__ = ["routes"]

_AS = "https://www.w3.org/ns/activitystreams"


def _collection(urls: UrlScheme, total: int) -> dict[str, Any]:
    collection: dict[str, Any] = {
        "@context": _AS,
        "id": urls.followers,
        "type": "OrderedCollection",
        "totalItems": total,
    }
    if total:
        collection["first"] = urls.followers_page(1)
    return collection


async def followers(request: Request) -> Response:
    runtime = runtime_of(request)
    urls, store, size = runtime.urls, runtime.store, runtime.settings.followers_page_size
    page_text = request.query_params.get("page")
    total = await runtime.call(store.count_followers, "accepted")
    if page_text is None:
        return activity_response(_collection(urls, total))
    # ASCII digits only, and few of them: int() refuses 4300+ digits and SQLite an
    # OFFSET past 2**63, either of which would be a 500 for a bad query string.
    if not (page_text.isascii() and page_text.isdigit()) or len(page_text) > 9:
        return json_response({"status": "bad_page"}, 400)
    if int(page_text) < 1:
        return json_response({"status": "bad_page"}, 400)
    number = int(page_text)
    rows = await runtime.call(
        lambda: store.list_followers("accepted", limit=size, offset=(number - 1) * size)
    )
    page: dict[str, Any] = {
        "@context": _AS,
        "id": urls.followers_page(number),
        "type": "OrderedCollectionPage",
        "partOf": urls.followers,
        "totalItems": total,
        "orderedItems": [row.actor_id for row in rows],
    }
    if number * size < total:
        page["next"] = urls.followers_page(number + 1)
    if number > 1:
        page["prev"] = urls.followers_page(number - 1)
    return activity_response(page)


def routes(runtime: FunctionRuntime) -> list[BaseRoute]:
    """The followers path of this site."""
    urls = runtime.urls
    return [Route(urls.path_of(urls.followers), followers, methods=["GET", "HEAD"])]
