"""The admin page in real Chromium against the real function on 127.0.0.1.

The owner signs in, approves a follow request (the remote server receives our signed
Accept, verified), blocks a domain after reading the preview (its followers are gone and
each received a signed Reject), approves a reply, retries a failed delivery (the remote
server receives it) and signs out. Every page is screenshotted at desktop and phone sizes
(test-artifacts/admin-page/) and must not scroll sideways. Chromium is Debian's, driven by
Playwright; no browser is downloaded.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from function_harness import ADMIN_TOKEN, FakeFediverse, RemoteActor
from requirements import require
from site_function.store import Follower, Interaction, NewDelivery

from site_core.keys import load_public_key, public_key_pem
from site_core.signatures import VerifiedSignature, verify_request

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "admin-page"
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

pytestmark = [pytest.mark.chromium, pytest.mark.slow]


@pytest.fixture
def browser() -> Any:
    require(CHROMIUM.exists(), f"headless Chromium is not installed at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield launched
        finally:
            launched.close()


def _follow(store: Any, actor: RemoteActor, state: str) -> None:
    follow = {
        "id": f"{actor.id}#follow",
        "type": "Follow",
        "actor": actor.id,
        "object": "https://alice.example/ap/actor",
    }
    store.save_follower(
        Follower(actor.id, follow["id"], actor.inbox, None, state, follow, NOW, NOW)
    )


def _signed_by_us(actor: RemoteActor, kind: str, our_key: Any) -> dict[str, Any]:
    """The one activity of `kind` the actor received, its signature verified."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = [r for r in actor.received if r.json.get("type") == kind]
        if found:
            break
        time.sleep(0.05)
    assert len(found) == 1, f"{actor.id} received {[r.json.get('type') for r in actor.received]}"
    received = found[0]
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
    return received.json


def _check_sizes(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(ARTIFACTS / f"{name}-{size}.png"), full_page=True)
        overflow = page.evaluate("document.scrollingElement.scrollWidth - innerWidth")
        assert overflow <= 0, f"{name} at {size} scrolls sideways by {overflow}px"
    page.set_viewport_size({"width": 1280, "height": 800})


def _seed(fn: Any, fediverse: FakeFediverse) -> dict[str, RemoteActor]:
    actors = {
        "pending": fediverse.add("mastodon.test", "carol"),
        "gts1": fediverse.add("gts.test", "dan", "gotosocial"),
        "gts2": fediverse.add("gts.test", "erin", "gotosocial"),
        "failed": fediverse.add("mastodon.test", "frank"),
        "replier": fediverse.add("mastodon.test", "gus"),
    }
    _follow(fn.store, actors["pending"], "pending")
    _follow(fn.store, actors["gts1"], "accepted")
    _follow(fn.store, actors["gts2"], "accepted")
    reply = {
        "id": f"{actors['replier'].id}/notes/1",
        "type": "Note",
        "content": "<p>Lovely <b>garden</b></p>",
        "attributedTo": actors["replier"].id,
    }
    fn.store.save_interaction(
        Interaction(
            reply["id"],
            "reply",
            actors["replier"].id,
            "https://alice.example/ap/posts/spring",
            reply,
            "pending",
            NOW,
            NOW,
        )
    )
    body = b'{"id": "https://alice.example/ap/posts/x#update", "type": "Update"}'
    fn.store.enqueue(
        [NewDelivery("https://alice.example/ap/posts/x#update", actors["failed"].inbox, body)], NOW
    )
    (row,) = fn.store.list_deliveries("queued")
    fn.store.mark_failed(row.id, 500, "HTTP 500 from mastodon.test", NOW)
    return actors


def test_the_owner_runs_the_site_from_the_admin_page(
    browser: Any, make_function: Any, fediverse: FakeFediverse, our_key: Any
) -> None:
    """long: one owner's session, page after page, as a person would click through it."""
    fn = make_function()
    actors = _seed(fn, fediverse)
    page = browser.new_page(viewport={"width": 1280, "height": 800}, java_script_enabled=False)
    page.goto(f"{fn.url}/admin/")
    _check_sizes(page, "sign-in")
    page.fill("#credential", ADMIN_TOKEN)
    page.click("button:has-text('Sign in')")
    assert page.locator("h1").inner_text() == "Overview"
    _check_sizes(page, "overview")

    page.goto(f"{fn.url}/admin/followers?state=pending")
    _check_sizes(page, "follow-requests")
    page.click("button:has-text('Approve')")
    assert "Follow request approved" in page.inner_text("main")
    accept = _signed_by_us(actors["pending"], "Accept", our_key)
    assert accept["object"]["id"] == f"{actors['pending'].id}#follow"
    assert fn.store.get_follower(actors["pending"].id).state == "accepted"
    page.goto(f"{fn.url}/admin/followers")
    _check_sizes(page, "followers")

    page.goto(f"{fn.url}/admin/blocks")
    _check_sizes(page, "blocks")
    page.fill("#target", "gts.test")
    page.click("button:has-text('Preview')")
    effect = page.inner_text("#effect")
    assert "Blocking gts.test removes 2 followers" in effect
    assert fn.store.get_follower(actors["gts1"].id) is not None  # a preview changes nothing
    _check_sizes(page, "block-preview")
    page.click("button:has-text('Block gts.test')")
    assert "Blocked." in page.inner_text("main")
    for name in ("gts1", "gts2"):
        assert fn.store.get_follower(actors[name].id) is None
        assert _signed_by_us(actors[name], "Reject", our_key)["object"]["actor"] == actors[name].id

    page.goto(f"{fn.url}/admin/conversation")
    assert "Lovely garden" in page.inner_text("main")
    _check_sizes(page, "conversation")
    page.click("button:has-text('Approve')")
    assert "Decision saved" in page.inner_text("main")
    reply_id = f"{actors['replier'].id}/notes/1"
    assert fn.store.get_interaction(reply_id).state == "approved"

    page.goto(f"{fn.url}/admin/deliveries")
    assert "HTTP 500 from mastodon.test" in page.inner_text("main")
    _check_sizes(page, "deliveries")
    page.click("button:has-text('Retry every failed delivery')")
    assert "back in the queue" in page.inner_text("main")
    assert _signed_by_us(actors["failed"], "Update", our_key)["type"] == "Update"

    page.goto(f"{fn.url}/admin/profile")
    _check_sizes(page, "profile")

    page.click("button:has-text('Sign out')")
    assert "Signed out." in page.inner_text("main")
    page.goto(f"{fn.url}/admin/followers")
    assert page.locator("#credential").count() == 1  # back at the sign-in form
