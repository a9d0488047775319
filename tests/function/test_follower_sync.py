"""FEP-8fcf end to end against a loopback "Mastodon" of our own (FEDERATION.md#follower-sync).

The fake server behaves as Mastodon documents it: on a delivery whose signed
`Collection-Synchronization` header names our followers collection, it compares the digest with
its own view of which of its accounts follow us; when they differ it fetches our partial
collection with a signed GET, then sends `Undo{Follow}` (its accounts' ids, no Follow id we know)
for every account we list that does not follow us there, and drops locally any follow we do not
list. All signatures are real, both ways.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from function_harness import RemoteActor, ServerThread, post_signed
from site_function.store.base import NewDelivery
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from site_core.follower_sync import EMPTY_DIGEST, format_header, parse_header, partial_digest
from site_core.keys import load_public_key, public_key_pem
from site_core.signatures import SigningKey, VerifiedSignature, sign_request, verify_request

OUR_ACTOR = "https://alice.example/ap/actor"
OUR_FOLLOWERS = "http://fn.example/ap/followers"
AS = "https://www.w3.org/ns/activitystreams"


class FakeMastodon:
    """Accounts on several hosts (told apart by Host) on one loopback port; its shared inbox
    runs the FEP-8fcf receiving end for the deliveries of our function."""

    def __init__(self, fn: Any, our_key: Any) -> None:
        self.fn, self.our_key = fn, our_key
        self.actors: dict[tuple[str, str], RemoteActor] = {}
        self.follows_us: set[str] = set()  # its view: which of its accounts follow us
        self.headers_seen: list[str] = []
        self.partials: list[list[str]] = []
        self.undone: list[str] = []
        self.received: list[dict[str, Any]] = []
        self.thread = ServerThread(self._app())

    def add(self, host: str, name: str) -> RemoteActor:
        actor = RemoteActor(host, name, self.thread.port)
        self.actors[(host, name)] = actor
        return actor

    def _app(self) -> Starlette:
        async def user(request: Request) -> Response:
            host = request.headers["host"].split(":")[0]
            actor = self.actors.get((host, request.path_params["name"]))
            if actor is None:
                return JSONResponse({}, 404)
            if request.method == "POST":
                self.received.append(json.loads(await request.body()))
                return Response(status_code=202)
            if request.path_params.get("rest") == "followers_synchronization":
                return self._their_partial(actor)
            doc = actor.document()
            return Response(json.dumps(doc), media_type="application/activity+json")

        async def shared_inbox(request: Request) -> Response:
            body = await request.body()
            headers = {k.lower(): v for k, v in request.headers.items()}
            verified = verify_request(
                "POST", request.url.path, "", headers, body,
                load_public_key(public_key_pem(self.our_key)), datetime.now(UTC),
            )  # fmt: skip
            if not isinstance(verified, VerifiedSignature):
                return JSONResponse({"error": str(verified)}, 401)
            host = headers["host"].split(":")[0]
            task = None
            value = headers.get("collection-synchronization")
            if value is not None:
                # Mastodon only trusts what the signature covers.
                assert "collection-synchronization" in verified.covered
                self.headers_seen.append(value)
                task = BackgroundTask(self._synchronize, host, value)
            return Response(status_code=202, background=task)

        return Starlette(
            routes=[
                Route("/users/{name}", user, methods=["GET", "POST"]),
                Route("/users/{name}/{rest}", user, methods=["GET", "POST"]),
                Route("/inbox", shared_inbox, methods=["POST"]),
            ]
        )

    def _their_partial(self, actor: RemoteActor) -> Response:
        """Its own partial collection for us: which of OUR accounts follow `actor` (set by
        tests through `lists_us`)."""
        items = [OUR_ACTOR] if getattr(actor, "lists_us", False) else []
        doc = {"@context": AS, "id": f"{actor.id}/followers_synchronization",
               "type": "OrderedCollection", "orderedItems": items}  # fmt: skip
        return Response(json.dumps(doc), media_type="application/activity+json")

    def _ours(self, url: str) -> str:
        return url.replace("http://fn.example", self.fn.url)

    def _synchronize(self, host: str, value: str) -> None:
        """Mastodon's PrepareFollowersSynchronization + SynchronizeFollowers, as documented."""
        header = parse_header(value)
        assert header is not None
        assert header.collection_id == OUR_FOLLOWERS
        local = sorted(a for a in self.follows_us if f"//{host}:" in a)
        if partial_digest(local) == header.digest:
            return
        signer = next(a for (h, _), a in self.actors.items() if h == host)
        url = self._ours(header.url)
        accept = {"Accept": "application/activity+json"}
        key = SigningKey(signer.key_id, signer.key)
        signed = sign_request("GET", url, key=key, now=datetime.now(UTC), headers=accept)
        answer = httpx.get(url, headers=signed, timeout=10)
        assert answer.status_code == 200, answer.text
        listed = answer.json()["orderedItems"]
        self.partials.append(listed)
        for follower in listed:
            if follower not in self.follows_us:
                self._send_undo(follower)
                self.undone.append(follower)
        self.follows_us &= set(listed) | {a for a in self.follows_us if f"//{host}:" not in a}

    def _send_undo(self, follower_id: str) -> None:
        actor = next(a for a in self.actors.values() if a.id == follower_id)
        follow = {"id": f"{actor.id}#follows/", "type": "Follow", "actor": actor.id,
                  "object": OUR_ACTOR}  # fmt: skip
        undo = {"@context": AS, "id": f"{actor.id}#follows//undo", "type": "Undo",
                "actor": actor.id, "object": follow}  # fmt: skip
        with httpx.Client(timeout=10) as client:
            assert post_signed(client, self.fn.inbox, actor, undo).status_code == 202


