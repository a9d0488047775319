"""The owner's settings reach the inbox from site.yaml through publish, never from variables.

Real function under uvicorn, real signed activities from the fake fediverse. Before any
publish the function reads the build when it can see it, else holds every Follow; a publish
replaces what it knew (a dry run does not); a moved account rejects new Follows; a Move to
us counts only from an account the owner lists in also_known_as; a plan for another site is
refused with the contradiction named, and nothing is stored.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from function_harness import FakeFediverse, RemoteActor, ServerThread, post_signed
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

from site_core.keys import generate_private_key, private_key_to_pem
from site_core.publish.owner_settings import OwnerSettings, SiteIdentity
from site_core.publish.plan import PublishPlan
from site_core.publish.plan_wire import plan_to_dict

OUR_ACTOR = "https://alice.example/ap/actor"
IDENTITY = SiteIdentity("https://alice.example", "alice", "http://fn.example")
APPROVAL = OwnerSettings(manually_approves_followers=True)


def _actor_document(**profile: Any) -> dict[str, Any]:
    return {"id": OUR_ACTOR, "type": "Person", "inbox": "http://fn.example/ap/inbox", **profile}


def _publish(
    fn: Any, owner: OwnerSettings, *, dry_run: bool = False, identity: SiteIdentity = IDENTITY
) -> Any:
    plan = PublishPlan((), (), "actor-hash", True, identity=identity, owner=owner)
    return fn.admin("POST", "/publish", json={"plan": plan_to_dict(plan), "dry_run": dry_run})


def _follow(fn: Any, fediverse: FakeFediverse, who: RemoteActor | None = None) -> RemoteActor:
    actor = who or fediverse.add("mastodon.test", f"u{uuid.uuid4().hex[:10]}")
    response = post_signed(fn.client, fn.inbox, actor, actor.activity("Follow", OUR_ACTOR))
    assert response.status_code == 202, response.text
    return actor


def _state(fn: Any, actor: RemoteActor) -> str | None:
    follower = fn.store.get_follower(actor.id)
    return None if follower is None else str(follower.state)


def _answers(fn: Any, actor: RemoteActor) -> list[str]:
    fn.drained()
    return [received.json["type"] for received in actor.received]


def test_before_any_publish_a_follow_waits_for_the_owner(
    fediverse: FakeFediverse, make_function: Any
) -> None:
    fn = make_function(owner=None)  # from the environment: no build to read, nothing published
    bob = _follow(fn, fediverse)
    assert _state(fn, bob) == "pending"
    assert fn.store.list_deliveries() == []
    listed = fn.admin("GET", "/followers?state=pending").json()
    assert [entry["actor"] for entry in listed] == [bob.id]


def test_the_build_counts_until_a_publish_and_a_dry_run_changes_nothing(
    fediverse: FakeFediverse, make_function: Any, tmp_path: Path
) -> None:
    public = tmp_path / "public"
    (public / "ap").mkdir(parents=True)
    (public / "ap" / "actor").write_text(
        json.dumps(_actor_document(manuallyApprovesFollowers=False))
    )
    fn = make_function(owner=None, documents_dir=public)
    first = _follow(fn, fediverse)
    assert _state(fn, first) == "accepted"
    assert _answers(fn, first) == ["Accept"]
    dry = _publish(fn, APPROVAL, dry_run=True)
    assert dry.status_code == 200, dry.text
    assert fn.store.get_owner_settings() is None
    assert _state(fn, _follow(fn, fediverse)) == "accepted"
    assert _publish(fn, APPROVAL).status_code == 200
    assert fn.store.get_owner_settings() == APPROVAL
    held = _follow(fn, fediverse)  # the build still says "no approval": the publish wins
    assert _state(fn, held) == "pending"
    assert _answers(fn, held) == []


def test_a_build_of_another_site_is_not_trusted(
    fediverse: FakeFediverse, make_function: Any, tmp_path: Path
) -> None:
    public = tmp_path / "public"
    (public / "ap").mkdir(parents=True)
    foreign = {
        **_actor_document(manuallyApprovesFollowers=False),
        "id": "https://b.example/ap/actor",
    }
    (public / "ap" / "actor").write_text(json.dumps(foreign))
    fn = make_function(owner=None, documents_dir=public)
    assert _state(fn, _follow(fn, fediverse)) == "pending"


@pytest.mark.parametrize("manual", [False, True])
def test_the_build_can_be_read_from_the_static_origin(
    fediverse: FakeFediverse, make_function: Any, manual: bool
) -> None:
    document = json.dumps(_actor_document(manuallyApprovesFollowers=manual))

    async def actor(request: Any) -> Response:
        return Response(document, media_type="application/activity+json")

    static = Starlette(routes=[Route("/ap/actor", actor)])
    with ServerThread(static) as origin:
        fn = make_function(owner=None, documents_origin=origin.url)
        follower = _follow(fn, fediverse)
    assert _state(fn, follower) == ("pending" if manual else "accepted")


def test_a_moved_account_rejects_new_follows_but_keeps_its_followers(
    fediverse: FakeFediverse, make_function: Any
) -> None:
    fn = make_function()  # published: no approval, not moved
    kept = _follow(fn, fediverse)
    assert _answers(fn, kept) == ["Accept"]
    moved = OwnerSettings(moved_to="https://new.example/users/alice")
    assert _publish(fn, moved).status_code == 200
    late = _follow(fn, fediverse)
    assert _state(fn, late) is None
    assert _answers(fn, late) == ["Reject"]
    assert late.received[0].json["object"]["actor"] == late.id  # the Follow, embedded
    _follow(fn, fediverse, kept)  # a follower's repeated Follow is answered as before
    assert _state(fn, kept) == "accepted"
    assert _answers(fn, kept) == ["Accept", "Accept"]


def test_a_move_in_changes_no_approval_decision(
    fediverse: FakeFediverse, make_function: Any
) -> None:
    """A Move of an old account to us, alias or not, lets nobody in unseen."""
    fn = make_function(owner=APPROVAL)
    old = fediverse.add("old.test", f"alice{uuid.uuid4().hex[:6]}")

    def move_in() -> None:
        move = old.activity("Move", old.id, target=OUR_ACTOR)
        response = post_signed(fn.client, fn.inbox, old, move)
        assert response.status_code == 202, response.text

    move_in()
    assert _state(fn, _follow(fn, fediverse)) == "pending"  # not an alias
    assert _publish(fn, OwnerSettings(True, also_known_as=(old.id,))).status_code == 200
    move_in()
    wave = _follow(fn, fediverse)  # a re-follow after the move still waits for the owner
    assert _state(fn, wave) == "pending"
    assert _answers(fn, wave) == []


def test_a_plan_for_another_site_is_refused_and_nothing_is_stored(make_function: Any) -> None:
    fn = make_function(owner=None)
    other = SiteIdentity("https://b.example", "bob", "https://b.example")
    response = _publish(fn, APPROVAL, identity=other)
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert (
        "site.yaml has base_url https://b.example but the function runs as"
        " https://alice.example (SITE_GEN_BASE_URL)"
    ) in detail
    assert "site.yaml has username bob but the function runs as alice (SITE_GEN_USERNAME)" in detail
    elsewhere = SiteIdentity("https://alice.example", "alice", "https://fn.other.example")
    response = _publish(fn, APPROVAL, identity=elsewhere)
    assert response.status_code == 409
    assert "(SITE_GEN_FUNCTION_URL)" in response.json()["detail"]
    split = SiteIdentity("https://alice.example", "alice", "http://fn.example", "example.org")
    response = _publish(fn, APPROVAL, identity=split)
    assert response.status_code == 409
    assert (
        "site.yaml has handle_domain example.org but the function names the handle on the"
        " site's host (SITE_GEN_HANDLE_DOMAIN)"
    ) in response.json()["detail"]
    assert fn.store.get_owner_settings() is None
    ledger = fn.admin("GET", "/publish/ledger").json()
    assert ledger["initialized"] is False


@pytest.mark.parametrize(
    ("variable", "setting"),
    [
        ("SITE_GEN_MANUALLY_APPROVES_FOLLOWERS", "manually_approves_followers"),
        ("SITE_GEN_ALSO_KNOWN_AS", "also_known_as"),
    ],
)
def test_a_variable_of_a_site_yaml_setting_stops_the_start(
    tmp_path: Path, variable: str, setting: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITE_GEN_")}
    env.update(
        SITE_GEN_BASE_URL="https://alice.example",
        SITE_GEN_USERNAME="alice",
        SITE_GEN_PRIVATE_KEY=private_key_to_pem(generate_private_key()).decode(),
        SITE_GEN_DATABASE_URL=f"sqlite:///{tmp_path / 'state.sqlite3'}",
        **{variable: "true"},
    )
    command = [sys.executable, "-m", "uvicorn", "site_function.entrypoints.asgi:app",
               "--host", "127.0.0.1", "--port", "0"]  # fmt: skip
    started = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert started.returncode != 0
    assert variable in started.stderr
    assert f"set {setting} in site.yaml; site-gen publish tells the function" in started.stderr
