"""A body trickled a byte at a time is cut off at the body deadline with 408.

Real uvicorn on loopback, a raw socket that sends the headers at once and then the body one
byte every 0.1 s, far slower than the declared Content-Length needs. Whatever the server's
own timeouts, the function must answer 408 once `body_timeout` has passed since the request
began (a total deadline, not one per chunk, which a trickle would never trip) and close the
connection: on the inbox's fast path and on an admin POST, which goes through Starlette.
"""

from __future__ import annotations

import json
import select
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import pytest
from function_harness import ADMIN_TOKEN

DEADLINE = 1.0


def _trickle(url: str, path: str, extra_headers: str = "") -> tuple[bytes, float, bool]:
    """POST a 200-byte body a byte at a time; (the answer, seconds it took, closed after)."""
    parts = urlsplit(url)
    body = b"x" * 200
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n{extra_headers}\r\n"
    ).encode()
    answer = b""
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        started = time.monotonic()
        sock.sendall(head)
        for byte in body:  # bounded: 200 bytes, 20 s at most; the answer ends it much sooner
            readable, _, _ = select.select([sock], [], [], 0.1)
            if readable:
                break
            sock.sendall(bytes([byte]))
        elapsed = time.monotonic() - started
        sock.settimeout(5)
        closed = False
        while True:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                closed = True
                break
            answer += chunk
    return answer, elapsed, closed


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/ap/inbox", ""),
        ("/ap/shared-inbox", ""),
        ("/admin/api/blocks", f"Authorization: Bearer {ADMIN_TOKEN}\r\n"),
    ],
)
def test_a_trickled_body_gets_408_at_the_deadline(
    make_function: Any, path: str, headers: str
) -> None:
    fn = make_function(body_timeout=DEADLINE)
    answer, elapsed, closed = _trickle(fn.url, path, headers)
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 408 Request Timeout", answer
    assert elapsed < DEADLINE + 1.0, f"answered after {elapsed:.1f} s"
    assert elapsed >= DEADLINE - 0.05
    assert json.loads(rest.partition(b"\r\n\r\n")[2])["status"] == "timeout"
    assert closed, "the connection stayed open after 408"


def test_a_body_sent_in_time_is_unaffected(make_function: Any) -> None:
    fn = make_function(body_timeout=DEADLINE)
    response = fn.admin("POST", "/blocks", json={"target": "spam.example"})
    assert response.status_code == 200, response.text
