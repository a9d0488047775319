"""A real HTTP server on 127.0.0.1 serving made-up files (a module, imported by name)."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class MediaServer:
    """Serves `files[path] = (content type, bytes)` and counts the requests per path."""

    base: str = ""
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests[request.path] = self.requests.get(request.path, 0) + 1
        if request.path == "/redirect":
            raise web.HTTPFound("/avatar.png")
        if request.path == "/broken":
            return web.Response(status=503)
        found = self.files.get(request.path)
        if found is None:
            return web.Response(status=404)
        content_type, body = found
        return web.Response(body=body, headers={"Content-Type": content_type})
