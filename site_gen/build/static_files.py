"""The site's `static/` folder, copied as is (images, icons, anything the posts link to)."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from pathlib import Path

from site_gen.build.artifacts import Artifact

__all__ = ["static_artifacts"]


def static_artifacts(static_dir: Path) -> Iterator[Artifact]:
    """Every file under `static_dir`, sorted, hidden files (.DS_Store, .git) left out."""
    if not static_dir.is_dir():
        return
    for path in sorted(static_dir.rglob("*")):
        relative = path.relative_to(static_dir)
        if not path.is_file() or any(part.startswith(".") for part in relative.parts):
            continue
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        yield Artifact(relative.as_posix(), path.read_bytes(), media_type)
