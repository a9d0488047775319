"""A posted form, read strictly: urlencoded only, bounded, UTF-8, each field once.

The admin page's forms are plain `application/x-www-form-urlencoded` (no file upload: a
blocklist CSV is pasted into a text area), so nothing here needs a multipart parser. What
cannot be read is a `FormError` (400 with the reason), never a 500.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request

from site_function.routes.inbox import read_limited_body

__all__ = ["FormError", "read_form"]

_URLENCODED = "application/x-www-form-urlencoded"
_MAX_FIELDS = 32


class FormError(Exception):
    """A form that cannot be read: `status` and a reason for the owner."""

    def __init__(self, detail: str, status: int = 400) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status


async def read_form(request: Request, max_bytes: int) -> dict[str, str]:
    """The fields of a posted form (a field sent twice keeps its last value)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != _URLENCODED:
        raise FormError(f"the form must be sent as {_URLENCODED}", 415)
    body = await read_limited_body(request, max_bytes)
    if body is None:
        raise FormError("the form is too large", 413)
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=False,
            max_num_fields=_MAX_FIELDS,
            errors="strict",
        )
    except (UnicodeDecodeError, ValueError):
        raise FormError("the form cannot be read (not UTF-8, or too many fields)") from None
    if any("\x00" in key or "\x00" in value for key, value in pairs):
        raise FormError("the form holds a NUL character")
    return dict(pairs)
