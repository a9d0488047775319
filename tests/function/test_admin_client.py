"""`AdminClient`, the one client of the owner API, against a live function: each endpoint's
answer, and each failure as one clear message that never shows the token."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from function_harness import ADMIN_TOKEN, FakeFediverse, post_signed

from site_core.publish.owner_settings import OwnerSettings
from site_gen.admin_client import AdminClient, AdminClientError
from site_gen.cli.publish_backends import FunctionBackend
from site_gen.publish.admin_token import AdminToken

OUR_ACTOR = "https://alice.example/ap/actor"
TOKEN = AdminToken(ADMIN_TOKEN, "SITE_GEN_ADMIN_TOKEN")


def test_followers_and_blocks_round_trip(fediverse: FakeFediverse, make_function: Any) -> None:
    fn = make_function(owner=OwnerSettings(manually_approves_followers=True))
    waiting, spam = fediverse.add("wait.test", "w"), fediverse.add("spam.test", "s")
    for actor in (waiting, spam):
        response = post_signed(fn.client, fn.inbox, actor, actor.activity("Follow", OUR_ACTOR))
        assert response.status_code == 202, response.text
    client = AdminClient(fn.url, TOKEN)
    try:
        assert {row["actor"] for row in client.followers("pending")} == {waiting.id, spam.id}
        assert client.approve_follower(waiting.id)["state"] == "accepted"
        assert [row["actor"] for row in client.followers("accepted")] == [waiting.id]
        added = client.add_block("spam.test", "noise")
        assert added["block"] == {**added["block"], "kind": "domain", "value": "spam.test"}
        assert added["removed"] == [spam.id]
        assert [(b["kind"], b["value"]) for b in client.blocks()] == [("domain", "spam.test")]
        exported = client.export_blocks()
        assert "spam.test,suspend" in exported
        assert client.remove_block("spam.test")["removed"]["value"] == "spam.test"
        assert client.blocks() == []
        assert client.import_blocks(exported)["imported"] == 1
        assert client.remove_follower(waiting.id)["actor"] == waiting.id
        assert client.followers("all") == []
    finally:
        client.close()


def test_delivery_endpoints_answer_through_the_backend(make_function: Any) -> None:
    fn = make_function()
    backend = FunctionBackend(fn.url, TOKEN)
    try:
        assert backend.ledger().initialized is False
        assert backend.status()["counts"].get("queued", 0) == 0
        assert backend.retry(None) == 0
        assert backend.drain(1.0)["delivered"] == 0
    finally:
        backend.close()


def test_an_owner_error_is_the_functions_own_words(make_function: Any) -> None:
    fn = make_function()
    client = AdminClient(fn.url, TOKEN)
    try:
        with pytest.raises(AdminClientError) as refused:
            client.reject_follower("https://nobody.test/u")
    finally:
        client.close()
    assert str(refused.value) == (
        "the function answered 404: no follower or follow request from https://nobody.test/u"
    )


def test_a_wrong_token_names_its_source_never_its_value(make_function: Any) -> None:
    fn = make_function()
    wrong = AdminToken("not-the-token-4242", "SITE_GEN_ADMIN_TOKEN_FILE (/run/secret)")
    client = AdminClient(fn.url, wrong)
    try:
        with pytest.raises(AdminClientError) as refused:
            client.blocks()
    finally:
        client.close()
    message = str(refused.value)
    assert "from SITE_GEN_ADMIN_TOKEN_FILE (/run/secret) (401)" in message
    assert "not-the-token-4242" not in message


def test_an_unreachable_function_is_named() -> None:
    with socket.socket() as probe:  # a port the OS gave out and nobody listens on any more
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = AdminClient(f"http://127.0.0.1:{port}", TOKEN)
    try:
        with pytest.raises(AdminClientError) as unreachable:
            client.status()
    finally:
        client.close()
    assert f"cannot reach the function at http://127.0.0.1:{port}/admin/api/deliveries" in str(
        unreachable.value
    )
    assert ADMIN_TOKEN not in str(unreachable.value)
