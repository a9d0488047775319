"""Follows end to end: remote servers sign real Follows, our function accepts and answers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from function_harness import FakeFediverse, post_signed

from site_core.keys import load_public_key, public_key_pem
from site_core.publish.owner_settings import OwnerSettings
from site_core.signatures import VerifiedSignature, verify_request


def _accepted_by_us(received: Any, our_key: Any) -> dict[str, Any]:
    """Verify our signed delivery as a strict Mastodon would, and return its JSON."""
    headers = {k.lower(): v for k, v in received.headers.items()}
    result = verify_request(
        "POST",
        received.path,
        "",
        headers,
        received.body,
        load_public_key(public_key_pem(our_key)),
        datetime.now(UTC),
    )
    assert isinstance(result, VerifiedSignature), result
    assert result.key_id == "https://alice.example/ap/actor#main-key"
    return received.json


@pytest.mark.parametrize(
    ("style", "signature"), [("mastodon", "cavage"), ("gotosocial", "cavage-hs2019"),
                             ("keydoc", "rfc9421")]
)  # fmt: skip
def test_follow_is_accepted_with_a_signed_accept_embedding_it(
    fediverse: FakeFediverse, make_function: Any, our_key: Any, style: str, signature: str
) -> None:
    fn = make_function()
    bob = fediverse.add(f"{style}.test", f"bob{signature.replace('-', '')}", style)
    follow = bob.activity("Follow", "https://alice.example/ap/actor")
    response = post_signed(fn.client, fn.inbox, bob, follow, style=signature)
    assert response.status_code == 202, response.text
    follower = fn.store.get_follower(bob.id)
    assert follower is not None
    assert follower.state == "accepted"
    assert follower.follow_id == follow["id"]
    fn.drained()
    [delivery] = bob.received
    accept = _accepted_by_us(delivery, our_key)
    assert accept["type"] == "Accept"
    assert accept["actor"] == "https://alice.example/ap/actor"
    assert accept["object"]["id"] == follow["id"]
    assert accept["object"]["actor"] == bob.id
    assert accept["object"]["object"] == "https://alice.example/ap/actor"
    assert accept["id"].startswith("http://fn.example/ap/activities/accept-")
    # our fetches of their documents were signed (FEDERATION.md#signed-get)
    assert all(signed for _, path, signed in fediverse.fetches if bob.name in path)


def test_duplicate_follow_is_harmless_and_undo_removes(
    fediverse: FakeFediverse, make_function: Any
) -> None:
    fn = make_function(drain_after_inbox=False)
    carol = fediverse.add("mastodon.test", "carol")
    follow = carol.activity("Follow", "https://alice.example/ap/actor")
    assert post_signed(fn.client, fn.inbox, carol, follow).status_code == 202
    assert post_signed(fn.client, fn.inbox, carol, follow).status_code == 202  # same id
    again = carol.activity("Follow", "https://alice.example/ap/actor")  # re-follow, new id
    assert post_signed(fn.client, fn.inbox, carol, again).status_code == 202
    assert fn.store.count_followers() == 1
    accepts = [d for d in fn.store.list_deliveries() if d.inbox == carol.inbox]
    assert len(accepts) == 2
    undo = carol.activity("Undo", follow)
    assert post_signed(fn.client, fn.inbox, carol, undo).status_code == 202
    assert fn.store.get_follower(carol.id) is None


def test_manual_approval_keeps_the_request_pending_until_approved(
    fediverse: FakeFediverse, make_function: Any, our_key: Any
) -> None:
    fn = make_function(owner=OwnerSettings(manually_approves_followers=True))
    dave = fediverse.add("mastodon.test", "dave")
    follow = dave.activity("Follow", "https://alice.example/ap/actor")
    assert post_signed(fn.client, fn.inbox, dave, follow).status_code == 202
    follower = fn.store.get_follower(dave.id)
    assert follower is not None
    assert follower.state == "pending"
    assert fn.store.list_deliveries() == []
    pending = fn.admin("GET", "/followers?state=pending").json()
    assert [p["actor"] for p in pending] == [dave.id]
    response = fn.admin("POST", "/followers/approve", json={"actor": dave.id})
    assert response.status_code == 200, response.text
    fn.drained()
    [delivery] = dave.received
    assert _accepted_by_us(delivery, our_key)["object"]["id"] == follow["id"]
    assert fn.store.get_follower(dave.id).state == "accepted"


def test_block_from_a_follower_removes_it(fediverse: FakeFediverse, make_function: Any) -> None:
    fn = make_function(drain_after_inbox=False)
    erin = fediverse.add("mastodon.test", "erin")
    follow = erin.activity("Follow", "https://alice.example/ap/actor")
    assert post_signed(fn.client, fn.inbox, erin, follow).status_code == 202
    block = erin.activity("Block", "https://alice.example/ap/actor")
    assert post_signed(fn.client, fn.inbox, erin, block).status_code == 202
    assert fn.store.get_follower(erin.id) is None


def test_another_server_cannot_squat_a_follow_id(
    fediverse: FakeFediverse, make_function: Any
) -> None:
    """Activity ids are chosen by senders. Mallory reuses the id of Dave's Follow before Dave
    sends it: Dave's Follow still counts, and his Undo (by id) removes him, not her."""
    fn = make_function(drain_after_inbox=False)
    dave = fediverse.add("mastodon.test", "dave")
    mallory = fediverse.add("evil.test", "mallory")
    follow = dave.activity("Follow", "https://alice.example/ap/actor")
    squat = {**mallory.activity("Follow", "https://alice.example/ap/actor"), "id": follow["id"]}
    assert post_signed(fn.client, fn.inbox, mallory, squat).status_code == 202
    response = post_signed(fn.client, fn.inbox, dave, follow)
    assert response.status_code == 202
    assert response.json()["status"] == "accepted"
    assert fn.store.get_follower(dave.id) is not None
    undo = dave.activity("Undo", follow["id"])  # the Follow by id only
    assert post_signed(fn.client, fn.inbox, dave, undo).status_code == 202
    assert fn.store.get_follower(dave.id) is None
    assert fn.store.get_follower(mallory.id) is not None
