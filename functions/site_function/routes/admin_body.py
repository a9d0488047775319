"""Reading an admin request's body: a JSON object within a size limit, and its fields.

Anything else is an `OwnerRequestError` (400, or 413 when too big), answered as JSON in the
one place errors become statuses (`_responses.error_answer`).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from site_function.json_text import unusable_text
from site_function.owner.errors import OwnerRequestError
from site_function.routes.inbox import read_limited_body

__all__ = ["json_body", "required_text", "text_body"]


async def json_body(request: Request, limit: int) -> dict[str, Any]:
    """The body as a JSON object (an empty body is `{}`)."""
    body = await read_limited_body(request, limit)
    if body is None:
        raise OwnerRequestError("request body too large", 413)
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        raise OwnerRequestError("request body is not JSON") from None
    if not isinstance(value, dict):
        raise OwnerRequestError("request body must be a JSON object")
    unusable = unusable_text(value, body)
    if unusable is not None:
        raise OwnerRequestError(f"request body: {unusable}")
    return value


async def text_body(request: Request, limit: int, what: str) -> str:
    """The body as text (UTF-8, a BOM dropped), e.g. a CSV blocklist."""
    body = await read_limited_body(request, limit)
    if body is None:
        raise OwnerRequestError(f"{what} too large", 413)
    return body.decode("utf-8-sig", "replace")


def required_text(body: dict[str, Any], name: str) -> str:
    """A non-empty string field, stripped."""
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise OwnerRequestError(f"'{name}' is required")
    return value.strip()
