"""The owner's review policy applied by the inbox (FEDERATION.md#review-policy), thread
replies kept under their root post, and the author's profile stored with each interaction:
signed deliveries from remote servers of the tests' own to a running function."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from function_harness import FakeFediverse, RemoteActor, post_signed
from published_posts import publish_post
from site_function.interaction_review import arrival_state, holds
from site_function.store.base import Follower

from site_core.publish.owner_settings import OwnerSettings, ReviewPolicy

POST = "https://alice.example/ap/posts/hello"


def _note(actor: RemoteActor, name: str, html: str, in_reply_to: str = POST,
          **extra: Any) -> dict[str, Any]:  # fmt: skip
    return {"id": f"{actor.id}/notes/{name}", "type": "Note", "attributedTo": actor.id,
            "inReplyTo": in_reply_to, "content": html, **extra}  # fmt: skip


def _send(fn: Any, actor: RemoteActor, kind: str, obj: Any) -> None:
    response = post_signed(fn.client, fn.inbox, actor, actor.activity(kind, obj))
    assert response.status_code == 202, response.text


def _state(fn: Any, activity_id: str) -> str:
    held = fn.store.get_interaction(activity_id)
    assert held is not None, activity_id
    return str(held.state)


def _function(make_function: Any, review: ReviewPolicy | None) -> Any:
    fn = make_function(owner=None if review is None else OwnerSettings(review=review))
    publish_post(fn.store, POST)
    return fn


def _follow(fn: Any, actor: RemoteActor) -> None:
    now = datetime.now(UTC)
    fn.store.save_follower(Follower(actor.id, f"{actor.id}#follow", actor.inbox, None,
                                    "accepted", {"type": "Follow"}, now, now))  # fmt: skip


@pytest.mark.parametrize(
    ("review", "follower", "stranger"),
    [
        (None, "pending", "pending"),  # no settings known: nothing is shown unseen
        (ReviewPolicy(), "pending", "pending"),
        (ReviewPolicy("followers"), "approved", "pending"),
        (ReviewPolicy("everyone"), "approved", "approved"),
    ],
)
def test_each_choice_for_a_follower_and_a_stranger(
    fediverse: FakeFediverse, make_function: Any, review: ReviewPolicy | None,
    follower: str, stranger: str,
) -> None:  # fmt: skip
    fn = _function(make_function, review)
    fan, other = fediverse.add("fan.test", "fan"), fediverse.add("other.test", "other")
    _follow(fn, fan)
    _send(fn, fan, "Create", _note(fan, "1", "<p>hi</p>"))
    _send(fn, other, "Create", _note(other, "1", "<p>hi</p>"))
    like = other.activity("Like", POST)
    assert post_signed(fn.client, fn.inbox, other, like).status_code == 202
    assert _state(fn, f"{fan.id}/notes/1") == follower
    assert _state(fn, f"{other.id}/notes/1") == stranger
    assert _state(fn, like["id"]) == stranger


def test_hold_words_and_domains_hold_whatever_the_choice(
    fediverse: FakeFediverse, make_function: Any
) -> None:
    review = ReviewPolicy("everyone", hold_words=("crypto", "free money"),
                          hold_domains=("spam.test",))  # fmt: skip
    fn = _function(make_function, review)
    ann, spammer = fediverse.add("ann.test", "ann"), fediverse.add("a.spam.test", "bot")
    _send(fn, ann, "Create", _note(ann, "1", "<p>Buy <b>CRYPTO</b>!</p>"))
    _send(fn, ann, "Create", _note(ann, "2", "<p>I study cryptography</p>"))  # not the word
    _send(fn, ann, "Create", _note(ann, "3", "<p>fine</p>", summary="Free  money inside"))
    _send(fn, ann, "Create", _note(ann, "4", "<p>free <a href='https://x.test'>money</a></p>"))
    like = spammer.activity("Like", POST)
    assert post_signed(fn.client, fn.inbox, spammer, like).status_code == 202
    assert _state(fn, f"{ann.id}/notes/1") == "pending"
    assert _state(fn, f"{ann.id}/notes/2") == "approved"
    assert _state(fn, f"{ann.id}/notes/3") == "pending"  # in the summary
    assert _state(fn, f"{ann.id}/notes/4") == "pending"  # the plain text, across markup
    assert _state(fn, like["id"]) == "pending"  # a subdomain of a hold domain


def test_pure_policy_answers() -> None:
    policy = ReviewPolicy("everyone", ("free money",), ("Spam.Test",))
    assert holds(policy, "https://spam.test/users/a")
    assert not holds(policy, "https://notspam.test/users/a")
    assert holds(policy, "https://x.test/u", "get FREE money now")
    assert not holds(policy, "https://x.test/u", "freemoney")
    assert arrival_state(policy, "https://x.test/u", follower=False) == "approved"
    assert arrival_state(None, "https://x.test/u", follower=True) == "pending"


def test_an_update_keeps_the_state_unless_a_hold_word_appears(
    fediverse: FakeFediverse, make_function: Any
) -> None:
    fn = _function(make_function, ReviewPolicy("everyone", hold_words=("crypto",)))
    ann = fediverse.add("ann.test", "ann")
    note_id = f"{ann.id}/notes/1"
    _send(fn, ann, "Create", _note(ann, "1", "<p>hello</p>"))
    assert _state(fn, note_id) == "approved"
    _send(fn, ann, "Update", _note(ann, "1", "<p>hello again</p>"))
    assert _state(fn, note_id) == "approved"
    _send(fn, ann, "Update", _note(ann, "1", "<p>hello crypto</p>"))
    assert _state(fn, note_id) == "pending"
    fn.store.set_moderation(note_id, "rejected")
    _send(fn, ann, "Update", _note(ann, "1", "<p>sorry</p>"))
    assert _state(fn, note_id) == "rejected"  # the owner's decision stays


def test_a_reply_in_a_thread_is_kept_under_the_root_post(
    fediverse: FakeFediverse, make_function: Any
) -> None:
    fn = _function(make_function, ReviewPolicy())
    ann, bob = fediverse.add("ann.test", "ann"), fediverse.add("bob.test", "bob")
    first = f"{ann.id}/notes/1"
    _send(fn, ann, "Create", _note(ann, "1", "<p>first</p>"))
    _send(fn, bob, "Create", _note(bob, "1", "<p>answer</p>", in_reply_to=first))
    _send(fn, ann, "Create", _note(ann, "2", "<p>deeper</p>", in_reply_to=f"{bob.id}/notes/1"))
    _send(fn, bob, "Create", _note(bob, "2", "<p>elsewhere</p>", in_reply_to="https://x.test/n"))
    answer = fn.store.get_interaction(f"{bob.id}/notes/1")
    assert (answer.object_id, answer.activity["inReplyTo"]) == (POST, first)
    assert fn.store.get_interaction(f"{ann.id}/notes/2").object_id == POST
    assert fn.store.get_interaction(f"{bob.id}/notes/2") is None


def test_the_author_profile_is_stored_with_the_interaction(
    fediverse: FakeFediverse, make_function: Any
) -> None:
    fn = _function(make_function, None)
    ann = fediverse.add("ann.test", "ann", style="gotosocial")
    _send(fn, ann, "Create", _note(ann, "1", "<p>hi</p>"))
    author = fn.store.get_interaction(f"{ann.id}/notes/1").author
    assert author["id"] == ann.id
    assert author["handle"] == f"@ann@{ann.origin.split('//')[1]}"  # host:port
    assert author["url"] == f"{ann.origin}/@ann"
    assert author["name"] == "original zork (he/they)"
    assert author["avatar"].startswith("http://localhost:8080/fileserver/")
