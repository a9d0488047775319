"""Relayed activities (FEDERATION.md#integrity-proofs): a server that is not the actor may pass
an activity on only with the actor's own `eddsa-jcs-2022` proof; real HTTP both ways, a real
RSA signature by the forwarder, a real Ed25519 proof by the author's Multikey."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from function_harness import FakeFediverse, RemoteActor, post_signed
from loopback_site import ShiftedClock
from published_posts import publish_post

from site_core.integrity_proofs import add_proof
from site_core.multikey import public_key_multibase

POST = "https://alice.example/ap/posts/hello"
CREATED = "2026-01-01T00:00:00Z"


def _new_ed25519() -> Any:
    from cryptography.hazmat.primitives.asymmetric import ed25519

    return ed25519.Ed25519PrivateKey.generate()


@dataclass
class MultikeyActor(RemoteActor):
    """A remote account that also lists an Ed25519 Multikey under `assertionMethod` (as
    Fedify-based servers do); `controller` overrides who the entry says controls it."""

    ed_key: Any = field(default_factory=_new_ed25519)
    controller: str | None = None

    @property
    def method(self) -> str:
        return f"{self.id}#ed25519-key"

    def document(self) -> dict[str, Any]:
        doc = super().document()
        doc["assertionMethod"] = [
            {"id": self.method, "type": "Multikey", "controller": self.controller or self.id,
             "publicKeyMultibase": public_key_multibase(self.ed_key)}
        ]  # fmt: skip
        return doc

    def proven(self, activity: dict[str, Any], *, key: Any = None, method: str = "") -> Any:
        return add_proof(activity, key or self.ed_key, method or self.method, CREATED)


def _author(fediverse: FakeFediverse, host: str, name: str, **kw: Any) -> MultikeyActor:
    actor = MultikeyActor(host, name, fediverse.port, **kw)
    fediverse.actors[(host, name)] = actor
    return actor


def _relay(fn: Any, forwarder: RemoteActor, activity: dict[str, Any]) -> Any:
    """POST `activity` to our inbox, signed by `forwarder` (not its actor)."""
    body = json.dumps(activity).encode()
    return fn.client.post(fn.inbox, content=body, headers=forwarder.sign(fn.inbox, body))


def _fetches_of(fediverse: FakeFediverse, actor: RemoteActor) -> int:
    return sum(1 for _, path, _ in fediverse.fetches if path.startswith(f"/users/{actor.name}"))


def _refused(response: Any, why: str) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["status"] == "actor_mismatch"
    assert why in response.json()["detail"]


@pytest.fixture
def relay(fediverse: FakeFediverse) -> RemoteActor:
    return fediverse.add("relay.test", "relay")


def test_a_relayed_like_and_reply_with_the_authors_proof_act_once(
    fediverse: FakeFediverse, make_function: Any, relay: RemoteActor
) -> None:
    fn = make_function(drain_after_inbox=False)
    publish_post(fn.store, POST)
    ann = _author(fediverse, "fedify.test", "ann")
    like = ann.proven(ann.activity("Like", POST))
    response = _relay(fn, relay, like)
    assert response.status_code == 202, response.text
    assert [i.actor_id for i in fn.store.list_interactions()] == [ann.id]
    # The same activity again, relayed or sent by its author directly, acts no more.
    assert _relay(fn, relay, like).json()["status"] == "duplicate"
    direct = post_signed(fn.client, fn.inbox, ann, like)
    assert direct.status_code == 202
    assert direct.json()["status"] == "duplicate"
    assert len(fn.store.list_interactions()) == 1
    note = {"id": f"{ann.id}/notes/1", "type": "Note", "attributedTo": ann.id,
            "inReplyTo": POST, "content": "<p>relayed reply</p>"}  # fmt: skip
    response = _relay(fn, relay, ann.proven(ann.activity("Create", note)))
    assert response.status_code == 202, response.text
    assert len(fn.store.list_interactions()) == 2
    assert fn.store.get_actor(ann.id) is not None  # found the way keys are, and kept


def test_a_tampered_relayed_activity_is_refused(
    fediverse: FakeFediverse, make_function: Any, relay: RemoteActor
) -> None:
    fn = make_function(drain_after_inbox=False)
    publish_post(fn.store, POST)
    ben = _author(fediverse, "fedify.test", "ben")
    like = ben.proven(ben.activity("Like", POST))
    _refused(_relay(fn, relay, {**like, "object": POST + "-other"}), "bad_proof")
    assert fn.store.list_interactions() == []


def test_a_proof_by_a_key_the_actor_does_not_list_is_refused_refetching_once(
    fediverse: FakeFediverse, make_function: Any, relay: RemoteActor
) -> None:
    fn = make_function(drain_after_inbox=False)
    publish_post(fn.store, POST)
    cid = _author(fediverse, "fedify.test", "cid")
    assert _relay(fn, relay, cid.proven(cid.activity("Like", POST))).status_code == 202
    before = _fetches_of(fediverse, cid)
    # Another key under the listed id: the signature does not match the listed key.
    forged = cid.proven(cid.activity("Like", POST), key=_new_ed25519())
    _refused(_relay(fn, relay, forged), "bad_proof")
    assert _fetches_of(fediverse, cid) == before  # the cached key answered
    # A method the stored actor lacks: the actor is fetched again once, then not for a while.
    unlisted = f"{cid.id}#other-key"
    for _ in range(2):
        activity = cid.proven(cid.activity("Like", POST), key=_new_ed25519(), method=unlisted)
        _refused(_relay(fn, relay, activity), "key_not_listed")
    assert _fetches_of(fediverse, cid) == before + 1
    assert len(fn.store.list_interactions()) == 1


def test_a_key_the_actor_rotated_under_the_same_id_is_fetched_again_once_per_interval(
    fediverse: FakeFediverse, make_function: Any, relay: RemoteActor
) -> None:
    clock = ShiftedClock()
    fn = make_function(drain_after_inbox=False, clock=clock)
    publish_post(fn.store, POST)
    eve = _author(fediverse, "fedify.test", "eve")
    assert _relay(fn, relay, eve.proven(eve.activity("Like", POST))).status_code == 202
    eve.ed_key = _new_ed25519()  # rotated: the same method id, a new key
    fetched = _fetches_of(fediverse, eve)
    # Fetched a moment ago: the key we have stands, and the new proof fails without a fetch.
    _refused(_relay(fn, relay, eve.proven(eve.activity("Announce", POST))), "bad_proof")
    assert _fetches_of(fediverse, eve) == fetched
    # Past the refetch interval: the failing key is fetched again once, and the proof holds.
    clock.offset = timedelta(minutes=6)
    assert _relay(fn, relay, eve.proven(eve.activity("Announce", POST))).status_code == 202
    assert _fetches_of(fediverse, eve) == fetched + 1
    # A forged proof just after: refused, with no further fetch.
    forged = eve.proven(eve.activity("Like", POST + "#again"), key=_new_ed25519())
    _refused(_relay(fn, relay, forged), "bad_proof")
    assert _fetches_of(fediverse, eve) == fetched + 1
    assert len(fn.store.list_interactions()) == 2


def test_a_key_controlled_by_another_actor_is_refused(
    fediverse: FakeFediverse, make_function: Any, relay: RemoteActor
) -> None:
    fn = make_function(drain_after_inbox=False)
    publish_post(fn.store, POST)
    dan = _author(fediverse, "fedify.test", "dan", controller=relay.id)
    _refused(_relay(fn, relay, dan.proven(dan.activity("Like", POST))), "key_not_listed")
    assert fn.store.list_interactions() == []


def _no_proof(author: MultikeyActor, relay: RemoteActor) -> dict[str, Any]:
    return author.activity("Like", POST)


def _two_proofs(author: MultikeyActor, relay: RemoteActor) -> dict[str, Any]:
    proof = author.proven(author.activity("Like", POST))
    return {**proof, "proof": [proof["proof"], proof["proof"]]}


def _other_suite(author: MultikeyActor, relay: RemoteActor) -> dict[str, Any]:
    proof = author.proven(author.activity("Like", POST))
    return {**proof, "proof": {**proof["proof"], "cryptosuite": "eddsa-rdfc-2022"}}


def _method_elsewhere(author: MultikeyActor, relay: RemoteActor) -> dict[str, Any]:
    # The forwarder's own origin cannot vouch for the author, even with a valid signature.
    return author.proven(author.activity("Like", POST), method=f"{relay.id}#ed25519-key")


def _other_port(author: MultikeyActor, relay: RemoteActor) -> dict[str, Any]:
    method = f"http://{author.host}:1/users/{author.name}#ed25519-key"
    return author.proven(author.activity("Like", POST), method=method)


@pytest.mark.parametrize(
    ("build", "why"),
    [
        (_no_proof, "no_proof"),
        (_two_proofs, "malformed_proof"),
        (_other_suite, "unsupported_proof"),
        (_method_elsewhere, "not on the actor's origin"),
        (_other_port, "not on the actor's origin"),
    ],
)
def test_a_proof_that_cannot_count_is_refused_without_any_fetch(
    fediverse: FakeFediverse, make_function: Any, relay: RemoteActor, build: Any, why: str
) -> None:
    fn = make_function(drain_after_inbox=False)
    publish_post(fn.store, POST)
    eve = _author(fediverse, "fedify.test", f"eve-{build.__name__.strip('_')}")
    _refused(_relay(fn, relay, build(eve, relay)), why)
    assert _fetches_of(fediverse, eve) == 0
    assert fn.store.list_interactions() == []


@pytest.mark.parametrize("signer_key_cached", [True, False])
def test_a_blocked_actor_behind_an_unblocked_forwarder_is_403_without_fetch(
    fediverse: FakeFediverse, make_function: Any, relay: RemoteActor, signer_key_cached: bool
) -> None:
    fn = make_function(drain_after_inbox=False)
    publish_post(fn.store, POST)
    fay = _author(fediverse, "sub.blocked-authors.test", "fay")
    assert fn.admin("POST", "/blocks", json={"target": "blocked-authors.test"}).status_code == 200
    if signer_key_cached:  # the forwarder's key is in the in-process cache: stage 3 is skipped
        assert post_signed(fn.client, fn.inbox, relay, relay.activity("Like", POST)).is_success
    response = _relay(fn, relay, fay.proven(fay.activity("Like", POST)))
    assert response.status_code == 403, response.text
    assert _fetches_of(fediverse, fay) == 0
    assert [i.actor_id for i in fn.store.list_interactions()] == [relay.id] * signer_key_cached


def test_an_actor_whose_server_is_down_is_503_with_retry_after(
    make_function: Any, relay: RemoteActor
) -> None:
    fn = make_function(drain_after_inbox=False)
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gus = MultikeyActor("down.test", "gus", port)
    response = _relay(fn, relay, gus.proven(gus.activity("Like", POST)))
    assert response.status_code == 503, response.text
    assert response.json()["status"] == "key_unavailable"
    assert int(response.headers["Retry-After"]) > 0
    assert fn.store.get_actor(gus.id) is None


def test_the_proof_is_checked_only_when_the_signer_is_not_the_actor(
    fediverse: FakeFediverse, make_function: Any
) -> None:
    """A directly signed activity with a broken proof is the actor's all the same (the HTTP
    signature speaks for it), and its author's document is not fetched for the proof."""
    fn = make_function(drain_after_inbox=False)
    publish_post(fn.store, POST)
    hal = _author(fediverse, "fedify.test", "hal")
    like = hal.proven(hal.activity("Like", POST), key=_new_ed25519())
    assert post_signed(fn.client, fn.inbox, hal, like).status_code == 202
    assert fn.runtime.keys._assertions == {}
