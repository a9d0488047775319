"""The build's ActivityPub documents, for static hosts that cannot set Content-Type.

GitHub Pages serves `/ap/actor` as `application/octet-stream`, which Mastodon refuses; there the
function answers those paths itself, from the build folder (`documents_dir`) or from the static
origin (`documents_origin`), with the type `media_type_for_path` gives
(FEDERATION.md#type-per-path). Only paths that need a special type are served, never arbitrary
files, and never outside the folder. An object the publish ledger records as deleted answers 410
with a Tombstone (FEDERATION.md#tombstones), also where no documents are served: then
`/ap/posts/{slug}` is the only path here.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from site_core.urls import media_type_for_path, output_path_for_url
from site_function.routes._responses import activity_response, json_response
from site_function.routes._runtime import runtime_of
from site_function.runtime import FunctionRuntime

__all__ = ["routes", "tombstone_for"]

_AS = "https://www.w3.org/ns/activitystreams"
_MAX_DOCUMENT = 4_000_000


async def tombstone_for(runtime: FunctionRuntime, path: str) -> dict[str, Any] | None:
    """A Tombstone if the publish ledger says this object was deleted, else None."""
    if not path.startswith("/ap/posts/"):
        return None
    object_id = runtime.urls.base_url + path
    published = await runtime.call(runtime.store.get_published, object_id)
    if published is None or published.state != "deleted":
        return None
    return {"@context": _AS, "id": object_id, "type": "Tombstone"}


def _read_inside(folder: Path, relative: str) -> bytes | None:
    """The file's bytes, or None when it is missing, too big, outside the folder, or its name
    is one no file can have (a null byte, a name longer than the system allows)."""
    try:
        root = folder.resolve()
        candidate = (root / relative).resolve()
        if not candidate.is_relative_to(root) or not candidate.is_file():
            return None
        if candidate.stat().st_size > _MAX_DOCUMENT:
            return None
        return candidate.read_bytes()
    except (OSError, ValueError):  # ENAMETOOLONG, "embedded null byte", a file just removed
        return None


async def _from_origin(runtime: FunctionRuntime, path: str) -> bytes | None:
    origin = runtime.settings.documents_origin
    assert origin is not None
    session = runtime.session
    async with session.get(origin.rstrip("/") + path, allow_redirects=False) as response:
        if response.status != 200:
            return None
        return await response.content.read(_MAX_DOCUMENT)


async def document(request: Request) -> Response:
    runtime = runtime_of(request)
    settings = runtime.settings
    path = request.url.path
    # `output_path_for_url` percent-decodes, so it gets the path as sent (`raw_path`):
    # given the already decoded one, `%252e%252e` would become `..` after the check.
    raw = request.scope.get("raw_path")
    sent = raw.decode("latin-1") if raw else quote(path)
    relative = output_path_for_url(sent)
    media_type = media_type_for_path(path)
    if media_type is None or ".." in path or ".." in PurePosixPath(relative).parts:
        return json_response({"status": "not_found"}, 404)
    tombstone = await tombstone_for(runtime, path)
    if tombstone is not None:
        return activity_response(tombstone, 410)
    if settings.documents_dir is not None:
        content = await runtime.call(_read_inside, settings.documents_dir, relative)
    else:
        content = await _from_origin(runtime, sent)
    if content is None:
        return json_response({"status": "not_found"}, 404)
    return Response(
        content,
        media_type=media_type,
        headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "max-age=300"},
    )


async def deleted_post(request: Request) -> Response:
    tombstone = await tombstone_for(runtime_of(request), request.url.path)
    if tombstone is None:
        return json_response({"status": "not_found"}, 404)
    return activity_response(tombstone, 410)


def routes(runtime: FunctionRuntime) -> list[BaseRoute]:
    """The build's document paths when the function serves them (a folder or an origin),
    else the Tombstones of deleted posts alone."""
    settings = runtime.settings
    if settings.documents_dir is None and settings.documents_origin is None:
        return [Route("/ap/posts/{slug}", deleted_post, methods=["GET"])]
    paths = ["/ap/{rest:path}", "/.well-known/{name}", "/nodeinfo/{version}"]
    return [Route(p, document, methods=["GET", "HEAD"]) for p in paths]
