"""Images named by path (front matter, a post body, site.yaml) must be files under static/.

One check for all of them, so every missing image reads the same way and offers the closest
existing file ("did you mean images/avatar.png?"). Remote images (http, https, data:) are
not checked: the build cannot know whether they exist.
"""

from __future__ import annotations

import difflib
import html
import posixpath
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

__all__ = ["inline_image_problem", "is_remote", "missing_image"]

_IMG_SRC = re.compile(
    r"""<img\b[^>]*?\bsrc\s*=\s*(?:"(?P<double>[^"]*)"|'(?P<single>[^']*)'|(?P<bare>[^\s>]+))""",
    re.IGNORECASE,
)


def is_remote(src: str) -> bool:
    """An image with a scheme (https:, data:) or a host (//cdn...): not one of static/."""
    parts = urlsplit(src.strip())
    return bool(parts.scheme or parts.netloc)


def _static_files(static_dir: Path) -> list[str]:
    """The files a build copies from static/, as paths relative to it (hidden ones left out)."""
    if not static_dir.is_dir():
        return []
    files = []
    for file in static_dir.rglob("*"):
        relative = file.relative_to(static_dir)
        if file.is_file() and not any(part.startswith(".") for part in relative.parts):
            files.append(relative.as_posix())
    return sorted(files)


def missing_image(
    static_dir: Path, relative: str, shown: str, *, as_url: bool = False
) -> str | None:
    """None when `static/<relative>` is a file; otherwise what is wrong and how to fix it.

    `shown` is the path as the writer typed it. The closest existing name is offered in the
    same form: a path under static/ (front matter, site.yaml) or, with `as_url`, the URL path
    that a post body uses (`/images/avatar.png`).
    """
    relative = relative.lstrip("/")
    if relative and ".." not in Path(relative).parts and (static_dir / relative).is_file():
        return None
    close = difflib.get_close_matches(relative, _static_files(static_dir), n=1)
    if close:
        suggestion = f"/{close[0]}" if as_url else close[0]
        return f"image '{shown}' not found under static/: did you mean {suggestion}?"
    return (
        f"image '{shown}' not found under static/: put the file at static/{relative} or "
        "correct the path"
    )


def _line_of(src: str, body: str, body_line: int) -> int:
    """The file line that writes `src` (the first that does), or where the body starts."""
    for offset, line_text in enumerate(body.split("\n")):
        if src in line_text:
            return body_line + offset
    return body_line


def inline_image_problem(
    body_html: str, body: str, body_line: int, static_dir: Path, page_path: str
) -> tuple[str, int] | None:
    """The first image of a rendered post body that is not under static/: (message, line).

    `page_path` is the URL path of the post's page (`/posts/<slug>/`), against which a
    relative `src` resolves in the browser; `body_line` is the file line where `body` starts.
    """
    if "<img" not in body_html:
        return None
    for match in _IMG_SRC.finditer(body_html):
        src = html.unescape(match["double"] or match["single"] or match["bare"] or "").strip()
        if not src or is_remote(src):
            continue
        path = unquote(urlsplit(src).path)
        if not path:
            continue
        resolved = posixpath.normpath(posixpath.join(page_path, path))
        problem = missing_image(static_dir, resolved, src, as_url=True)
        if problem is not None:
            return problem, _line_of(src, body, body_line)
    return None
