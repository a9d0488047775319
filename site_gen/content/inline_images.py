"""Images written in a post's Markdown get their width and height, and load when needed.

A browser that knows an image's size keeps its place before it arrives, so the text does not
jump (Lighthouse's layout shift); the size comes from the file's header under static/. Images
inside a post body come after its first lines, so they load lazily. Remote images are left as
they are: the build cannot read them.
"""

from __future__ import annotations

import html
import posixpath
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from site_gen.content.image_size import image_size
from site_gen.content.local_images import is_remote

__all__ = ["size_inline_images"]

_IMG = re.compile(r"<img\b([^>]*?)\s*/?>", re.IGNORECASE)
_SRC = re.compile(r"""\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_HAS = re.compile(r"\b(width|height|loading)\s*=", re.IGNORECASE)


def _local_file(src: str, static_dir: Path, page_path: str) -> Path | None:
    """The file under static/ that `src`, as the browser resolves it on the page, names."""
    if not src or is_remote(src):
        return None
    path = unquote(urlsplit(src).path)
    resolved = posixpath.normpath(posixpath.join(page_path, path)).lstrip("/")
    if not resolved or ".." in Path(resolved).parts:
        return None
    file = static_dir / resolved
    return file if file.is_file() else None


def _sized(attributes: str, static_dir: Path, page_path: str) -> str:
    found = _SRC.search(attributes)
    present = {name.lower() for name in _HAS.findall(attributes)}
    extra = ""
    if found is not None and not {"width", "height"} & present:
        src = html.unescape(found.group(1) or found.group(2) or "").strip()
        file = _local_file(src, static_dir, page_path)
        size = image_size(file) if file is not None else None
        if size is not None:
            extra += f' width="{size[0]}" height="{size[1]}"'
    if "loading" not in present:
        extra += ' loading="lazy" decoding="async"'
    return f"<img{attributes}{extra}>"


def size_inline_images(body_html: str, static_dir: Path, page_path: str) -> str:
    """`body_html` with each local `<img>` sized and every `<img>` loading lazily.

    `page_path` is the URL path of the post's page, against which a relative `src` resolves.
    An image that already has a width, a height or a loading attribute keeps them.
    """
    if "<img" not in body_html:
        return body_html
    return _IMG.sub(lambda m: _sized(m.group(1), static_dir, page_path), body_html)
