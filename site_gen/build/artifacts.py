"""What every renderer returns: a file of the output folder, as bytes, with its media type."""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Artifact", "html_artifact"]


class Artifact(NamedTuple):
    """One output file: `path` is relative to the output folder (`posts/x/index.html`)."""

    path: str
    data: bytes
    media_type: str


def html_artifact(path: str, text: str) -> Artifact:
    return Artifact(path, text.encode("utf-8"), "text/html; charset=utf-8")