def _wait_for(condition: Any, what: str) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def _follow(fn: Any, actor: RemoteActor) -> None:
    response = post_signed(fn.client, fn.inbox, actor, actor.activity("Follow", OUR_ACTOR))
    assert response.status_code == 202, response.text


def _post_to_followers(fn: Any, inbox: str, name: str) -> None:
    activity = {"@context": AS, "id": f"https://alice.example/ap/activities/{name}",
                "type": "Create", "actor": OUR_ACTOR, "to": [AS + "#Public"],
                "cc": [OUR_FOLLOWERS], "object": {"type": "Note", "content": name}}  # fmt: skip
    row = NewDelivery(activity["id"], inbox, json.dumps(activity).encode())
    fn.store.enqueue([row], datetime.now(UTC))
    assert fn.admin("POST", "/deliveries/drain", json={"budget": 10}).status_code == 200


@pytest.fixture
def mastodon(make_function: Any, our_key: Any) -> Any:
    fn = make_function(drain_after_inbox=False)
    server = FakeMastodon(fn, our_key)
    with server.thread:
        yield server


def test_a_divergent_follower_list_is_repaired_and_nothing_is_invented(mastodon: Any) -> None:
    fn = mastodon.fn
    bob, carol = mastodon.add("mastodon.test", "bob"), mastodon.add("mastodon.test", "carol")
    dave = mastodon.add("mastodon.test", "dave")
    erin = mastodon.add("other.test", "erin")
    for actor in (bob, carol, erin):
        _follow(fn, actor)
    # Its view: carol's follow ended there (the Undo was lost); dave's Follow never reached us.
    mastodon.follows_us = {bob.id, dave.id, erin.id}
    _post_to_followers(fn, bob.shared_inbox, "create-one")
    [value] = mastodon.headers_seen
    header = parse_header(value)
    assert header is not None
    assert header.digest == partial_digest([bob.id, carol.id])  # mastodon.test's part only
    assert header.url == (
        f"http://fn.example/ap/followers-synchronization?domain=mastodon.test:{bob.port}"
    )
    assert value == format_header(OUR_FOLLOWERS, header.url, header.digest)
    # The other side finishes its exchange (records the Undo, drops dave) after our inbox
    # answered it: wait for both sides, not only ours.
    _wait_for(
        lambda: (
            fn.store.get_follower(carol.id) is None
            and mastodon.undone == [carol.id]
            and mastodon.follows_us == {bob.id, erin.id}
        ),
        "carol's Undo",
    )
    assert mastodon.partials == [sorted([bob.id, carol.id])]  # erin is not on that server
    assert mastodon.undone == [carol.id]
    followers = {row.actor_id for row in fn.store.list_followers()}
    assert followers == {bob.id, erin.id}  # carol removed, dave not invented
    assert mastodon.follows_us == {bob.id, erin.id}  # and dave dropped on its side
    # The next delivery carries the repaired digest: both sides agree, no fetch.
    _post_to_followers(fn, bob.shared_inbox, "create-two")
    assert parse_header(mastodon.headers_seen[-1]).digest == partial_digest([bob.id])
    assert len(mastodon.partials) == 1


def test_activities_not_addressed_to_followers_carry_no_header(mastodon: Any) -> None:
    fn = mastodon.fn
    bob = mastodon.add("mastodon.test", "bob")
    _follow(fn, bob)
    direct = {"@context": AS, "id": "https://alice.example/ap/activities/dm", "type": "Create",
              "actor": OUR_ACTOR, "to": [bob.id], "object": {"type": "Note"}}  # fmt: skip
    fn.store.enqueue([NewDelivery(direct["id"], bob.shared_inbox, json.dumps(direct).encode())],
                     datetime.now(UTC))  # fmt: skip
    assert fn.admin("POST", "/deliveries/drain", json={"budget": 10}).status_code == 200
    assert mastodon.headers_seen == []
    _post_to_followers(fn, bob.shared_inbox, "create-three")
    assert len(mastodon.headers_seen) == 1


