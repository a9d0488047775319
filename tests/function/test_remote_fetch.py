"""`fetch_json`: signed GETs against a real loopback server; every outcome a value."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.abc import AbstractResolver
from function_harness import NameMap, ServerThread
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from site_core.keys import load_public_key, public_key_pem
from site_core.signatures import SigningKey, VerifiedSignature, verify_request
from site_remote import ClientSettings, GuardedResolver, fetch_json, make_session

AP = "application/activity+json"
seen: list[dict[str, Any]] = []


def _doc(request: Request) -> Response:
    return Response(json.dumps({"id": str(request.url), "type": "Person"}), media_type=AP)


async def endpoint(request: Request) -> Response:
    name = request.path_params["name"]
    seen.append({"path": request.url.path, "query": request.url.query,
                 "headers": {k.lower(): v for k, v in request.headers.items()}})  # fmt: skip
    if name == "doc":
        return _doc(request)
    if name.startswith("hop"):
        left = int(name[3:])
        return RedirectResponse("/doc" if left == 0 else f"/hop{left - 1}", status_code=302)
    if name == "internal":
        return RedirectResponse("http://metadata.test/latest/meta-data", status_code=302)
    if name == "big":
        return Response(b'{"a":"' + b"x" * 1_100_000 + b'"}', media_type=AP)
    if name == "chunked-big":

        async def chunks() -> Any:
            yield b'{"a":"'
            for _ in range(40):
                yield b"x" * 50_000
            yield b'"}'

        from starlette.responses import StreamingResponse

        return StreamingResponse(chunks(), media_type=AP)
    if name == "html":
        return Response("<html></html>", media_type="text/html")
    if name == "ldjson":
        body = json.dumps({"id": "x"})
        return Response(body, media_type='application/ld+json; profile="x"')
    if name == "array":
        return Response("[1]", media_type=AP)
    if name == "gone":
        return Response(status_code=410)
    if name == "knock":  # refuses cavage, accepts RFC 9421 (FEDERATION.md#double-knock)
        if "signature-input" in request.headers:
            return _doc(request)
        return Response(status_code=401)
    if name == "threads":  # answers 404 to every signature (FEDERATION.md#double-knock)
        return Response('{"success":false,"error":"Not found"}', 404, media_type=AP)
    return Response(status_code=500)


@pytest.fixture(scope="module")
def remote() -> Iterator[str]:
    app = Starlette(routes=[Route("/{name}", endpoint)])
    with ServerThread(app) as server:
        yield f"http://remote.test:{server.port}"


@pytest.fixture
def key(our_key: Any) -> SigningKey:
    return SigningKey("https://alice.example/ap/actor#main-key", our_key)


SETTINGS = ClientSettings(user_agent="site-gen-test", allow_private_addresses=True)


async def _fetch(url: str, key: SigningKey, **kw: Any) -> Any:
    async with make_session(SETTINGS, resolver=NameMap()) as session:
        return await fetch_json(session, url, key, datetime.now(UTC), **kw)


def _verify_get(record: dict[str, Any], our_key: Any) -> Any:
    return verify_request("GET", record["path"], record["query"], record["headers"], b"",
                          load_public_key(public_key_pem(our_key)), datetime.now(UTC),
                          scheme="http")  # fmt: skip


@pytest.mark.anyio
async def test_ok_fetch_is_signed_with_accept(remote: str, key: SigningKey, our_key: Any) -> None:
    seen.clear()
    result = await _fetch(f"{remote}/doc", key)
    assert result.outcome == "ok"
    assert result.document["type"] == "Person"
    [record] = seen
    assert "activity+json" in record["headers"]["accept"]
    assert record["headers"]["user-agent"] == "site-gen-test"
    verified = _verify_get(record, our_key)
    assert isinstance(verified, VerifiedSignature), verified
    assert "accept" in verified.covered


@pytest.mark.anyio
async def test_redirects_are_followed_signed_up_to_three(
    remote: str, key: SigningKey, our_key: Any
) -> None:
    seen.clear()
    result = await _fetch(f"{remote}/hop2", key)
    assert result.outcome == "ok"
    assert result.url == f"{remote}/doc"
    assert [r["path"] for r in seen] == ["/hop2", "/hop1", "/hop0", "/doc"]
    assert all(isinstance(_verify_get(r, our_key), VerifiedSignature) for r in seen)
    too_many = await _fetch(f"{remote}/hop3", key)
    assert too_many.outcome == "http_error"
    assert "redirects" in too_many.detail


class Router(AbstractResolver):
    """remote.test resolves to loopback; any other name goes through a strict guard that
    maps it to the cloud metadata address (as a hostile DNS answer would)."""

    def __init__(self) -> None:
        self.loopback = NameMap("127.0.0.1")
        self.hostile = GuardedResolver(NameMap("169.254.169.254"), allow_private=False)

    async def resolve(self, host: str, port: int = 0, family: Any = 0) -> Any:
        chosen = self.loopback if host == "remote.test" else self.hostile
        return await chosen.resolve(host, port, family)

    async def close(self) -> None:
        return None


@pytest.mark.anyio
async def test_redirect_to_an_internal_address_is_refused(remote: str, key: SigningKey) -> None:
    router = Router()
    async with make_session(SETTINGS, resolver=router) as session:
        result = await fetch_json(session, f"{remote}/internal", key, datetime.now(UTC))
    assert result.outcome == "refused"
    assert "169.254.169.254" in result.detail
    assert router.hostile._inner.asked == ["metadata.test"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "outcome"),
    [("big", "too_large"), ("chunked-big", "too_large"), ("html", "bad_type"),
     ("array", "bad_json"), ("gone", "gone"), ("threads", "http_error"), ("ldjson", "ok")],
)  # fmt: skip
@pytest.mark.anyio
async def test_outcomes_are_values(remote: str, key: SigningKey, name: str, outcome: str) -> None:
    result = await _fetch(f"{remote}/{name}", key)
    assert result.outcome == outcome
    assert (result.document is not None) == (outcome == "ok")


@pytest.mark.anyio
async def test_double_knock_retries_with_the_other_style(remote: str, key: SigningKey) -> None:
    seen.clear()
    result = await _fetch(f"{remote}/knock", key)
    assert result.outcome == "ok"
    assert len(seen) == 2
    assert "signature-input" not in seen[0]["headers"]
    assert "signature-input" in seen[1]["headers"]
    seen.clear()
    assert (await _fetch(f"{remote}/threads", key)).status == 404
    assert len(seen) == 2  # a 404 may be a refused signature: knocked twice


@pytest.mark.anyio
async def test_unreachable_host_is_a_network_error(key: SigningKey) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    result = await _fetch(f"http://nobody.test:{port}/x", key)
    assert result.outcome == "network_error"


@pytest.mark.anyio
async def test_non_http_urls_are_refused(key: SigningKey) -> None:
    assert (await _fetch("file:///etc/passwd", key)).outcome == "refused"


@pytest.mark.anyio
@pytest.mark.parametrize(
    "url", ["http://[::1/x", "http://h.test:99999/x", "http://h.test:abc/x", "http:///x"]
)
async def test_malformed_urls_are_refused_not_raised(key: SigningKey, url: str) -> None:
    """A keyId or actor id is someone else's text: a bad port or host is a value (the inbox
    would otherwise answer 500, which senders retry for days,
    FEDERATION.md#ignore-unknown)."""
    resolver = NameMap()
    async with make_session(SETTINGS, resolver=resolver) as session:
        result = await fetch_json(session, url, key, datetime.now(UTC))
    assert result.outcome == "refused"
    assert resolver.asked == []
