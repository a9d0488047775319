"""The owner's notifications end to end: real inbox requests with real signatures, the queue,
the drain, and a loopback receiver that checks the HMAC of every notification it takes."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from function_harness import FakeFediverse, RemoteActor, post_signed
from loopback_site import ShiftedClock
from notify_receiver import Receiver
from published_posts import publish_post
from site_function.notifications import NotifySettings
from site_function.store.base import NewDelivery

from site_core.publish.owner_settings import OwnerSettings

SECRET = b"test-notify-secret-0123456789"
OUR_ACTOR = "https://alice.example/ap/actor"
POST = "https://alice.example/ap/posts/hello"
ALL_KINDS = {"new_follower", "follow_request", "reply", "mention", "delivery_failing", "test"}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver(SECRET)
    yield found
    found.close()


def _notify(receiver: Receiver, **overrides: Any) -> NotifySettings:
    settings = {"url": receiver.url, "secret": SECRET, "events": frozenset(
        {"new_follower", "follow_request", "reply", "mention", "quote_request",
         "delivery_failing"}), "failure_streak": 2, "first_retry": 0.1}  # fmt: skip
    settings.update(overrides)
    return NotifySettings(**settings)


def _send(fn: Any, actor: RemoteActor, kind: str, obj: Any, **extra: Any) -> None:
    answer = post_signed(fn.client, fn.inbox, actor, actor.activity(kind, obj, **extra))
    assert answer.status_code == 202, answer.text


def _note(actor: RemoteActor, serial: str, **fields: Any) -> dict[str, Any]:
    return {"id": f"{actor.id}/statuses/{serial}", "type": "Note", "attributedTo": actor.id,
            "content": "<p>hello</p>", "to": ["https://www.w3.org/ns/activitystreams#Public"],
            **fields}  # fmt: skip


def _every_event(fn: Any, fediverse: FakeFediverse, tag: str) -> None:
    """One of each kind: a follower, a request, a reply, a mention, a failing host, a test."""
    publish_post(fn.store, POST)
    _send(fn, fediverse.add(f"follow-{tag}.test", "fan"), "Follow", OUR_ACTOR)
    fn.store.save_owner_settings(OwnerSettings(manually_approves_followers=True))
    _send(fn, fediverse.add(f"ask-{tag}.test", "asker"), "Follow", OUR_ACTOR)
    replier = fediverse.add(f"reply-{tag}.test", "replier")
    _send(fn, replier, "Create", _note(replier, "1", inReplyTo=POST))
    talker = fediverse.add(f"mention-{tag}.test", "talker")
    mention = {"type": "Mention", "href": OUR_ACTOR, "name": "@alice@alice.example"}
    _send(fn, talker, "Create", _note(talker, "2", tag=[mention]))
    dead = [NewDelivery(f"https://alice.example/ap/x/{n}", "http://dead.test:9/inbox", b"{}")
            for n in range(2)]  # fmt: skip
    fn.store.enqueue(dead, fn.runtime.clock())
    assert fn.admin("POST", "/notify/test", json={}).status_code == 200


def _drain_until(fn: Any, done: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, "notifications did not all arrive in time"
        assert fn.admin("POST", "/deliveries/drain", json={"budget": 2}).status_code == 200
        time.sleep(0.1)


def test_each_event_type_arrives_signed(
    make_function: Callable[..., Any], fediverse: FakeFediverse, receiver: Receiver
) -> None:
    receiver.up(200)
    fn = make_function(notify=_notify(receiver))
    _every_event(fn, fediverse, "signed")
    _drain_until(fn, lambda: {t.json["event"] for t in receiver.taken} >= ALL_KINDS)
    assert all(taken.signature_ok for taken in receiver.taken)
    for taken in receiver.taken:
        envelope = taken.json
        assert set(envelope) == {"event", "id", "time", "site", "data"}
        assert envelope["site"] == "https://alice.example"
        assert taken.headers["x-site-gen-delivery"] == envelope["id"]
        assert taken.headers["x-site-gen-event"] == envelope["event"]
    by_kind = {t.json["event"]: t.json["data"] for t in receiver.taken}
    assert by_kind["mention"]["object"].endswith("/statuses/2")
    assert by_kind["reply"]["post"] == POST
    assert by_kind["delivery_failing"]["host"] == "dead.test:9"


def test_a_receiver_down_for_a_while_gets_every_notification_once(
    make_function: Callable[..., Any], fediverse: FakeFediverse, receiver: Receiver
) -> None:
    fn = make_function(notify=_notify(receiver))
    _every_event(fn, fediverse, "down")  # the receiver refuses connections meanwhile
    fn.drained()

    def notices() -> list[Any]:
        return [r for r in fn.store.list_deliveries() if r.kind == "notification"]

    # Each notice tried at least once (a slow machine may need more than one drain's budget).
    def all_tried() -> bool:
        rows = notices()
        return len(rows) == len(ALL_KINDS) and all(r.attempts for r in rows)

    _drain_until(fn, all_tried)
    rows = notices()
    assert len(rows) == len(ALL_KINDS)
    assert all(r.state == "queued" and r.attempts >= 1 for r in rows), rows
    assert all("127.0.0.1" not in (r.last_error or "") or "hook" in r.inbox for r in rows)
    receiver.up(503)
    _drain_until(fn, lambda: receiver.refused_answers >= 3)
    receiver.up(200)
    _drain_until(fn, lambda: len(receiver.taken) >= len(ALL_KINDS))
    for _ in range(3):  # more drains send nothing more
        fn.admin("POST", "/deliveries/drain", json={"budget": 1})
    ids = [t.headers["x-site-gen-delivery"] for t in receiver.taken]
    assert len(ids) == len(set(ids)) == len(ALL_KINDS)
    assert {t.json["event"] for t in receiver.taken} == ALL_KINDS
    assert all(t.signature_ok for t in receiver.taken)


def test_digest_mode_sends_one_summary_for_a_burst(
    make_function: Callable[..., Any], fediverse: FakeFediverse, receiver: Receiver
) -> None:
    receiver.up(200)
    clock = ShiftedClock()  # the digest falls due when the test moves it, however slow the run
    fn = make_function(clock=clock, notify=_notify(receiver, digest_seconds=600))
    for n in range(5):
        _send(fn, fediverse.add(f"burst{n}.test", "fan"), "Follow", OUR_ACTOR)
    fn.drained()
    assert receiver.taken == []  # not due yet
    clock.offset = timedelta(seconds=601)
    _drain_until(fn, lambda: len(receiver.taken) >= 1)
    fn.admin("POST", "/deliveries/drain", json={"budget": 1})
    assert len(receiver.taken) == 1
    digest = receiver.taken[0]
    assert digest.signature_ok
    assert digest.json["event"] == "digest"
    assert digest.json["data"]["counts"] == {"new_follower": 5}
    assert len(digest.json["data"]["latest"]) == 5


def test_notify_test_waits_and_reports(
    make_function: Callable[..., Any], receiver: Receiver
) -> None:
    fn = make_function(notify=_notify(receiver))
    down = fn.admin("POST", "/notify/test", json={"wait": 5}).json()
    assert down["outcome"] == "queued"
    assert "ClientConnectorError" in down["last_error"]
    assert "hook" in down["receiver"]
    receiver.up(200)
    up = fn.admin("POST", "/notify/test", json={"wait": 5}).json()
    assert up["outcome"] == "delivered", up
    bad = fn.admin("POST", "/notify/test", json={"wait": 600})
    assert bad.status_code == 400


def test_notify_test_without_a_receiver_is_a_clear_409(make_function: Callable[..., Any]) -> None:
    fn = make_function()
    answer = fn.admin("POST", "/notify/test", json={})
    assert answer.status_code == 409
    assert "SITE_GEN_NOTIFY_URL" in answer.json()["detail"]


def test_site_gen_notify_test_reports_the_outcome(
    make_function: Callable[..., Any], receiver: Receiver, tmp_path: Any
) -> None:
    from click.testing import CliRunner
    from function_harness import ADMIN_TOKEN

    from site_gen.cli import cli

    site = tmp_path / "site"
    site.mkdir()
    (site / "site.yaml").write_text(
        "base_url: https://alice.example\nusername: alice\ndisplay_name: Alice\n"
    )
    fn = make_function(notify=_notify(receiver))
    args = ["notify", "test", "--site", str(site), "--function-url", fn.url, "--wait", "5"]
    env = {"SITE_GEN_ADMIN_TOKEN": ADMIN_TOKEN}
    down = CliRunner().invoke(cli, args, env=env)
    assert down.exit_code == 1, down.output
    assert ": queued (http://127.0.0.1:" in down.output
    assert "not delivered" in down.output
    receiver.up(200)
    up = CliRunner().invoke(cli, args, env=env)
    assert up.exit_code == 0, up.output
    assert ": delivered (" in up.output
    # The first test (queued while down) may arrive too, after its backoff: each once.
    ids = [taken.json["id"] for taken in receiver.taken if taken.json["event"] == "test"]
    assert 1 <= len(ids) == len(set(ids)) == len(receiver.taken)
