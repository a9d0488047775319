"""End to end on loopback: once blocked, an account gets neither the edit nor the Delete.

The function runs as a real server with the loopback remote servers of `test_delivery_e2e`.
Each follows; a new post reaches all of them. The owner then blocks the GoToSocial account
(a personal inbox) and the Mastodon one (the only account behind its server's shared inbox):
the edit and the deletion of that post still reach the others, never the blocked two.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from test_delivery_e2e import World, wait_for, world

__all__ = ["world"]  # the fixture, shared with test_delivery_e2e
pytestmark = pytest.mark.slow


def test_a_blocked_account_gets_no_update_and_no_delete(world: World) -> None:
    urls = world.config.urls
    mastodon, gts, flaky = (world.remotes[k] for k in ("mastodon", "gotosocial", "flaky"))
    for remote in (mastodon, gts, flaky):
        body, headers = remote.follow(urls.actor, urls.inbox)
        response = world.http.post(urls.inbox, content=body, headers=headers)
        assert response.status_code == 202, response.text
        wait_for(lambda r=remote: bool(r.activities("Accept")), f"Accept at {remote.kind}")
    assert "First publish" in world.publish()

    post = world.config.posts_dir / "2026-11-22-e2e-blocked.md"
    stamp = world.clock().strftime("%Y-%m-%d %H:%M:%S")
    post.write_text(f"---\ndate: {stamp}\n---\nBefore the block.\n")
    world.rebuild()
    assert "Queued 3 deliveries" in world.publish()
    world.drain()
    for remote in (mastodon, gts, flaky):
        assert len(remote.activities("Create")) == 1, remote.kind

    for remote in (gts, mastodon):
        blocked = world.cli("blocks", "add", remote.id, "--yes", "--function-url", world.url)
        assert blocked.exit_code == 0, blocked.output
        assert f"removed follower {remote.id}" in blocked.output
    world.drain()  # the Rejects

    time.sleep(1)  # `updated` after `date`, and not in the future
    edited = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    post.write_text(f"---\ndate: {stamp}\nupdated: {edited}\n---\nAfter the block.\n")
    world.rebuild()
    dry = world.cli("publish", "--dry-run", "--function-url", world.url)
    assert dry.exit_code == 0, dry.output
    assert f"- skipped, blocked: {gts.id}" in dry.output
    assert f"- skipped, blocked: {mastodon.id}" in dry.output
    assert "Queued 1 delivery" in world.publish()
    world.drain()
    [update] = flaky.activities("Update")
    assert "After the block." in update["object"]["content"]
    for remote in (mastodon, gts):
        assert remote.activities("Update") == [], remote.kind
        assert not any("After the block" in str(d.activity) for d in remote.received)

    post.unlink()
    world.rebuild()
    assert "Queued 1 delivery" in world.publish()
    world.drain()
    assert len(flaky.activities("Delete")) == 1
    assert mastodon.activities("Delete") == gts.activities("Delete") == []
