"""The one error of the owner's services: a request that cannot be carried out.

It carries the HTTP status the admin API answers with (400 bad value, 404 unknown, 409 a
plan or Move for another site, 413 too big, 502 a remote that cannot be read) and a detail in
the owner's words; the CLI shows the same detail.
"""

from __future__ import annotations

__all__ = ["OwnerRequestError"]


class OwnerRequestError(Exception):
    """An owner's request that cannot be carried out: `status` for HTTP, `detail` for people."""

    def __init__(self, detail: str, status: int = 400) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status
