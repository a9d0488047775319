"""Fixtures for the host-config tests: a small assembled build and a loopback upstream."""

from __future__ import annotations

import http.server
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from site_gen.config import SiteConfig, parse_config

SITE_KEYS = {
    "base_url": "http://127.0.0.1:8000",
    "username": "alice",
    "display_name": "Alice Example",
    "hosting": "nginx",
}

# The files a build writes for one post, with the shapes that matter to a web server:
# extension-less JSON under /ap/ and /.well-known/, HTML pages in folders, a 404 page.
OUTPUT_FILES = {
    "index.html": "<!doctype html><title>home</title><body>home</body>",
    "404.html": "<!doctype html><title>not found</title><body>nothing here</body>",
    "posts/hello-world/index.html": "<!doctype html><title>hello</title><body>hello</body>",
    "style.css": "body { color: black }",
    "feed.xml": '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"/>',
    "ap/actor": '{"id": "http://127.0.0.1:8000/ap/actor", "type": "Person"}',
    "ap/posts/hello-world": '{"id": "http://127.0.0.1:8000/ap/posts/hello-world"}',
    "ap/outbox": '{"type": "OrderedCollection", "totalItems": 1}',
    "ap/followers": '{"type": "OrderedCollection", "totalItems": 0}',
    ".well-known/webfinger": '{"subject": "acct:alice@127.0.0.1:8000"}',
    ".well-known/host-meta": '<?xml version="1.0"?><XRD/>',
    ".well-known/nodeinfo": '{"links": []}',
    "nodeinfo/2.1": '{"version": "2.1"}',
    "nodeinfo/2.0": '{"version": "2.0"}',
}


def make_config(tmp_path: Path, **changes: str) -> SiteConfig:
    text = "".join(f"{key}: {value}\n" for key, value in {**SITE_KEYS, **changes}.items())
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "site.yaml").write_text(text)
    return parse_config(text, site / "site.yaml")


def assemble_output(output: Path) -> Path:
    for rel, text in OUTPUT_FILES.items():
        path = output / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return output


@pytest.fixture
def output_dir(tmp_path: Path) -> Path:
    return assemble_output(tmp_path / "site" / "public")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Upstream:
    """A loopback stand-in for the function: records requests, answers like it would."""

    url: str
    requests: list[dict[str, object]] = field(default_factory=list)


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    recorded: list[dict[str, object]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self, status: int, body: dict[str, object]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/activity+json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            recorded.append(
                {"method": "POST", "path": self.path, "headers": dict(self.headers), "body": body}
            )
            self._answer(202, {"status": "accepted"})

        def do_GET(self) -> None:
            recorded.append({"method": "GET", "path": self.path, "headers": dict(self.headers)})
            if self.path.startswith("/ap/posts/"):
                self._answer(410, {"type": "Tombstone", "id": self.path})
            else:
                self._answer(200, {"type": "OrderedCollection", "totalItems": 3})

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Upstream(f"http://127.0.0.1:{server.server_address[1]}", recorded)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
