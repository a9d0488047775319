"""Small response helpers shared by the route modules (ActivityPub JSON, errors as JSON)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from site_gen.federation.serialize import serialize
from site_gen.federation.urls import ACTIVITY_JSON

__all__ = ["activity_response", "json_response"]


def activity_response(document: dict[str, Any], status: int = 200) -> Response:
    """An ActivityPub document with its media type (item 1)."""
    return Response(serialize(document), status, media_type=ACTIVITY_JSON)


def json_response(content: Any, status: int = 200) -> Response:
    """Plain JSON for the admin API and error answers."""
    import json

    return Response(
        json.dumps(content, ensure_ascii=False).encode("utf-8"),
        status,
        media_type="application/json",
    )
