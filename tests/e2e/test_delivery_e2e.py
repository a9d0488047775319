"""End to end on loopback: the sample site, the function, and four remote servers.

Follow -> Accept; publish (first: nothing old); a new post -> exactly one signed Create per
server; the flaky server gets it after recovering; the 410 follower is dropped; an edit with
an `updated` date -> one Update; a deletion -> one Delete and a 410 Tombstone; a second
publish sends nothing; move -> every follower receives a valid Move.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from e2e_remotes import Remote, ServerThread, bound_socket
from loopback_site import LoopbackOnly, ShiftedClock, wait_for
from loopback_site import make_sample_site as make_site
from site_function.app import create_app

from site_core.keys import public_key_pem
from site_gen.build.pipeline import build_site
from site_gen.cli import cli
from site_gen.config import SiteConfig, load_config
from site_gen.serve.function_settings import settings_from_site
from site_remote.client import make_session

REPO = Path(__file__).resolve().parents[2]
TOKEN = "e2e-admin-token-0123456789"
pytestmark = pytest.mark.slow


@dataclass
class World:
    config: SiteConfig
    url: str
    clock: ShiftedClock
    remotes: dict[str, Remote]
    http: httpx.Client
    runtime: Any

    def admin(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        return self.http.request(method, f"{self.url}/admin/api{path}", headers=headers, **kw)

    def drain(self) -> dict[str, Any]:
        response = self.admin("POST", "/deliveries/drain", json={"budget": 10})
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def cli(self, *args: str) -> Any:
        result = CliRunner().invoke(
            cli,
            [*args, "--site", str(self.config.root)],
            env={"SITE_GEN_ADMIN_TOKEN": TOKEN},
            catch_exceptions=False,
        )
        return result

    def publish(self) -> str:
        result = self.cli("publish", "--function-url", self.url, "--drain-for", "0")
        assert result.exit_code == 0, result.output
        return str(result.output)

    def rebuild(self) -> None:
        self.config = load_config(self.config.root)
        build_site(self.config, offline=True, jobs=1)


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    for name in ("SITE_GEN_PRIVATE_KEY", "SITE_GEN_PRIVATE_KEY_FILE", "SITE_GEN_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    fn_sock = bound_socket()
    url = f"http://127.0.0.1:{fn_sock.getsockname()[1]}"
    config = make_site(tmp_path / "site", url)
    clock = ShiftedClock()
    settings = settings_from_site(
        config,
        {"SITE_GEN_ADMIN_TOKEN": TOKEN},
        database_url=f"sqlite:///{tmp_path / 'state.sqlite3'}",
        allow_private_addresses=True,
    )
    app = create_app(
        settings,
        session_factory=lambda s: make_session(s.client, resolver=LoopbackOnly()),
        clock=clock,
    )
    our_pem = public_key_pem(settings.private_key)
    remotes = {
        kind: Remote(kind, our_pem, config.urls.key_id, clock)
        for kind in ("mastodon", "gotosocial", "flaky", "gone")
    }
    servers = [ServerThread(r.app(), r.sock) for r in remotes.values()]
    servers.append(ServerThread(app, fn_sock))
    for server in servers:
        server.__enter__()
    try:
        with httpx.Client(timeout=20) as http:
            yield World(config, url, clock, remotes, http, app.state.runtime)
    finally:
        for server in reversed(servers):
            server.__exit__(None, None, None)


def test_publish_edit_delete_and_move(world: World) -> None:
    urls = world.config.urls
    mastodon, gts, flaky, gone = (
        world.remotes[k] for k in ("mastodon", "gotosocial", "flaky", "gone")
    )

    # --- each server follows, and is accepted --------------------------------------------
    for remote in world.remotes.values():
        body, headers = remote.follow(urls.actor, urls.inbox)
        response = world.http.post(urls.inbox, content=body, headers=headers)
        assert response.status_code == 202, response.text
    for remote in world.remotes.values():
        wait_for(lambda r=remote: bool(r.activities("Accept")), f"Accept at {remote.kind}")

    # --- first publish: every existing post recorded as sent, nothing delivered -----------
    assert "First publish" in world.publish()
    assert "Nothing to send" in world.publish()

    # --- a new post: one signed Create per server; 410 drops; flaky gets it later --------
    flaky.fail_first, gone.gone = 2, True
    post = world.config.posts_dir / "2026-11-22-e2e-news.md"
    stamp = world.clock().strftime("%Y-%m-%d %H:%M:%S")
    post.write_text(f"---\ndate: {stamp}\ntags: [e2e]\n---\nFresh news from the e2e test.\n")
    world.rebuild()
    dry = world.cli("publish", "--dry-run", "--function-url", world.url)
    assert dry.exit_code == 0, dry.output
    assert "Create (create) e2e-news" in dry.output
    assert "4 followers" in dry.output
    assert "Fresh news from the e2e test." in dry.output
    assert mastodon.activities("Create") == []  # a dry run sends nothing
    assert "Queued 4 deliveries" in world.publish()
    world.drain()
    create_id = urls.activity("create-e2e-news")
    for remote in (mastodon, gts):
        assert remote.raw_ids.count(create_id) == 1, remote.kind
        [create] = remote.activities("Create")
        assert create["object"]["id"] == urls.post_object("e2e-news")
        assert create["object"]["content"].count("Fresh news") == 1
        assert remote.refused == []
    # The shared inbox where a server has one; the personal inbox on GoToSocial.
    assert [d.path for d in mastodon.received if d.activity["type"] == "Create"] == ["/inbox"]
    assert [d.path for d in gts.received if d.activity["type"] == "Create"] == [
        "/users/gotosocial/inbox"
    ]
    assert flaky.activities("Create") == []
    followers = world.admin("GET", "/followers").json()
    listed = str(followers)
    assert gone.id not in listed
    assert mastodon.id in listed
    for _ in range(8):  # backoff: about 1, 2, 4 minutes
        if flaky.activities("Create"):
            break
        world.clock.offset += timedelta(minutes=10)
        world.drain()
    assert flaky.raw_ids.count(create_id) == 1
    assert flaky.refused == []

    # --- an edit with an `updated` date: one Update ----------------------------------------
    # The real time: the shifted clock runs ahead, and publish refuses a future `updated`.
    time.sleep(1)
    edited = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    post.write_text(
        f"---\ndate: {stamp}\nupdated: {edited}\ntags: [e2e]\n---\nFresh news, corrected.\n"
    )
    world.rebuild()
    assert "Queued 3 deliveries" in world.publish()
    world.drain()
    for remote in (mastodon, gts, flaky):
        [update] = remote.activities("Update")
        assert update["object"]["content"].count("corrected") == 1
        assert remote.raw_ids.count(update["id"]) == 1

    # --- deletion: one Delete, and the object URL answers 410 with a Tombstone -----------
    post.unlink()
    world.rebuild()
    assert "Queued 3 deliveries" in world.publish()
    world.drain()
    for remote in (mastodon, gts, flaky):
        [delete] = remote.activities("Delete")
        assert delete["object"] == {"id": urls.post_object("e2e-news"), "type": "Tombstone"}
    tomb = world.http.get(
        urls.post_object("e2e-news"), headers={"Accept": "application/activity+json"}
    )
    assert tomb.status_code == 410
    assert tomb.json()["type"] == "Tombstone"
    before = {r.kind: r.posts for r in world.remotes.values()}
    assert "Nothing to send" in world.publish()
    world.drain()
    assert {r.kind: r.posts for r in world.remotes.values()} == before  # nothing twice

    status = world.cli("deliveries", "status", "--function-url", world.url)
    assert status.exit_code == 0
    assert "failed 1" in status.output

    # --- move away: refused without alsoKnownAs, then a Move to every follower ----------
    new_home = Remote("newhome", mastodon.our_key_pem, urls.key_id, world.clock)
    with ServerThread(new_home.app(), new_home.sock):
        handle = f"@newhome@{new_home.host()}"
        refused = world.cli(
            "move", "--to", handle, "--webfinger-scheme", "http", "--allow-private-addresses",
            "--function-url", world.url,
        )  # fmt: skip
        assert refused.exit_code != 0
        assert "alsoKnownAs" in refused.output
        new_home.also_known_as = [urls.actor]
        moved = world.cli(
            "move", "--to", handle, "--webfinger-scheme", "http", "--allow-private-addresses",
            "--function-url", world.url,
        )  # fmt: skip
        assert moved.exit_code == 0, moved.output
        assert "Queued a Move to 3" in moved.output
    assert f'moved_to: "{handle}"' in (world.config.root / "site.yaml").read_text()
    world.drain()
    for remote in (mastodon, gts, flaky):
        [move] = remote.activities("Move")
        assert move["actor"] == move["object"] == urls.actor
        assert move["target"] == new_home.id
        assert remote.refused == []
