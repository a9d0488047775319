"""After a move from SQLite to PostgreSQL, the function sends nothing old and drains the
half-drained queue to the same receivers exactly once.

Before the move, three remote servers of the test's own (loopback ports) follow the site on a
function over SQLite; the first publish records the sample posts; two new posts are queued to
every follower and drained while one receiver is down (its rows stay queued, retrying). The
function stops; `site-gen state export` writes the SQLite store to an archive and
`site-gen state import` loads it into an empty PostgreSQL schema. A new function on the
PostgreSQL store, with the same key and address: publishing the same build sends nothing (the
ledger came along); the receiver that was down is up again and gets each pending activity
once; the others get nothing again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from loopback_site import wait_for
from moving_site import MovingSite, moving_site
from site_function.store import open_store

from site_gen.build.pipeline import build_site
from site_gen.config import load_config

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
KINDS = ("mastodon", "gotosocial", "down")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MovingSite]:
    for name in ("SITE_GEN_PRIVATE_KEY", "SITE_GEN_PRIVATE_KEY_FILE", "SITE_GEN_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    with moving_site(tmp_path / "site", KINDS) as moving:
        yield moving


def _follow_all(site: MovingSite) -> None:
    urls = site.config.urls
    for remote in site.remotes.values():
        body, headers = remote.follow(urls.actor, urls.inbox)
        response = site.http.post(urls.inbox, content=body, headers=headers)
        assert response.status_code == 202, response.text
    remotes = list(site.remotes.values())
    wait_for(lambda: all(remote.activities("Accept") for remote in remotes), "the Accepts")


def _two_new_posts(site: MovingSite) -> list[str]:
    """Two posts added and built; the ids of the Creates a publish sends for them."""
    stamp = (site.clock() - timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M:%S")
    slugs = ["after-move-one", "after-move-two"]
    for slug in slugs:
        post = site.config.posts_dir / f"2026-11-22-{slug}.md"
        post.write_text(f"---\ndate: {stamp}\n---\nNews from before the move: {slug}.\n")
    site.config = load_config(site.config.root)
    build_site(site.config, offline=True, jobs=1)
    return [site.config.urls.activity(f"create-{slug}") for slug in slugs]


def _drain_until(condition: Callable[[], bool], site: MovingSite, url: str) -> None:
    """Drain, moving the clock past each retry backoff, until ``condition`` (bounded)."""
    for _ in range(8):
        site.drain(url)
        if condition():
            return
        site.clock.offset += timedelta(minutes=30)
    raise AssertionError("the queue did not drain")


def _queued(database_url: str) -> int:
    store = open_store(database_url)
    try:
        return store.delivery_summary().counts["queued"]
    finally:
        store.close()


def test_after_the_move_nothing_old_is_sent_and_the_queue_drains_once(
    site: MovingSite, tmp_path: Path, postgres_url: Callable[[], str]
) -> None:
    sqlite, postgres = f"sqlite:///{tmp_path / 'before.sqlite3'}", postgres_url()
    down = site.remotes["down"]
    with site.function(sqlite) as url:
        _follow_all(site)
        assert "First publish" in site.publish(url)
        site.servers["down"].__exit__(None, None, None)  # the receiver goes down
        creates = _two_new_posts(site)
        assert "Queued 6 deliveries" in site.publish(url)
        site.drain(url)
    before = site.received()
    for kind in ("mastodon", "gotosocial"):
        assert [before[kind][create] for create in creates] == [1, 1], kind
    assert [before["down"][create] for create in creates] == [0, 0]
    assert _queued(sqlite) == 2  # half drained: the down receiver's rows wait for a retry

    archive = str(tmp_path / "moved.tar")
    site.cli("state", "export", "-o", archive, "--database", sqlite)
    assert "imported" in site.cli("state", "import", archive, "--database", postgres)

    with site.restart("down"), site.function(postgres) as url:
        assert "Nothing to send" in site.publish(url)
        _drain_until(lambda: all(down.raw_ids.count(c) for c in creates), site, url)
        site.drain(url)  # once more: nothing is left for anyone
    after = site.received()
    assert {kind: after[kind] - before[kind] for kind in KINDS} == {
        "mastodon": Counter(),
        "gotosocial": Counter(),
        "down": Counter(dict.fromkeys(creates, 1)),
    }
    assert _queued(postgres) == 0
    assert all(remote.refused == [] for remote in site.remotes.values())
