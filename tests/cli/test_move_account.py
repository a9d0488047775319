"""`site-gen move` finds the new account through the guarded client, like every remote request.

A handle is the owner's own input, but the server it names answers what it likes; the lookup
is refused before any connection when the name resolves to an internal address, and a
WebFinger answer is read up to a bound, never further.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from site_gen.cli.move_account import MoveError, _webfinger
from site_remote import ClientSettings, make_session


class _MappedResolver(AbstractResolver):
    """Answers every name with one chosen address (and port), without DNS."""

    def __init__(self, address: str, port: int = 0) -> None:
        self.address = address
        self.port = port
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        return [
            ResolveResult(hostname=host, host=self.address, port=self.port or port,
                          family=socket.AF_INET, proto=0, flags=socket.AI_NUMERICHOST)
        ]  # fmt: skip

    async def close(self) -> None:
        return None


class _Huge(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"links": [' + b'{"rel": "x"},' * 50_000 + b'{"rel": "y"}]}'
        self.send_response(200)
        self.send_header("Content-Type", "application/jrd+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def huge_server() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Huge)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


async def _look_up(handle: str, resolver: AbstractResolver, *, allow_private: bool) -> str:
    settings = ClientSettings(user_agent="site-gen-test", allow_private_addresses=allow_private)
    async with make_session(settings, resolver=resolver) as session:
        return await _webfinger(session, handle, "http")


def test_a_new_account_on_a_private_address_is_refused_before_any_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    attempts: list[Any] = []

    async def refuse(self: Any, *args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        pytest.fail("a connection was attempted")

    monkeypatch.setattr(asyncio.selector_events.BaseSelectorEventLoop, "sock_connect", refuse)
    monkeypatch.setattr(asyncio.base_events.BaseEventLoop, "create_connection", refuse)
    resolver = _MappedResolver("10.0.0.1")
    with pytest.raises(MoveError) as info:
        asyncio.run(_look_up("@alice@new.example", resolver, allow_private=False))
    assert "refused to connect to new.example (10.0.0.1): private address" in str(info.value)
    assert resolver.asked == ["new.example"]
    assert attempts == []


def test_a_webfinger_answer_over_the_bound_is_refused(huge_server: int) -> None:
    resolver = _MappedResolver("127.0.0.1", huge_server)
    with pytest.raises(MoveError) as info:
        asyncio.run(_look_up(f"@alice@new.example:{huge_server}", resolver, allow_private=True))
    assert "too_large" in str(info.value)
