"""`receive`'s outcomes carry the handler's typed event: real signatures from our own remote
accounts on loopback, keys fetched from them, the pipeline run in-process on a real store."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from function_harness import FakeFediverse, NameMap, RemoteActor
from published_posts import publish_post
from site_function.app import create_app
from site_function.inbox_events import (
    Blocked,
    FollowAccepted,
    Ignored,
    LikeReceived,
    LikeUndone,
    Unfollowed,
)
from site_function.inbox_pipeline import InboxOutcome, InboxRequest, receive
from site_function.runtime import FunctionRuntime
from site_function.settings import Settings
from site_function.store.base import Block

from site_core.publish.owner_settings import OwnerSettings
from site_remote import make_session


@pytest.fixture
async def runtime(our_key: Any, database_url: str) -> AsyncIterator[FunctionRuntime]:
    settings = Settings(
        base_url="https://alice.example",
        username="alice",
        private_key=our_key,
        database_url=database_url,
        function_url="http://fn.example",
        allow_private_addresses=True,
        owner=OwnerSettings(),
    )
    names = NameMap()
    app = create_app(settings, session_factory=lambda s: make_session(s.client, resolver=names))
    running: FunctionRuntime = app.state.runtime
    try:
        yield running
    finally:
        await running.close()


async def _receive(runtime: FunctionRuntime, sender: RemoteActor, activity: Any) -> InboxOutcome:
    url = f"{runtime.urls.fn}/ap/inbox"
    body = json.dumps(activity).encode()
    headers = {name.lower(): value for name, value in sender.sign(url, body).items()}
    request = InboxRequest("POST", urlsplit(url).path, "", headers, body, scheme="http")
    return await receive(runtime, request)


@pytest.mark.anyio
async def test_accepted_outcomes_carry_the_handlers_event(
    runtime: FunctionRuntime, fediverse: FakeFediverse
) -> None:
    bob = fediverse.add("events.example", "bob")
    post = runtime.urls.post_object("hello-world")
    publish_post(runtime.store, post)
    follow = bob.activity("Follow", runtime.urls.actor)
    followed = await _receive(runtime, bob, follow)
    assert (followed.status, followed.reason, followed.queued) == (202, "accepted", True)
    assert followed.event == FollowAccepted(bob.id, follow["id"])
    assert followed.detail == "follow accepted"
    again = await _receive(runtime, bob, follow)
    assert (again.status, again.reason, again.event) == (202, "duplicate", None)
    like = bob.activity("Like", post)
    liked = await _receive(runtime, bob, like)
    assert liked.event == LikeReceived(like["id"], bob.id, post)
    assert not liked.queued
    undone = await _receive(runtime, bob, bob.activity("Undo", like))
    assert undone.event == LikeUndone(like["id"], bob.id)
    unfollowed = await _receive(runtime, bob, bob.activity("Undo", follow))
    assert unfollowed.event == Unfollowed(bob.id)
    question = await _receive(runtime, bob, bob.activity("Question", post))
    assert question.event == Ignored(bob.id, "Question")
    assert question.status == 202


@pytest.mark.anyio
async def test_refusals_carry_no_event(runtime: FunctionRuntime, fediverse: FakeFediverse) -> None:
    carol = fediverse.add("events.example", "carol")
    blocked_us = await _receive(runtime, carol, carol.activity("Block", runtime.urls.actor))
    assert blocked_us.event == Blocked(carol.id, follower_removed=False)
    runtime.store.add_block(Block("account", carol.id, datetime.now(UTC)))  # key cached
    refused = await _receive(runtime, carol, carol.activity("Like", runtime.urls.actor))
    assert (refused.status, refused.reason, refused.event) == (403, "blocked", None)
    unsigned = await receive(
        runtime, InboxRequest("POST", "/ap/inbox", "", {"content-type": "text/plain"}, b"{}")
    )
    assert (unsigned.status, unsigned.event) == (415, None)
