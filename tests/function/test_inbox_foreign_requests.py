"""Requests meant for another server: an Undo of a Follow of someone else, and a signed
request replayed from another host, must not touch our followers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from function_harness import FakeFediverse, post_signed

from site_core.signatures import SigningKey, sign_request

OUR_ACTOR = "https://alice.example/ap/actor"
OTHER_ACTOR = "https://b.example/ap/actor"


@pytest.fixture
def bob(fediverse: FakeFediverse) -> Any:
    return fediverse.add("mastodon.test", "bob_foreign")


def _following(fn: Any, actor: Any) -> dict[str, Any]:
    follow = actor.activity("Follow", OUR_ACTOR)
    assert post_signed(fn.client, fn.inbox, actor, follow).status_code == 202
    assert fn.store.get_follower(actor.id) is not None
    return follow


def test_undo_of_a_follow_of_another_actor_keeps_the_follow(make_function: Any, bob: Any) -> None:
    fn = make_function(drain_after_inbox=False)
    _following(fn, bob)
    elsewhere = bob.activity("Follow", OTHER_ACTOR)
    response = post_signed(fn.client, fn.inbox, bob, bob.activity("Undo", elsewhere))
    assert response.status_code == 202
    assert fn.store.get_follower(bob.id) is not None


def test_undo_of_an_unknown_follow_id_keeps_the_follow(make_function: Any, bob: Any) -> None:
    fn = make_function(drain_after_inbox=False)
    _following(fn, bob)
    unknown = f"{bob.id}/activities/follow-of-someone-else"
    response = post_signed(fn.client, fn.inbox, bob, bob.activity("Undo", unknown))
    assert response.status_code == 202
    assert fn.store.get_follower(bob.id) is not None


def test_undo_of_a_follow_embedded_without_object_needs_the_stored_id(
    make_function: Any, bob: Any
) -> None:
    fn = make_function(drain_after_inbox=False)
    follow = _following(fn, bob)
    stub = {"type": "Follow", "id": f"{follow['id']}-other", "actor": bob.id}
    assert post_signed(fn.client, fn.inbox, bob, bob.activity("Undo", stub)).status_code == 202
    assert fn.store.get_follower(bob.id) is not None
    stub = {"type": "Follow", "id": follow["id"], "actor": bob.id}
    assert post_signed(fn.client, fn.inbox, bob, bob.activity("Undo", stub)).status_code == 202
    assert fn.store.get_follower(bob.id) is None


def test_undo_of_a_follow_of_us_by_id_or_embedded_removes(make_function: Any, bob: Any) -> None:
    fn = make_function(drain_after_inbox=False)
    follow = _following(fn, bob)
    assert post_signed(fn.client, fn.inbox, bob, bob.activity("Undo", follow)).status_code == 202
    assert fn.store.get_follower(bob.id) is None
    follow = _following(fn, bob)
    by_id = bob.activity("Undo", follow["id"])
    assert post_signed(fn.client, fn.inbox, bob, by_id).status_code == 202
    assert fn.store.get_follower(bob.id) is None


def _signed_for(actor: Any, url: str, body: bytes, **options: Any) -> dict[str, str]:
    key = SigningKey(actor.key_id, actor.key)
    return sign_request("POST", url, key=key, now=datetime.now(UTC), body=body, **options)


def _nothing_stored(fn: Any, actor: Any) -> None:
    assert fn.store.get_follower(actor.id) is None
    assert fn.store.list_deliveries() == []


@pytest.mark.parametrize("style", ["cavage", "cavage-hs2019", "rfc9421"])
def test_a_request_signed_for_another_host_is_refused(
    make_function: Any, bob: Any, style: str
) -> None:
    """Mallory got a request bob signed for b.example and posts it here unchanged."""
    fn = make_function()
    body = json.dumps(bob.activity("Follow", OUR_ACTOR)).encode()
    headers = _signed_for(bob, "https://b.example/ap/inbox", body, style=style)
    response = fn.client.post(fn.inbox, content=body, headers=headers)
    assert response.status_code == 401, response.text
    assert response.json()["status"] == "wrong_host"
    assert "b.example" in response.json()["detail"]
    _nothing_stored(fn, bob)


def test_a_cavage_signature_without_host_is_refused(make_function: Any, bob: Any) -> None:
    fn = make_function()
    body = json.dumps(bob.activity("Follow", OUR_ACTOR)).encode()
    covered = ("(request-target)", "date", "digest")
    headers = _signed_for(bob, fn.inbox, body, covered=covered)
    response = fn.client.post(fn.inbox, content=body, headers=headers)
    assert response.status_code == 401
    assert response.json()["status"] == "weak_coverage"
    assert "host" in response.json()["detail"]
    _nothing_stored(fn, bob)


@pytest.mark.parametrize("style", ["cavage", "rfc9421"])
def test_a_request_signed_for_our_configured_host_is_accepted(
    make_function: Any, bob: Any, style: str
) -> None:
    """The function's public URL (http://fn.example here) is ours wherever it listens."""
    fn = make_function(drain_after_inbox=False)
    body = json.dumps(bob.activity("Follow", OUR_ACTOR)).encode()
    headers = _signed_for(bob, "http://fn.example/ap/inbox", body, style=style)
    response = fn.client.post(fn.inbox, content=body, headers=headers)
    assert response.status_code == 202, response.text
    assert fn.store.get_follower(bob.id) is not None


def test_the_public_base_names_our_host_behind_a_rewriting_proxy(
    make_function: Any, bob: Any
) -> None:
    fn = make_function(drain_after_inbox=False, public_base="https://proxy.example")
    body = json.dumps(bob.activity("Follow", OUR_ACTOR)).encode()
    headers = _signed_for(bob, "https://proxy.example/ap/inbox", body)
    response = fn.client.post(fn.inbox, content=body, headers=headers)
    assert response.status_code == 202, response.text
