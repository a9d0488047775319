"""Every bad input of issue 3: the right status, and nothing stored."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from function_harness import FakeFediverse, NameMap, post_signed

from site_core.keys import generate_private_key

OUR_ACTOR = "https://alice.example/ap/actor"


def _nothing_stored(fn: Any, actor_id: str) -> None:
    assert fn.store.count_followers(None) == 0
    assert fn.store.list_deliveries() == []
    assert fn.store.list_interactions() == []
    assert fn.store.get_follower(actor_id) is None


@pytest.fixture
def mallory(fediverse: FakeFediverse) -> Any:
    return fediverse.add("mastodon.test", "mallory")


def _forge(headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
    value = headers["Signature"]
    start = value.index('signature="') + len('signature="')
    raw = bytearray(base64.b64decode(value[start : value.index('"', start)]))
    raw[0] ^= 0xFF
    forged = base64.b64encode(bytes(raw)).decode()
    return {**headers, "Signature": value[:start] + forged + value[value.index('"', start) :]}, body


def _tamper_body(headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
    return headers, body.replace(b"Follow", b"Folloz")


def _drop_digest(headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
    return {k: v for k, v in headers.items() if k.lower() != "digest"}, body


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (_forge, "bad_signature"),
        (_tamper_body, "digest_mismatch"),
        (_drop_digest, "digest_missing"),
    ],
)
def test_tampered_requests_are_refused(
    make_function: Any, mallory: Any, mutate: Any, reason: str
) -> None:
    fn = make_function()
    follow = mallory.activity("Follow", OUR_ACTOR)
    response = post_signed(fn.client, fn.inbox, mallory, follow, mutate=mutate)
    assert response.status_code == 401
    assert response.json()["status"] == reason
    _nothing_stored(fn, mallory.id)


def test_signature_by_another_key_is_refused(make_function: Any, mallory: Any) -> None:
    fn = make_function()
    body = json.dumps(mallory.activity("Follow", OUR_ACTOR)).encode()
    headers = mallory.sign(fn.inbox, body, key=generate_private_key())
    response = fn.client.post(fn.inbox, content=body, headers=headers)
    assert response.status_code == 401
    assert response.json()["status"] == "bad_signature"
    _nothing_stored(fn, mallory.id)


@pytest.mark.parametrize(
    ("shift", "reason"), [(timedelta(hours=-2), "stale"), (timedelta(hours=1, minutes=5), "future")]
)
def test_dates_outside_the_window_are_refused(
    make_function: Any, mallory: Any, shift: timedelta, reason: str
) -> None:
    fn = make_function()
    follow = mallory.activity("Follow", OUR_ACTOR)
    response = post_signed(fn.client, fn.inbox, mallory, follow, now=datetime.now(UTC) + shift)
    assert response.status_code == 401
    assert response.json()["status"] == reason
    _nothing_stored(fn, mallory.id)


def test_body_over_one_megabyte_is_refused(make_function: Any, mallory: Any) -> None:
    fn = make_function()
    activity = mallory.activity("Follow", OUR_ACTOR, padding="x" * 1_000_001)
    response = post_signed(fn.client, fn.inbox, mallory, activity)
    assert response.status_code == 413
    _nothing_stored(fn, mallory.id)


def _signed_raw(fn: Any, actor: Any, body: bytes) -> Any:
    return fn.client.post(fn.inbox, content=body, headers=actor.sign(fn.inbox, body))


@pytest.mark.parametrize(
    "body",
    [b'{"type": "Follow", "actor": ', b"[1, 2, 3]", b'{"actor": "x"}'],
    ids=["invalid", "not-object", "no-type"],
)
def test_malformed_bodies_are_400(make_function: Any, mallory: Any, body: bytes) -> None:
    fn = make_function()
    response = _signed_raw(fn, mallory, body)
    assert response.status_code == 400
    assert response.json()["status"] == "malformed_activity"
    _nothing_stored(fn, mallory.id)


def test_deeply_nested_json_is_400(make_function: Any, mallory: Any) -> None:
    fn = make_function()
    nested = "[" * 5000 + "]" * 5000
    body = json.dumps(mallory.activity("Follow", OUR_ACTOR))[:-1].encode()
    body += b', "deep": ' + nested.encode() + b"}"
    response = _signed_raw(fn, mallory, body)
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]
    _nothing_stored(fn, mallory.id)


@pytest.mark.parametrize(
    "content_type", ["application/json", "text/plain", "application/ld+json", "multipart/form-data"]
)
def test_wrong_content_type_is_415(make_function: Any, mallory: Any, content_type: str) -> None:
    fn = make_function()
    follow = mallory.activity("Follow", OUR_ACTOR)
    response = post_signed(fn.client, fn.inbox, mallory, follow, content_type=content_type)
    assert response.status_code == 415
    _nothing_stored(fn, mallory.id)


def test_ld_json_with_the_activitystreams_profile_is_accepted(
    make_function: Any, mallory: Any
) -> None:
    fn = make_function(drain_after_inbox=False)
    follow = mallory.activity("Follow", OUR_ACTOR)
    content_type = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
    response = post_signed(fn.client, fn.inbox, mallory, follow, content_type=content_type)
    assert response.status_code == 202


def test_unsigned_post_is_401(make_function: Any, mallory: Any) -> None:
    fn = make_function()
    body = json.dumps(mallory.activity("Follow", OUR_ACTOR)).encode()
    response = fn.client.post(
        fn.inbox, content=body, headers={"Content-Type": "application/activity+json"}
    )
    assert response.status_code == 401
    assert response.json()["status"] == "no_signature"


def test_key_owner_must_be_the_actor(
    fediverse: FakeFediverse, make_function: Any, mallory: Any
) -> None:
    fn = make_function()
    victim = fediverse.add("mastodon.test", "victim")
    follow = victim.activity("Follow", OUR_ACTOR)  # actor: victim, signed by mallory
    response = post_signed(fn.client, fn.inbox, mallory, follow)
    assert response.status_code == 401
    assert response.json()["status"] == "actor_mismatch"
    _nothing_stored(fn, victim.id)


def test_key_id_on_loopback_is_refused_without_private_addresses(
    fediverse: FakeFediverse, make_function: Any
) -> None:
    fn = make_function(allow_private_addresses=False)
    local = fediverse.add("127.0.0.1", "local")
    before = len(fediverse.fetches)
    follow = local.activity("Follow", OUR_ACTOR)
    response = post_signed(fn.client, fn.inbox, local, follow)
    assert response.status_code == 401
    assert response.json()["status"] == "key_refused"
    assert len(fediverse.fetches) == before  # the remote server saw nothing
    _nothing_stored(fn, local.id)


@pytest.mark.parametrize("address", ["10.0.0.1", "10.255.1.2", "169.254.169.254"])
def test_key_id_resolving_to_internal_addresses_is_refused(
    fediverse: FakeFediverse, make_function: Any, address: str
) -> None:
    resolver = NameMap(address)
    fn = make_function(resolver=resolver, allow_private_addresses=False)
    inner = fediverse.add("internal.test", "inner")
    follow = inner.activity("Follow", OUR_ACTOR)
    response = post_signed(fn.client, fn.inbox, inner, follow)
    assert response.status_code == 401
    assert response.json()["status"] == "key_refused"
    assert resolver.asked == ["internal.test"]
    _nothing_stored(fn, inner.id)


def test_blocked_account_gets_403_and_nothing_stored(
    fediverse: FakeFediverse, make_function: Any
) -> None:
    fn = make_function()
    troll = fediverse.add("mastodon.test", "troll")
    assert fn.admin("POST", "/blocks", json={"target": troll.id}).status_code == 200
    response = post_signed(fn.client, fn.inbox, troll, troll.activity("Follow", OUR_ACTOR))
    assert response.status_code == 403
    _nothing_stored(fn, troll.id)


def test_account_on_a_blocked_domain_gets_403_without_any_fetch(
    fediverse: FakeFediverse, make_function: Any
) -> None:
    fn = make_function()
    spammer = fediverse.add("sub.spam.test", "spammer")
    assert fn.admin("POST", "/blocks", json={"target": "spam.test"}).status_code == 200
    before = len(fediverse.fetches)
    response = post_signed(fn.client, fn.inbox, spammer, spammer.activity("Follow", OUR_ACTOR))
    assert response.status_code == 403
    assert len(fediverse.fetches) == before
    assert fn.store.get_actor(spammer.id) is None
    _nothing_stored(fn, spammer.id)


def test_unknown_activity_type_is_202_and_ignored(make_function: Any, mallory: Any) -> None:
    fn = make_function()
    flag = mallory.activity("Flag", OUR_ACTOR, content="hmm")
    response = post_signed(fn.client, fn.inbox, mallory, flag)
    assert response.status_code == 202
    _nothing_stored(fn, mallory.id)


def test_delete_of_an_unknown_actor_is_202_without_a_key_fetch(
    fediverse: FakeFediverse, make_function: Any
) -> None:
    fn = make_function()
    ghost = fediverse.add("mastodon.test", "ghost", gone=True)
    before = len(fediverse.fetches)
    delete = ghost.activity("Delete", ghost.id)
    response = post_signed(fn.client, fn.inbox, ghost, delete)
    assert response.status_code == 202
    assert response.json()["status"] == "unknown_actor_deleted"
    assert len(fediverse.fetches) == before
