"""The address guard refuses internal addresses before any packet leaves."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import aiohttp
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from site_remote import AddressRefused, ClientSettings, make_session, refusal_reason


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("100.64.0.1", "shared (carrier-grade NAT)"),
        ("fd12:3456::1", "private"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("::ffff:10.0.0.1", "private (embedded in IPv6)"),
        ("::ffff:127.0.0.1", "loopback (embedded in IPv6)"),
        ("2002:a9fe:a9fe::1", "link-local (embedded in IPv6)"),
        ("64:ff9b::7f00:1", "loopback (embedded in IPv6)"),
        ("240.1.2.3", "private"),
        ("not an address", "unparseable"),
    ],
)
def test_internal_addresses_are_refused(address: str, reason: str) -> None:
    assert refusal_reason(address) == reason


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700::6810:84e5", "::ffff:1.1.1.1"])
def test_public_addresses_pass(address: str) -> None:
    assert refusal_reason(address) is None


class MappedResolver(AbstractResolver):
    """Answers every name with one chosen address, without DNS."""

    def __init__(self, address: str, port: int | None = None) -> None:
        self.address = address
        self.port = port
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        fam = socket.AF_INET6 if ":" in self.address else socket.AF_INET
        return [
            ResolveResult(
                hostname=host,
                host=self.address,
                port=self.port or port,
                family=fam,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
        ]

    async def close(self) -> None:
        return None


@pytest.fixture
async def connect_attempts(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every socket connection the event loop is asked to make; each one fails the test."""
    attempts: list[Any] = []
    loop = asyncio.get_running_loop()

    async def refuse_sock_connect(sock: socket.socket, address: Any) -> None:
        attempts.append(address)
        pytest.fail(f"a connection to {address} was attempted")

    async def refuse_create_connection(*args: Any, **kwargs: Any) -> Any:
        attempts.append((args, kwargs))
        pytest.fail("a connection was attempted")

    monkeypatch.setattr(loop, "sock_connect", refuse_sock_connect)
    monkeypatch.setattr(loop, "create_connection", refuse_create_connection)
    return attempts


SETTINGS = ClientSettings(user_agent="site-gen-test")


@pytest.mark.anyio
@pytest.mark.parametrize("address", ["10.0.0.1", "169.254.169.254", "127.0.0.1", "fd00::1"])
async def test_resolved_internal_address_sends_no_packet(
    address: str, connect_attempts: list[Any]
) -> None:
    resolver = MappedResolver(address)
    async with make_session(SETTINGS, resolver=resolver) as session:
        with pytest.raises(AddressRefused) as info:
            await session.get("https://evil.example/key")
    assert resolver.asked == ["evil.example"]
    assert info.value.address == address
    assert connect_attempts == []


@pytest.mark.anyio
@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9/x", "http://[::1]:9/x", "http://169.254.169.254/latest"]
)
async def test_ip_literal_urls_are_refused(url: str, connect_attempts: list[Any]) -> None:
    resolver = MappedResolver("93.184.215.14")
    async with make_session(SETTINGS, resolver=resolver) as session:
        with pytest.raises(AddressRefused):
            await session.get(url)
    assert connect_attempts == []
    assert resolver.asked == []


async def _canary() -> tuple[asyncio.Server, list[int]]:
    """A loopback listener counting the connections it receives."""
    accepted: list[int] = []

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(1)
        writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    return server, accepted


@pytest.mark.anyio
@pytest.mark.parametrize("allow_private", [False, True])
async def test_canary_listener_sees_a_connection_only_when_allowed(allow_private: bool) -> None:
    server, accepted = await _canary()
    port = server.sockets[0].getsockname()[1]
    settings = ClientSettings(user_agent="t", allow_private_addresses=allow_private)
    try:
        async with make_session(settings, resolver=MappedResolver("127.0.0.1", port)) as session:
            if allow_private:
                async with session.get(f"http://remote.example:{port}/") as response:
                    assert response.status == 204
            else:
                with pytest.raises(AddressRefused):
                    await session.get(f"http://remote.example:{port}/")
        await asyncio.sleep(0.05)
    finally:
        server.close()
        await server.wait_closed()
    assert accepted == ([1] if allow_private else [])


@pytest.mark.anyio
async def test_session_has_bounded_pool_timeouts_and_user_agent() -> None:
    settings = ClientSettings(user_agent="site-gen/0 (+https://alice.example)", limit_per_host=4)
    async with make_session(settings) as session:
        connector = session.connector
        assert isinstance(connector, aiohttp.TCPConnector)
        assert connector.limit == 100
        assert connector.limit_per_host == 4
        assert session.timeout.connect == 5
        assert session.timeout.total == 10
        assert session.headers["User-Agent"] == "site-gen/0 (+https://alice.example)"


class MixedResolver(AbstractResolver):
    """A rebinding-style answer: one public address and one internal one."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(hostname=host, host=address, port=port, family=socket.AF_INET,
                          proto=0, flags=socket.AI_NUMERICHOST)
            for address in ("93.184.215.14", "10.1.2.3")
        ]  # fmt: skip

    async def close(self) -> None:
        return None


@pytest.mark.anyio
async def test_answer_mixing_public_and_internal_addresses_is_refused(
    connect_attempts: list[Any],
) -> None:
    async with make_session(SETTINGS, resolver=MixedResolver()) as session:
        with pytest.raises(AddressRefused) as info:
            await session.get("https://rebind.example/key")
    assert info.value.address == "10.1.2.3"
    assert connect_attempts == []


@pytest.mark.anyio
@pytest.mark.parametrize(
    "host",
    ["2130706433", "0177.0.0.1", "127.1", "127.0.0.1.", "017700000001", "0x7f.0.0.1",
     "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::127.0.0.1]", "[fe80::1%25eth0]"],
)  # fmt: skip
async def test_odd_ip_literal_forms_are_refused(host: str, connect_attempts: list[Any]) -> None:
    """Decimal, octal, short and dotted-end IPv4 forms (which getaddrinfo would read as
    127.0.0.1) and IPv6 forms carrying an internal address never reach a socket."""
    from datetime import UTC, datetime

    from site_core.keys import generate_private_key
    from site_core.signatures import SigningKey
    from site_remote import fetch_json

    key = SigningKey("https://alice.example/ap/actor#main-key", generate_private_key())
    resolver = MappedResolver("127.0.0.1")
    async with make_session(SETTINGS, resolver=resolver) as session:
        result = await fetch_json(session, f"http://{host}/users/x", key, datetime.now(UTC))
    assert result.outcome == "refused", result
    assert connect_attempts == []
