"""Issue 3, lost follows and blocked senders: nothing is recorded unless the handler's effect
is, a follower that cannot be fetched gets 503 (transient) or 4xx (permanent), and blocked
senders cause no outgoing request at all."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from function_harness import FakeFediverse, NameMap, RemoteActor, ServerThread, post_signed
from site_function.store.base import RemoteKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from site_core.keys import public_key_pem

OUR_ACTOR = "https://alice.example/ap/actor"
ACTIVITY_JSON = "application/activity+json"


class FlakyServer:
    """A remote server whose actor documents answer as `mode` says."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.actors: dict[str, RemoteActor] = {}
        self.fetches: list[str] = []

        async def users(request: Request) -> Response:
            self.fetches.append(request.url.path)
            if request.method == "POST":
                return Response(status_code=202)
            actor = self.actors.get(request.path_params["name"])
            if self.mode == "503" or actor is None:
                return JSONResponse({"error": "down"}, 503 if actor else 404)
            if self.mode == "410":
                return JSONResponse({"error": "gone"}, 410)
            if self.mode == "html":
                return Response("<html></html>", media_type="text/html")
            return Response(json.dumps(actor.document()), media_type=ACTIVITY_JSON)

        methods = ["GET", "POST"]
        app = Starlette(routes=[Route("/users/{name}/{rest:path}", users, methods=methods),
                                Route("/users/{name}", users, methods=methods)])  # fmt: skip
        self.thread = ServerThread(app)

    def add(self, name: str, port: int | None = None) -> RemoteActor:
        actor = RemoteActor("flaky.test", name, port or self.thread.port)
        self.actors[name] = actor
        return actor


@pytest.fixture
def flaky() -> Any:
    server = FlakyServer()
    with server.thread:
        yield server


def _known_key_only(fn: Any, actor: RemoteActor) -> None:
    """The key is known (no key fetch), the actor is not: a Follow must fetch it."""
    now = datetime.now(UTC)
    fn.store.save_key(RemoteKey(actor.key_id, actor.id, public_key_pem(actor.key), now))


def _nothing_stored(fn: Any, actor_id: str) -> None:
    assert fn.store.get_follower(actor_id) is None
    assert fn.store.list_deliveries() == []
    assert fn.store.get_actor(actor_id) is None


def test_transient_actor_failure_is_503_and_the_retry_succeeds(
    make_function: Any, flaky: FlakyServer
) -> None:
    fn = make_function(drain_after_inbox=False)
    bob = flaky.add("bob")
    _known_key_only(fn, bob)
    follow = bob.activity("Follow", OUR_ACTOR)
    flaky.mode = "503"
    response = post_signed(fn.client, fn.inbox, bob, follow)
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) > 0
    _nothing_stored(fn, bob.id)
    # The sender retries the SAME activity: it was not remembered, so it is handled now.
    flaky.mode = "ok"
    response = post_signed(fn.client, fn.inbox, bob, follow)
    assert response.status_code == 202, response.text
    follower = fn.store.get_follower(bob.id)
    assert follower is not None
    assert follower.follow_id == follow["id"]
    assert [d.inbox for d in fn.store.list_deliveries()] == [bob.inbox]


def test_unreachable_actor_is_503(make_function: Any, flaky: FlakyServer) -> None:
    fn = make_function(drain_after_inbox=False)
    import socket

    with socket.socket() as sock:  # a port with nothing listening: connection refused
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    carol = flaky.add("carol", port=closed_port)
    _known_key_only(fn, carol)
    response = post_signed(fn.client, fn.inbox, carol, carol.activity("Follow", OUR_ACTOR))
    assert response.status_code == 503, response.text
    assert "Retry-After" in response.headers
    _nothing_stored(fn, carol.id)


@pytest.mark.parametrize(("mode", "status"), [("410", 400), ("html", 400)])
def test_permanent_actor_failure_is_4xx_and_nothing_stored(
    make_function: Any, flaky: FlakyServer, mode: str, status: int
) -> None:
    fn = make_function(drain_after_inbox=False)
    dave = flaky.add("dave")
    _known_key_only(fn, dave)
    flaky.mode = mode
    response = post_signed(fn.client, fn.inbox, dave, dave.activity("Follow", OUR_ACTOR))
    assert response.status_code == status, response.text
    assert "Retry-After" not in response.headers
    _nothing_stored(fn, dave.id)


def test_actor_on_a_refused_address_is_403(make_function: Any, flaky: FlakyServer) -> None:
    fn = make_function(drain_after_inbox=False, allow_private_addresses=False)
    erin = flaky.add("erin")
    _known_key_only(fn, erin)
    response = post_signed(fn.client, fn.inbox, erin, erin.activity("Follow", OUR_ACTOR))
    assert response.status_code == 403, response.text
    assert flaky.fetches == []  # the guard refused before connecting
    _nothing_stored(fn, erin.id)


class NoLookups(NameMap):
    """A resolver that fails the test if the function tries to reach any host."""

    async def resolve(self, host: str, port: int = 0, family: Any = 0) -> Any:
        raise AssertionError(f"the function tried to reach {host}")


@pytest.mark.parametrize("key_on_blocked_domain", [True, False])
def test_blocked_sender_causes_no_outgoing_request(
    fediverse: FakeFediverse, make_function: Any, key_on_blocked_domain: bool
) -> None:
    """A Follow from a blocked domain, whether its keyId is on that domain or elsewhere, is
    refused before any key fetch: the resolver would fail the test if asked."""
    names = NoLookups()
    fn = make_function(names, drain_after_inbox=False)
    spammer = fediverse.add("sub.blocked.test", "spammer")
    other = fediverse.add("innocent.test", "relay")
    assert fn.admin("POST", "/blocks", json={"target": "blocked.test"}).status_code == 200
    before = len(fediverse.fetches)
    follow = spammer.activity("Follow", OUR_ACTOR)
    body = json.dumps(follow).encode()
    signer = spammer if key_on_blocked_domain else other
    headers = signer.sign(fn.inbox, body)
    response = fn.client.post(fn.inbox, content=body, headers=headers)
    assert response.status_code == 403, response.text
    assert len(fediverse.fetches) == before
    assert names.asked == []
    _nothing_stored(fn, spammer.id)


def test_a_key_its_server_cannot_give_for_now_is_503_then_verified(
    make_function: Any, flaky: FlakyServer
) -> None:
    """As Mastodon 4.6: an unknown key whose server answers 5xx is 503 + Retry-After (the
    sender retries); a key that does not exist (404) stays 401."""
    fn = make_function(drain_after_inbox=False)
    dave = flaky.add("dave")
    like = dave.activity("Like", "https://alice.example/ap/posts/hello")
    flaky.mode = "503"
    response = post_signed(fn.client, fn.inbox, dave, like)
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) > 0
    assert fn.store.get_key(dave.key_id) is None
    flaky.mode = "ok"
    response = post_signed(fn.client, fn.inbox, dave, like)
    assert response.status_code == 202, response.text
    nobody = RemoteActor("flaky.test", "nobody", flaky.thread.port)  # 404 at its URL
    response = post_signed(fn.client, fn.inbox, nobody, nobody.activity("Like", like["object"]))
    assert response.status_code == 401, response.text