def _signed_get(fn: Any, actor: RemoteActor, query: str, **kw: Any) -> httpx.Response:
    url = f"{fn.url}/ap/followers-synchronization{query}"
    key = SigningKey(actor.key_id, kw.get("key", actor.key))
    headers = sign_request("GET", url, key=key, now=kw.get("now", datetime.now(UTC)),
                           headers={"Accept": "application/activity+json"})  # fmt: skip
    return fn.client.get(url, headers=headers)


def test_the_partial_collection_answers_signed_gets_of_that_domain_only(
    mastodon: Any, our_key: Any
) -> None:
    fn = mastodon.fn
    bob, carol = mastodon.add("mastodon.test", "bob"), mastodon.add("mastodon.test", "carol")
    erin = mastodon.add("other.test", "erin")
    for actor in (bob, carol, erin):
        _follow(fn, actor)
    ours = f"?domain=mastodon.test:{bob.port}"
    answer = _signed_get(fn, bob, ours)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/activity+json")
    assert answer.headers["cache-control"] == "private, no-store"
    assert answer.json()["orderedItems"] == sorted([bob.id, carol.id])
    assert answer.json()["id"] == f"http://fn.example/ap/followers-synchronization{ours}"
    # erin's server, asking for mastodon.test's part: refused; its own part: only erin
    assert _signed_get(fn, erin, ours).status_code == 403
    assert _signed_get(fn, erin, "").json()["orderedItems"] == [erin.id]
    # unsigned, signed with a key that is not the actor's, or stale: 401
    unsigned = fn.client.get(f"{fn.url}/ap/followers-synchronization{ours}")
    assert unsigned.status_code == 401
    assert _signed_get(fn, bob, ours, key=our_key).status_code == 401
    stale = datetime(2020, 1, 1, tzinfo=UTC)
    assert _signed_get(fn, bob, ours, now=stale).status_code == 401


def _deliver_with_header(
    fn: Any, actor: RemoteActor, digest: str, *, signed: bool = True, collection: str = ""
) -> None:
    """`actor` delivers a post to its followers with its own header, as Mastodon does."""
    activity = actor.activity("Create", {"id": f"{actor.id}/statuses/{time.monotonic_ns()}",
                              "type": "Note", "attributedTo": actor.id, "content": "hi"},
                              to=[f"{actor.id}/followers"])  # fmt: skip
    body = json.dumps(activity).encode()
    value = format_header(collection or f"{actor.id}/followers",
                          f"{actor.id}/followers_synchronization", digest)  # fmt: skip
    extra = {"Collection-Synchronization": value}
    covered = ["(request-target)", "host", "date", "digest", "content-type"]
    if signed:
        covered.append("collection-synchronization")
    key = SigningKey(actor.key_id, actor.key)
    now = datetime.now(UTC)
    headers = sign_request(
        "POST", fn.inbox, key=key, now=now, body=body, headers=extra, covered=covered
    )
    headers.update(extra)
    assert fn.client.post(fn.inbox, content=body, headers=headers).status_code == 202


def _undo_rows(fn: Any) -> list[Any]:
    return [row for row in fn.store.list_deliveries() if b'"Undo"' in row.body]


def test_a_server_that_thinks_we_follow_it_gets_an_undo(mastodon: Any) -> None:
    fn = mastodon.fn
    frank = mastodon.add("mastodon.test", "frank")
    frank.lists_us = True  # type: ignore[attr-defined]
    grace = mastodon.add("mastodon.test", "grace")
    stale = partial_digest([OUR_ACTOR])
    # Ignored: the empty digest (in sync), an unsigned header, someone else's collection.
    _deliver_with_header(fn, frank, EMPTY_DIGEST)
    _deliver_with_header(fn, frank, stale, signed=False)
    _deliver_with_header(fn, frank, stale, collection=f"{grace.id}/followers")
    time.sleep(0.3)
    assert _undo_rows(fn) == []
    # Signed, theirs, and it lists us: Undo{Follow} named by actor and object.
    _deliver_with_header(fn, frank, stale)
    _wait_for(lambda: _undo_rows(fn), "the Undo to be queued")
    [row] = _undo_rows(fn)
    undo = json.loads(row.body)
    assert row.inbox == frank.inbox
    assert undo["actor"] == OUR_ACTOR
    assert undo["object"] == {"type": "Follow", "actor": OUR_ACTOR, "object": frank.id}
    assert fn.admin("POST", "/deliveries/drain", json={"budget": 10}).status_code == 200
    assert [doc["type"] for doc in mastodon.received] == ["Undo"]  # it reached frank's inbox
    # A server whose partial collection does not list us gets nothing.
    _deliver_with_header(fn, grace, stale)
    time.sleep(0.3)
    assert len(_undo_rows(fn)) == 1
