"""A notification receiver on loopback: a real HTTP server that checks every signature.

It can be down (its port reserved but closed: connection refused), answer 503, or take
notifications (200), keeping each with whether its HMAC matched.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Taken:
    headers: dict[str, str]
    body: bytes
    signature_ok: bool

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)


def expected_signature(secret: bytes, headers: dict[str, str], body: bytes) -> str:
    stamp = headers["x-site-gen-timestamp"].encode()
    return "sha256=" + hmac.new(secret, stamp + b"." + body, hashlib.sha256).hexdigest()


class Receiver:
    """Starts down; `up(status)` serves on the reserved port, answering `status`."""

    def __init__(self, secret: bytes | None) -> None:
        self.secret = secret
        self.status = 200
        self.taken: list[Taken] = []
        self.refused_answers = 0
        self.lock = threading.Lock()
        with socket.socket() as probe:  # a free port, closed again: connecting is refused
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def up(self, status: int = 200) -> None:
        self.status = status
        if self.server is not None:
            return
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver.lock:
                    status = receiver.status
                    if status == 200:
                        receiver.taken.append(Taken(headers, body, receiver.check(headers, body)))
                    else:
                        receiver.refused_answers += 1
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def check(self, headers: dict[str, str], body: bytes) -> bool:
        if self.secret is None:
            return "x-site-gen-signature" not in headers
        given = headers.get("x-site-gen-signature", "")
        return hmac.compare_digest(given, expected_signature(self.secret, headers, body))

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
