"""Serve a build folder the way the production hosts do, plus the live-reload script.

Types come from `media_type_for_path` first (the same table as the host configs), then
from the extension; a folder answers with its index.html, a folder without its slash is
redirected like nginx does, and anything missing gets 404.html with status 404. The
folder is looked up on every request because a rebuild swaps it in whole.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from starlette.responses import RedirectResponse, Response
from starlette.types import Receive, Scope, Send

from site_core.urls import media_type_for_path

__all__ = ["StaticSite", "inject_script", "media_type_for_file"]

_TEXT_TYPES = ("text/", "application/javascript", "application/xml", "application/atom+xml")


def media_type_for_file(url_path: str, file: Path) -> str:
    """The Content-Type for `file` answering `url_path`: special paths first, then extension."""
    special = media_type_for_path(url_path)
    if special is not None:
        return special
    guessed, _ = mimetypes.guess_type(file.name)
    media_type = guessed or "application/octet-stream"
    if media_type.startswith(_TEXT_TYPES):
        return f"{media_type}; charset=utf-8"
    return media_type


def inject_script(html: bytes, tag: bytes) -> bytes:
    """Put `tag` before the last `</body>` (or at the end): preview pages only, never the build."""
    index = html.lower().rfind(b"</body>")
    if index < 0:
        return html + tag
    return html[:index] + tag + html[index:]


class StaticSite:
    """An ASGI app serving `root`; `script_tag`, when given, goes into every HTML page."""

    def __init__(self, root: Path, *, script_tag: bytes | None = None) -> None:
        self.root = root
        self.script_tag = script_tag

    def resolve(self, url_path: str) -> Path | None:
        """The file under `root` for a decoded URL path, or None; never escapes `root`."""
        parts = [part for part in url_path.split("/") if part]
        if any(
            part in (".", "..") or (part.startswith(".") and part != ".well-known")
            for part in parts
        ):
            return None
        root = self.root.resolve()
        candidate = root.joinpath(*parts)
        if url_path.endswith("/") or not parts:
            candidate = candidate / "index.html"
        try:
            resolved = candidate.resolve()
        except OSError:
            return None
        if not resolved.is_relative_to(root) or not resolved.is_file():
            return None
        return resolved

    def exists(self, url_path: str) -> bool:
        return self.resolve(url_path) is not None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        query = scope.get("query_string", b"").decode("latin-1")
        response = self.respond(scope["path"], scope["method"], query)
        await response(scope, receive, send)

    def respond(self, url_path: str, method: str, query: str = "") -> Response:
        if method not in ("GET", "HEAD"):
            return Response("method not allowed\n", 405, headers={"Allow": "GET, HEAD"})
        file = self.resolve(url_path)
        if file is None and not url_path.endswith("/") and self.resolve(url_path + "/"):
            location = url_path + "/" + (f"?{query}" if query else "")
            return RedirectResponse(location, status_code=301)
        status = 200
        if file is None:
            file = self.resolve("/404.html")
            status = 404
            url_path = "/404.html"
            if file is None:
                return Response("not found\n", 404, media_type="text/plain")
        media_type = media_type_for_file(url_path, file)
        body = file.read_bytes()
        if self.script_tag is not None and media_type.startswith("text/html"):
            body = inject_script(body, self.script_tag)
        headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
        if media_type_for_path(url_path) is not None:
            headers["Access-Control-Allow-Origin"] = "*"
        if method == "HEAD":
            headers["Content-Length"] = str(len(body))
            return Response(b"", status, headers=headers, media_type=media_type)
        return Response(body, status, headers=headers, media_type=media_type)
