"""GET/POST /interact against real servers on loopback: each mechanism a visitor's server may
advertise gives the exact 303, and every bad input or answer gives a clear page, no redirect
(FEDERATION.md#remote-interaction)."""

from __future__ import annotations

import asyncio
import html
import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest
from function_harness import ServerThread
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

ACTOR = "http://alice.example/ap/actor"
POST = "http://alice.example/ap/posts/spring-garden"
Q = lambda text: quote(text, safe="")  # noqa: E731


def _links(host: str, name: str) -> list[dict[str, str]]:
    """What each made-up server advertises in WebFinger (`host` carries the port)."""
    subscribe = "http://ostatus.org/schema/1.0/subscribe"
    return {
        "fep": [
            {"rel": subscribe, "template": f"http://{host}/authorize_interaction?uri={{uri}}"},
            {"rel": "https://w3id.org/fep/3b86/Follow",
             "href": f"http://{host}/intents/follow?object={{object}}&back={{on-success}}"},
            {"rel": "https://w3id.org/fep/3b86/Create",
             "href": f"http://{host}/share?inReplyTo={{inReplyTo}}&text={{content}}&x={{nope}}"},
        ],
        "ostatus": [{"rel": subscribe, "template": f"http://{host}/authorize_interaction?uri={{uri}}"}],
        "elsewhere": [{"rel": subscribe, "template": "http://evil.test/take?uri={uri}"}],
        "userinfo": [{"rel": subscribe, "template": f"http://{host}@evil.test/?uri={{uri}}"}],
        "script": [{"rel": subscribe, "template": "javascript:alert(1)//{uri}"}],
    }.get(name, [])  # fmt: skip


