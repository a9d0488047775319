"""A built site, remote servers of the test's own on loopback, and the real function started
on one store after another at the same address (a site moving between databases).

The site's base URL is a loopback port the functions take in turn, so the inbox the remotes
know stays valid across the move. The remotes (`e2e_remotes.Remote`) verify our signatures and
count what they accept by activity id; they share the test's clock with the function.
"""

from __future__ import annotations

import socket
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from click.testing import CliRunner
from e2e.e2e_remotes import Remote, ServerThread
from loopback_site import LoopbackOnly, ShiftedClock, make_sample_site
from site_function.app import create_app

from site_core.keys import public_key_pem
from site_gen.cli import cli
from site_gen.config import SiteConfig
from site_gen.federation.key_files import private_key_from_environment
from site_gen.serve.function_settings import settings_from_site
from site_remote.client import make_session

REPO = Path(__file__).resolve().parents[2]
TOKEN = "moving-site-admin-token-0123456789"


def socket_on(port: int) -> socket.socket:
    """A loopback socket bound to ``port`` (0: any), reusable at once after a server left it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


def make_site(root: Path) -> SiteConfig:
    """The sample site, built, with a key of its own and a base URL on a free loopback port."""
    probe = socket_on(0)
    base_url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    probe.close()  # the functions bind it, one after the other
    return make_sample_site(root, base_url)


@dataclass
class MovingSite:
    """The site, its remotes (and their servers) and the clock they share."""

    config: SiteConfig
    clock: ShiftedClock
    remotes: dict[str, Remote]
    servers: dict[str, ServerThread]
    http: httpx.Client

    def cli(self, *args: str) -> str:
        """Run site-gen on the site; its output (a failure fails the test)."""
        env = {"SITE_GEN_ADMIN_TOKEN": TOKEN, "SITE_GEN_DATABASE_URL": "",
               "SITE_GEN_PRIVATE_KEY": "", "SITE_GEN_PRIVATE_KEY_FILE": ""}  # fmt: skip
        result = CliRunner().invoke(cli, [*args, "--site", str(self.config.root)], env=env)
        assert result.exit_code == 0, result.output
        return result.output

    @contextmanager
    def function(self, database_url: str) -> Iterator[str]:
        """The real function at the site's base URL over ``database_url``; yields its URL."""
        env = {"SITE_GEN_ADMIN_TOKEN": TOKEN}
        settings = settings_from_site(
            self.config, env, database_url=database_url, allow_private_addresses=True
        )
        app = create_app(
            settings,
            session_factory=lambda s: make_session(s.client, resolver=LoopbackOnly()),
            clock=self.clock,
        )
        port = httpx.URL(self.config.base_url).port
        assert port is not None
        with ServerThread(app, socket_on(port)) as server:
            yield server.url

    def drain(self, url: str) -> None:
        response = self.http.post(f"{url}/admin/api/deliveries/drain", json={"budget": 10},
                                  headers={"Authorization": f"Bearer {TOKEN}"})  # fmt: skip
        assert response.status_code == 200, response.text

    def publish(self, url: str) -> str:
        return self.cli("publish", "--function-url", url, "--drain-for", "0")

    def received(self) -> dict[str, Counter[str]]:
        """What each remote accepted, counted by activity id."""
        return {kind: Counter(remote.raw_ids) for kind, remote in self.remotes.items()}

    def restart(self, kind: str) -> ServerThread:
        """A server for the remote ``kind`` again, at its old address (not started yet)."""
        remote = self.remotes[kind]
        remote.sock = socket_on(remote.port)
        self.servers[kind] = ServerThread(remote.app(), remote.sock)
        return self.servers[kind]


@contextmanager
def moving_site(root: Path, kinds: tuple[str, ...]) -> Iterator[MovingSite]:
    """The built site and one running remote per kind (stopped at the end)."""
    config = make_site(root)
    clock = ShiftedClock()
    our_pem = public_key_pem(private_key_from_environment({}, config.private_key_path))
    remotes = {kind: Remote(kind, our_pem, config.urls.key_id, clock) for kind in kinds}
    servers = {kind: ServerThread(remote.app(), remote.sock) for kind, remote in remotes.items()}
    for server in servers.values():
        server.__enter__()
    try:
        with httpx.Client(timeout=20) as http:
            yield MovingSite(config, clock, remotes, servers, http)
    finally:
        for server in servers.values():
            if server.thread.is_alive():
                server.__exit__(None, None, None)
