"""More of the inbox end to end: interactions, key rotation, Move, Update, the shared inbox,
the build's documents served with their types."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from function_harness import FakeFediverse, post_signed
from published_posts import publish_post

from site_core.keys import generate_private_key

OUR_ACTOR = "https://alice.example/ap/actor"
POST = "https://alice.example/ap/posts/hello"


def _follow(fn: Any, actor: Any) -> None:
    response = post_signed(fn.client, fn.inbox, actor, actor.activity("Follow", OUR_ACTOR))
    assert response.status_code == 202, response.text


def test_likes_boosts_and_replies_are_stored_for_moderation(
    fediverse: FakeFediverse, make_function: Any
) -> None:
    fn = make_function()
    publish_post(fn.store, POST)
    fan = fediverse.add("likes.test", "fan")
    like = fan.activity("Like", POST)
    shared = f"{fn.url}/ap/shared-inbox"
    assert post_signed(fn.client, shared, fan, like).status_code == 202
    assert post_signed(fn.client, fn.inbox, fan, fan.activity("Announce", POST)).status_code == 202
    note = {"id": f"{fan.id}/notes/1", "type": "Note", "attributedTo": fan.id,
            "inReplyTo": POST, "content": "<p>nice</p>"}  # fmt: skip
    assert post_signed(fn.client, fn.inbox, fan, fan.activity("Create", note)).status_code == 202
    kinds = sorted(i["kind"] for i in fn.admin("GET", "/interactions").json())
    assert kinds == ["announce", "like", "reply"]
    moderated = fn.admin(
        "POST", "/interactions/moderate", json={"id": note["id"], "state": "approved"}
    )
    assert moderated.status_code == 200
    assert [i["id"] for i in fn.admin("GET", "/interactions?state=approved").json()] == [note["id"]]
    assert post_signed(fn.client, fn.inbox, fan, fan.activity("Undo", like)).status_code == 202
    assert len(fn.store.list_interactions()) == 2
    # the same activity again is a harmless duplicate
    again = post_signed(fn.client, fn.inbox, fan, like)
    assert again.status_code == 202
    assert again.json()["status"] == "duplicate"


def test_a_reply_or_like_whose_id_is_on_another_host_is_ignored(
    fediverse: FakeFediverse, make_function: Any
) -> None:
    """FEDERATION.md#one-host: 202 (the sender needs no retry) and nothing stored, so an id squatted
    on another server cannot make that server's real reply or Like look already held."""
    fn = make_function()
    publish_post(fn.store, POST)
    squatter = fediverse.add("squat.test", "mallory")
    victim_id = "http://victim.test/users/bob/statuses/1"
    note = {"id": victim_id, "type": "Note", "attributedTo": squatter.id, "inReplyTo": POST,
            "content": "<p>first</p>"}  # fmt: skip
    reply = post_signed(fn.client, fn.inbox, squatter, squatter.activity("Create", note))
    assert reply.status_code == 202, reply.text
    like = {**squatter.activity("Like", POST), "id": victim_id}
    assert post_signed(fn.client, fn.inbox, squatter, like).status_code == 202
    assert fn.store.list_interactions() == []
    assert fn.store.get_interaction(victim_id) is None


def test_a_rotated_key_is_refetched_once_then_rate_limited(
    fediverse: FakeFediverse, make_function: Any
) -> None:
    fn = make_function(drain_after_inbox=False)
    rotor = fediverse.add("rotate.test", "rotor")
    _follow(fn, rotor)
    rotor.key = generate_private_key()  # the remote rotates its key (FEDERATION.md#key-refetch)
    fetches = len(fediverse.fetches)
    response = post_signed(fn.client, fn.inbox, rotor, rotor.activity("Like", POST))
    assert response.status_code == 202, response.text
    assert len(fediverse.fetches) == fetches + 1
    body = json.dumps(rotor.activity("Like", POST)).encode()
    forged = rotor.sign(fn.inbox, body, key=generate_private_key())
    assert fn.client.post(fn.inbox, content=body, headers=forged).status_code == 401
    assert len(fediverse.fetches) == fetches + 1  # no second refetch within 5 minutes


def test_move_to_an_account_naming_the_old_one(
    fediverse: FakeFediverse, make_function: Any
) -> None:
    fn = make_function(drain_after_inbox=False)
    old = fediverse.add("old.test", "mover")
    new = fediverse.add("new.test", "mover", also_known_as=[old.id])
    liar = fediverse.add("liar.test", "mover")
    _follow(fn, old)
    bad = old.activity("Move", old.id, target=liar.id)
    assert post_signed(fn.client, fn.inbox, old, bad).status_code == 202
    assert fn.store.get_follower(old.id) is not None
    move = old.activity("Move", old.id, target=new.id)
    assert post_signed(fn.client, fn.inbox, old, move).status_code == 202
    assert fn.store.get_follower(old.id) is None
    moved = fn.store.get_follower(new.id)
    assert moved is not None
    assert moved.inbox == new.inbox


def test_update_of_the_actor_refreshes_the_cached_copy(
    fediverse: FakeFediverse, make_function: Any
) -> None:
    fn = make_function(drain_after_inbox=False)
    upd = fediverse.add("update.test", "upd")
    _follow(fn, upd)
    document = {**upd.document(), "name": "New Name"}
    assert (
        post_signed(fn.client, fn.inbox, upd, upd.activity("Update", document)).status_code == 202
    )
    assert fn.store.get_actor(upd.id).document["name"] == "New Name"
    deleted = post_signed(fn.client, fn.inbox, upd, upd.activity("Delete", upd.id))
    assert deleted.status_code == 202
    assert fn.store.get_follower(upd.id) is None
    assert fn.store.get_actor(upd.id) is None


def test_documents_are_served_with_activitypub_types(make_function: Any, tmp_path: Path) -> None:
    build = tmp_path / "public"
    (build / "ap").mkdir(parents=True)
    (build / "ap" / "actor").write_text('{"id": "https://alice.example/ap/actor"}')
    (build / ".well-known").mkdir()
    (build / ".well-known" / "webfinger").write_text('{"subject": "acct:alice@alice.example"}')
    (tmp_path / "secret").write_text("no")
    fn = make_function(documents_dir=build)
    actor = fn.client.get(f"{fn.url}/ap/actor")
    assert actor.status_code == 200
    assert actor.headers["content-type"] == "application/activity+json"
    finger = fn.client.get(f"{fn.url}/.well-known/webfinger?resource=acct:alice@alice.example")
    assert finger.headers["content-type"] == "application/jrd+json"
    assert fn.client.get(f"{fn.url}/ap/missing").status_code == 404
    assert fn.client.get(f"{fn.url}/ap/..%2F..%2Fsecret").status_code == 404
    # decoded twice, `%252e%252e` would be `..`: a page of the build served as a document
    (build / "index.html").write_text("<html>not a document</html>")
    assert fn.client.get(f"{fn.url}/ap/%252e%252e/index.html").status_code == 404
    assert fn.client.get(f"{fn.url}/ap/%2e%2e/index.html").status_code == 404
    assert fn.client.get(f"{fn.url}/healthz").json() == {"status": "ok"}