class FakeServers:
    """Made-up fediverse servers on one loopback port, told apart by the Host header."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self.thread = ServerThread(self._app())

    def _app(self) -> Starlette:
        async def webfinger(request: Request) -> Response:
            host = request.headers["host"]
            name = host.split(".")[0]
            self.requests.append((host, str(request.url.path)))
            if name == "slow":
                await asyncio.sleep(1.5)
            if not request.query_params.get("resource", "").startswith("acct:bob@"):
                return JSONResponse({"error": "not found"}, 404)
            jrd = {"subject": request.query_params["resource"], "links": _links(host, name)}
            return Response(json.dumps(jrd), media_type="application/jrd+json")

        async def nodeinfo_links(request: Request) -> Response:
            self.requests.append((request.headers["host"], str(request.url.path)))
            href = f"http://{request.headers['host']}/nodeinfo/2.1"
            schema = "http://nodeinfo.diaspora.software/ns/schema/2.1"
            return JSONResponse({"links": [{"rel": schema, "href": href}]})

        async def nodeinfo(request: Request) -> Response:
            self.requests.append((request.headers["host"], str(request.url.path)))
            name = "mastodon" if request.headers["host"].startswith("masto.") else "gotosocial"
            return JSONResponse({"version": "2.1", "software": {"name": name}})

        return Starlette(
            routes=[
                Route("/.well-known/webfinger", webfinger),
                Route("/.well-known/nodeinfo", nodeinfo_links),
                Route("/nodeinfo/2.1", nodeinfo),
            ]
        )


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[FakeServers, int]]:
    fake = FakeServers()
    with fake.thread:
        yield fake, fake.thread.port


@pytest.fixture
def function(make_function: Callable[..., Any]) -> Any:
    return make_function(base_url="http://alice.example", interact_timeout=0.5)


def _ask(function: Any, **params: str) -> Any:
    return function.client.get(f"{function.url}/interact", params=params)


def test_fep_3b86_intents_come_first(function: Any, servers: Any) -> None:
    _, port = servers
    host = f"fep.test:{port}"
    followed = _ask(function, handle=f"@bob@{host}", intent="follow")
    assert followed.status_code == 303
    profile = "http://alice.example/profile/"
    assert followed.headers["location"] == (
        f"http://{host}/intents/follow?object={Q(ACTOR)}&back={Q(profile)}"
    )
    replied = _ask(function, handle=f"bob@{host}", intent="reply", object=POST)
    assert replied.status_code == 303
    assert replied.headers["location"] == (
        f"http://{host}/share?inReplyTo={Q(POST)}&text={Q('@alice@alice.example')}&x="
    )


def test_ostatus_subscribe_template(function: Any, servers: Any) -> None:
    _, port = servers
    host = f"ostatus.test:{port}"
    followed = _ask(function, handle=f"@bob@{host}")
    assert followed.status_code == 303
    assert followed.headers["location"] == f"http://{host}/authorize_interaction?uri={Q(ACTOR)}"
    replied = _ask(function, handle=f"http://{host}/@bob", intent="reply", object=POST)
    assert replied.headers["location"] == f"http://{host}/authorize_interaction?uri={Q(POST)}"


def test_mastodon_nodeinfo_without_a_template(function: Any, servers: Any) -> None:
    _, port = servers
    host = f"masto.test:{port}"
    replied = _ask(function, handle=f"@bob@{host}", intent="reply", object=POST)
    assert replied.status_code == 303
    assert replied.headers["location"] == f"http://{host}/authorize_interaction?uri={Q(POST)}"


def test_a_server_advertising_nothing_gets_the_fallback_page(function: Any, servers: Any) -> None:
    _, port = servers
    page = _ask(function, handle=f"@bob@plain.test:{port}")
    assert page.status_code == 200
    assert "location" not in page.headers
    assert "does not say where to follow or reply from" in page.text
    assert 'value="@alice@alice.example" readonly' in page.text
    assert 'Search for <strong class="handle">@alice@alice.example</strong>' in page.text
    assert "<script" not in page.text
    assert "script-src" not in page.headers["content-security-policy"]
    assert 'href="http://alice.example/theme/style.css"' in page.text


@pytest.mark.parametrize(
    ("params", "status", "sentence"),
    [
        ({"handle": "not a handle"}, 400, "is not a handle like @you@your.server"),
        ({"handle": "@bob@"}, 400, "is not a handle like"),
        ({"handle": "@carol@ostatus.test:{port}"}, 400, "does not know the account"),
        ({"handle": "@bob@slow.test:{port}"}, 502, "did not answer in time"),
        ({"handle": "@bob@elsewhere.test:{port}"}, 502, "cannot send you to"),
        ({"handle": "@bob@userinfo.test:{port}"}, 502, "cannot send you to"),
        ({"handle": "@bob@script.test:{port}"}, 502, "cannot send you to"),
        ({"handle": "@bob@ostatus.test:{port}", "intent": "reply",
          "object": "https://other.example/ap/posts/x"}, 400, "not one of this site's posts"),
        ({"handle": "@bob@ostatus.test:{port}", "intent": "reply",
          "object": "http://alice.example/ap/posts/../actor"}, 400, "not one of this site's"),
        ({"handle": "@bob@ostatus.test:{port}", "intent": "reply"}, 400, "which post"),
        ({"handle": "@bob@ostatus.test:{port}", "intent": "like"}, 400, "follow or reply"),
    ],
)  # fmt: skip
def test_bad_input_and_bad_answers_explain_and_redirect_nowhere(
    function: Any, servers: Any, params: dict[str, str], status: int, sentence: str
) -> None:
    _, port = servers
    page = _ask(function, **{k: v.format(port=port) for k, v in params.items()})
    assert page.status_code == status
    assert "location" not in page.headers
    assert sentence in html.unescape(page.text)
    assert page.headers["content-type"].startswith("text/html")
    assert 'Search for <strong class="handle">@alice@alice.example</strong>' in page.text


def test_the_form_may_be_posted(function: Any, servers: Any) -> None:
    _, port = servers
    host = f"ostatus.test:{port}"
    posted = function.client.post(
        f"{function.url}/interact",
        data={"handle": f"@bob@{host}", "intent": "reply", "object": POST},
    )
    assert posted.status_code == 303
    assert posted.headers["location"] == f"http://{host}/authorize_interaction?uri={Q(POST)}"
    wrong_type = function.client.post(
        f"{function.url}/interact", content=b"{}", headers={"Content-Type": "application/json"}
    )
    assert wrong_type.status_code == 400
    too_long = function.client.post(f"{function.url}/interact", data={"handle": "x" * 5000})
    assert too_long.status_code == 400


@pytest.mark.parametrize("handle", ["@bob@plain.test:{port}", "@bob@127.0.0.1:{port}"])
def test_private_addresses_are_refused_before_any_packet(
    make_function: Callable[..., Any], servers: Any, handle: str
) -> None:
    fake, port = servers
    function = make_function(base_url="http://alice.example", allow_private_addresses=False)
    before = len(fake.requests)
    page = _ask(function, handle=handle.format(port=port))
    assert page.status_code == 400
    assert "is not a public server" in page.text
    assert len(fake.requests) == before  # the server on loopback was never reached


def test_lookups_are_rate_limited_per_client_address(
    make_function: Callable[..., Any], servers: Any
) -> None:
    function = make_function(base_url="http://alice.example", interact_rate_limit=2)
    assert [_ask(function, handle="nope").status_code for _ in range(2)] == [400, 400]
    limited = _ask(function, handle="nope")
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    assert "Too many lookups" in limited.text


def test_the_page_names_the_handle_on_its_own_domain(
    make_function: Callable[..., Any], servers: Any
) -> None:
    split = make_function(base_url="http://alice.example", handle_domain="example.org")
    _, port = servers
    page = _ask(split, handle=f"@bob@plain.test:{port}")
    assert 'value="@alice@example.org" readonly' in page.text
    assert "@alice@alice.example" not in page.text
