"""End to end: the owner states each setting once, in site.yaml, and publish tells the function.

The function runs from environment variables alone (as on a host: no site.yaml, no build
folder), under uvicorn on loopback; remote servers of the tests' own sign real Follows and a
Move. `manually_approves_followers`, `also_known_as` and `moved_to` change only in site.yaml,
then the site is rebuilt and `site-gen publish` runs; the function acts on them from then on.
A site.yaml whose base_url is not the function's is refused by publish, and nothing is stored.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from e2e_remotes import Remote, ServerThread, bound_socket
from loopback_site import LoopbackOnly, wait_for
from site_function.app import create_app
from site_function.settings import Settings

from site_core.keys import public_key_pem
from site_core.signatures import SigningKey, sign_request
from site_gen.build.pipeline import build_site
from site_gen.cli import cli
from site_gen.cli.keys_commands import generate_site_keys
from site_gen.config import SiteConfig, load_config
from site_remote.client import make_session

REPO = Path(__file__).resolve().parents[2]
TOKEN = "e2e-owner-settings-token-0123456789"
pytestmark = pytest.mark.slow


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class World:
    config: SiteConfig
    url: str
    http: httpx.Client
    runtime: Any
    our_pem: str
    servers: list[ServerThread]

    @property
    def actor(self) -> str:
        return self.config.urls.actor

    def edit_site_yaml(self, key: str, value: str) -> None:
        """Set one top-level key of site.yaml, then rebuild (as the owner would)."""
        path = self.config.root / "site.yaml"
        text, count = re.subn(rf"(?m)^{key}:.*$", f"{key}: {value}", path.read_text())
        path.write_text(text if count else f"{text.rstrip()}\n{key}: {value}\n")
        self.config = load_config(self.config.root)
        build_site(self.config, offline=True, jobs=1)

    def cli(self, *args: str) -> Any:
        return CliRunner().invoke(
            cli,
            [*args, "--site", str(self.config.root)],
            env={"SITE_GEN_ADMIN_TOKEN": TOKEN},
            catch_exceptions=False,
        )

    def publish(self) -> Any:
        result = self.cli("publish", "--function-url", self.url, "--drain-for", "0")
        assert result.exit_code == 0, result.output
        return result

    def remote(self, kind: str) -> Remote:
        remote = Remote(kind, self.our_pem, self.config.urls.key_id, _now)
        server = ServerThread(remote.app(), remote.sock)
        server.__enter__()
        self.servers.append(server)
        return remote

    def send(self, remote: Remote, kind: str, **fields: Any) -> None:
        """A signed activity of `remote` to our inbox, with a fresh id."""
        body = json.dumps({"@context": "https://www.w3.org/ns/activitystreams",
                           "id": f"{remote.id}#{kind.lower()}-{time.monotonic_ns()}",
                           "type": kind, "actor": remote.id, **fields}).encode()  # fmt: skip
        inbox = self.config.urls.inbox
        key = SigningKey(f"{remote.id}#main-key", remote.key)
        headers = sign_request("POST", inbox, key=key, now=_now(), body=body)
        response = self.http.post(inbox, content=body, headers=headers)
        assert response.status_code == 202, response.text

    def follow(self, remote: Remote) -> None:
        self.send(remote, "Follow", object=self.actor)

    def drain(self) -> None:
        response = self.http.post(
            f"{self.url}/admin/api/deliveries/drain",
            json={"budget": 10},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert response.status_code == 200, response.text

    def state(self, remote: Remote) -> str | None:
        follower = self.runtime.store.get_follower(remote.id)
        return None if follower is None else str(follower.state)


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    for name in ("SITE_GEN_PRIVATE_KEY", "SITE_GEN_PRIVATE_KEY_FILE", "SITE_GEN_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    fn_sock = bound_socket()
    url = f"http://127.0.0.1:{fn_sock.getsockname()[1]}"
    root = tmp_path / "site"
    shutil.copytree(REPO / "content", root, ignore=shutil.ignore_patterns("public", ".site-gen"))
    site_yaml = root / "site.yaml"
    text = site_yaml.read_text().replace("http://localhost:8000", url)
    # The owner's choice, stated in site.yaml only.
    text = text.replace("manually_approves_followers: false", "manually_approves_followers: true")
    site_yaml.write_text(text)
    generate_site_keys(load_config(root), force=True)
    config = load_config(root)
    build_site(config, offline=True, jobs=1)
    assert config.manually_approves_followers
    # The function as a host runs it: its environment, which does not say it.
    settings = Settings.from_env({
        "SITE_GEN_BASE_URL": url,
        "SITE_GEN_USERNAME": config.username,
        "SITE_GEN_PRIVATE_KEY_FILE": str(config.private_key_path),
        "SITE_GEN_DATABASE_URL": f"sqlite:///{tmp_path / 'function.sqlite3'}",
        "SITE_GEN_ADMIN_TOKEN": TOKEN,
        "SITE_GEN_ALLOW_PRIVATE_ADDRESSES": "true",
    })  # fmt: skip
    app = create_app(
        settings, session_factory=lambda s: make_session(s.client, resolver=LoopbackOnly())
    )
    servers = [ServerThread(app, fn_sock)]
    servers[0].__enter__()
    try:
        with httpx.Client(timeout=20) as http:
            our_pem = public_key_pem(settings.private_key)
            yield World(config, url, http, app.state.runtime, our_pem, servers)
    finally:
        for server in reversed(servers):
            server.__exit__(None, None, None)


def test_approval_aliases_and_move_come_from_site_yaml(world: World) -> None:
    # Before the first publish the function knows nothing of the owner: it holds the Follow.
    early = world.remote("early")
    world.follow(early)
    assert world.state(early) == "pending"

    # The first publish tells it manually_approves_followers: true.
    world.publish()
    stored = world.runtime.store.get_owner_settings()
    assert stored is not None
    assert (stored.manually_approves_followers, stored.also_known_as) == (True, ())
    held = world.remote("held")
    world.follow(held)
    assert world.state(held) == "pending"
    listed = world.cli("followers", "pending", "--function-url", world.url)
    assert listed.exit_code == 0, listed.output
    assert early.id in listed.output
    assert held.id in listed.output
    world.drain()
    assert early.activities("Accept") == []
    assert held.activities("Accept") == []

    # Flipped to false in site.yaml, rebuilt, published: the next Follow is accepted at once.
    world.edit_site_yaml("manually_approves_followers", "false")
    world.publish()
    welcome = world.remote("welcome")
    world.follow(welcome)
    assert world.state(welcome) == "accepted"
    world.drain()
    wait_for(lambda: bool(welcome.activities("Accept")), "the Accept")

    # Approval again; a Move from an account site.yaml does not list changes nothing.
    world.edit_site_yaml("manually_approves_followers", "true")
    world.publish()
    old = world.remote("oldhome")
    world.send(old, "Move", object=old.id, target=world.actor)
    before_alias = world.remote("before")
    world.follow(before_alias)
    assert world.state(before_alias) == "pending"

    # Listed in also_known_as (by handle, resolved through mentions.json as an owner's build
    # resolves it) and published: the function knows the alias, and a Move from it lets
    # nobody in unseen: the followers' re-follows still wait for the owner.
    handle = "@oldhome@oldhome.test"
    (world.config.root / "mentions.json").write_text(json.dumps({handle: {"actor_id": old.id}}))
    stamp = _now().strftime("%Y-%m-%d %H:%M:%S")
    moving = world.config.posts_dir / "2026-11-22-moving-in.md"
    moving.write_text(f"---\ndate: {stamp}\n---\nMoving here from {handle}.\n")
    world.edit_site_yaml("also_known_as", json.dumps([handle]))
    built = json.loads((world.config.output_dir / "ap" / "actor").read_text())
    assert built["alsoKnownAs"] == [old.id]
    world.publish()
    stored = world.runtime.store.get_owner_settings()
    assert stored is not None
    assert (stored.manually_approves_followers, stored.also_known_as) == (True, (old.id,))
    world.send(old, "Move", object=old.id, target=world.actor)
    wave = world.remote("wave")
    world.follow(wave)
    assert world.state(wave) == "pending"

    # moved_to published: new Follows are rejected, nobody is added.
    world.edit_site_yaml("moved_to", json.dumps("https://new.example/users/alice"))
    world.publish()
    late = world.remote("late")
    world.follow(late)
    assert world.state(late) is None
    world.drain()
    wait_for(lambda: bool(late.activities("Reject")), "the Reject")
    assert late.activities("Accept") == []


def test_a_base_url_the_function_does_not_run_as_is_refused(world: World) -> None:
    world.publish()
    stored = world.runtime.store.get_owner_settings()
    ledger = world.runtime.store.list_published()
    world.edit_site_yaml("manually_approves_followers", "false")  # would change something
    world.edit_site_yaml("base_url", "https://elsewhere.example")
    result = world.cli("publish", "--function-url", world.url, "--drain-for", "0")
    assert result.exit_code != 0
    assert (
        "site.yaml has base_url https://elsewhere.example but the function runs as"
        f" {world.url} (SITE_GEN_BASE_URL)"
    ) in result.output
    assert world.runtime.store.get_owner_settings() == stored
    assert world.runtime.store.list_published() == ledger
