"""A `site-gen deliveries drain` killed with SIGKILL half way, then run again.

The receiver answers each POST after a short pause. After the second drain: every row
reached the receiver (nothing lost); no row whose outcome the killed drain had recorded was
sent again (nothing twice); and the only repeats are rows in the in-flight window at the kill
(sent, maybe answered, not yet recorded: at most the concurrency plus one flush batch), as
`site_function.delivery.engine` documents. Receivers deduplicate those by activity id.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from e2e_remotes import ServerThread, bound_socket
from site_function.store import NewDelivery, open_store
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from site_gen.cli.keys_commands import generate_site_keys
from site_gen.config import load_config

pytestmark = pytest.mark.slow
ROWS = 400
HOSTS = 4
SITE_GEN = str(Path(sys.executable).with_name("site-gen"))


class SlowInbox:
    def __init__(self) -> None:
        self.raw: list[str] = []
        self.accepted: list[str] = []
        self.orphans: list[str] = []

    async def handle(self, request: Request) -> Response:
        await request.body()
        self.raw.append(request.url.path)
        await asyncio.sleep(0.1)
        if await request.is_disconnected():
            self.orphans.append(request.url.path)
        else:
            self.accepted.append(request.url.path)
        return Response(status_code=202)


def _drain(site: Path, database: str) -> subprocess.Popen[bytes]:
    command = [
        SITE_GEN, "deliveries", "drain", "--site", str(site), "--database", database,
        "--allow-private-addresses", "--budget", "60", "--lease", "3",
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITE_GEN_")}
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_killed_drain_loses_nothing_and_repeats_nothing(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "site.yaml").write_text(
        "base_url: http://localhost:8000\nusername: alice\ndisplay_name: Alice\n"
    )
    generate_site_keys(load_config(site))
    database = f"sqlite:///{tmp_path / 'state.sqlite3'}"
    inbox = SlowInbox()
    # Four receiving hosts (ports), so the per-host limit (8) is not the only bound.
    socks = [bound_socket() for _ in range(HOSTS)]
    bases = [f"http://127.0.0.1:{sock.getsockname()[1]}" for sock in socks]
    store = open_store(database)
    body = b'{"id":"https://site.test/ap/activities/create-x","type":"Create"}'
    store.enqueue(
        [NewDelivery("create-x", f"{bases[i % HOSTS]}/inbox/{i}", body) for i in range(ROWS)],
        datetime.now(UTC),
    )
    app = Starlette(routes=[Route("/inbox/{n}", inbox.handle, methods=["POST"])])
    try:
        with contextlib.ExitStack() as servers:
            for sock in socks:
                servers.enter_context(ServerThread(app, sock))
            first = _drain(site, database)
            deadline = time.monotonic() + 30
            while store.delivery_summary().counts["done"] < ROWS // 3:
                assert time.monotonic() < deadline
                assert first.poll() is None
                time.sleep(0.01)
            first.send_signal(signal.SIGKILL)
            first.communicate(timeout=10)
            time.sleep(3.5)  # the killed drain's leases run out; its last POSTs land
            raw_at_kill = len(inbox.raw)
            recorded = {
                "/inbox/" + row.inbox.rsplit("/", 1)[1]
                for row in store.list_deliveries("done", limit=ROWS)
            }
            assert 0 < len(recorded) < ROWS
            second = _drain(site, database)
            output, _ = second.communicate(timeout=60)
            assert second.returncode == 0, output.decode()
            time.sleep(0.3)  # the last answers reach the receiver's lists
    finally:
        counts = store.delivery_summary().counts
        store.close()
    every = {f"/inbox/{i}" for i in range(ROWS)}
    assert counts["done"] == ROWS
    assert counts["queued"] == 0
    assert set(inbox.raw) == every
    assert set(inbox.accepted) == every
    second = inbox.raw[raw_at_kill:]
    assert not recorded & set(second)  # nothing recorded is ever sent again
    assert len(second) == len(set(second)) == ROWS - len(recorded)
    repeats = len(inbox.raw) - ROWS
    assert repeats <= 64 + 64  # the in-flight window: concurrency + one flush batch
    print(f"killed with {len(recorded)} recorded; {repeats} in-flight POSTs were repeated")
