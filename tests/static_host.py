"""A static host on loopback for the tests: serves a folder as a static web host would.

It ignores the query string (one JRD answers every WebFinger query) and types the
extension-less files as `media_type_for_path` says, as the host configs the build writes do.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from site_core.urls import media_type_for_path

__all__ = ["static_host"]


class _StaticHost(SimpleHTTPRequestHandler):
    def guess_type(self, path: str | Path) -> str:
        url_path = "/" + Path(path).relative_to(self.directory).as_posix()
        return media_type_for_path(url_path) or super().guess_type(path)

    def end_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def static_host(folder: Path, port: int = 0) -> Iterator[str]:
    """Serve `folder` on 127.0.0.1:`port` (0: any free port); yields the origin."""
    server = ThreadingHTTPServer(
        ("127.0.0.1", port), lambda *a: _StaticHost(*a, directory=str(folder))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
