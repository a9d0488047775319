"""Small response helpers shared by the route modules (ActivityPub JSON, errors as JSON), and
the one mapping of exceptions to HTTP statuses (`error_answer`), used both by the Starlette
app's exception handlers and by the inbox's plain ASGI fast path."""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.responses import Response

from site_core.serialize import serialize
from site_core.urls import ACTIVITY_JSON
from site_function.frozen_record import FrozenRecord
from site_function.owner.errors import OwnerRequestError
from site_function.store.base import StoreError

__all__ = [
    "ERROR_TYPES",
    "STORE_RETRY_AFTER",
    "ErrorAnswer",
    "SlowBody",
    "activity_response",
    "error_answer",
    "error_response",
    "json_bytes",
    "json_response",
]

log = logging.getLogger("site_function")

# Seconds a sender is asked to wait after a store failure (most are a lock or a restart).
STORE_RETRY_AFTER = 10


class SlowBody(Exception):
    """The request body did not arrive within its deadline (`Settings.body_timeout`)."""


def activity_response(document: dict[str, Any], status: int = 200) -> Response:
    """An ActivityPub document with its media type (FEDERATION.md#activity-json)."""
    return Response(serialize(document), status, media_type=ACTIVITY_JSON)


def json_bytes(content: Any) -> bytes:
    """The JSON body every plain answer uses (UTF-8, not ASCII-escaped)."""
    return json.dumps(content, ensure_ascii=False).encode("utf-8")


def json_response(content: Any, status: int = 200) -> Response:
    """Plain JSON for the admin API and error answers."""
    return Response(json_bytes(content), status, media_type="application/json")


class ErrorAnswer(FrozenRecord):
    """What an expected exception becomes: a status and a JSON body."""

    status: int
    body: dict[str, Any]
    headers: tuple[tuple[str, str], ...] = ()


# The exception classes `error_answer` maps (the app registers a handler for each).
ERROR_TYPES: tuple[type[Exception], ...] = (
    OwnerRequestError,
    StoreError,
    SlowBody,
    HTTPException,
)


def error_answer(exc: Exception, path: str) -> ErrorAnswer | None:
    """An owner's impossible request is its own status (400/404/409/413/502), a store failure is 503
    with Retry-After (the sender retries, FEDERATION.md#ignore-unknown), a body too slow to
    arrive is 408 and ends the connection; None for anything else (a bug: a plain 500)."""
    if isinstance(exc, OwnerRequestError):
        return ErrorAnswer(exc.status, {"status": "refused", "detail": exc.detail})
    if isinstance(exc, StoreError):
        log.error("store failure on %s: %s", path, type(exc).__name__)
        return ErrorAnswer(
            503, {"status": "unavailable"}, (("retry-after", str(STORE_RETRY_AFTER)),)
        )
    if isinstance(exc, SlowBody):
        detail = "the request body did not arrive in time"
        return ErrorAnswer(408, {"status": "timeout", "detail": detail}, (("connection", "close"),))
    if isinstance(exc, HTTPException):
        return ErrorAnswer(exc.status_code, {"status": "error", "detail": exc.detail})
    return None


def error_response(answer: ErrorAnswer) -> Response:
    """The Starlette response of an `ErrorAnswer` (the inbox's fast path sends its own)."""
    response = json_response(answer.body, answer.status)
    for name, value in answer.headers:
        response.headers[name] = value
    return response
