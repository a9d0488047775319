"""Vercel: our `api/index.py` served by Vercel's own Python bridge, as a deployed function is.

Two pieces of Vercel's, installed by scripts/setup into vercel_python/: the builder
(`@vercel/python`, npm), which reads the entry file at build time to find the variable to
serve (`findAppOrHandler` of `@vercel/python-analysis`) and pins the bridge it puts in the
function; and that bridge, `vercel_runtime.vc_init` (PyPI `vercel-runtime`, Python >= 3.12,
in a venv of its own with the function installed editable). The function's trampoline sets
`__VC_HANDLER_*` variables and imports the bridge. With `VERCEL_IPC_PATH` set, the bridge
connects to that Unix socket, imports the entry file by path, serves the app with its own
uvicorn on 127.0.0.1, port 0, and announces the port (`server-started`). Each invocation is
plain HTTP to that port with `x-vercel-internal-*` headers; the bridge reports
`handler-started`, then `end` once the app's call has returned: after `end` the platform may
freeze the instance, so the follower must have our Accept by then. The IPC listener is the
tests' own, in the place of Vercel's.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from entrypoint_harness import (
    BuiltSite,
    assert_accepts,
    process_environment,
    signed_follow,
    site_environment,
    verified_accept,
    wait_until,
)
from function_harness import FakeFediverse
from requirements import require

BRIDGE = Path(__file__).with_name("vercel_python")
BUILDER = BRIDGE / "node_modules" / "@vercel" / "python"
BRIDGE_PYTHON = BRIDGE / ".venv" / "bin" / "python"
FIX = "run scripts/setup --system (npm and a Python >= 3.12 needed)"
API_INDEX = "from site_function.entrypoints.vercel import app\n"  # README's api/index.py
ENTRYPOINT = "api/index.py"
MODULE = "api.index"  # the builder's entrypointToModule: the path, dotted, without .py
WAIT = 30.0  # seconds: a cold start, or one invocation, never takes this long

# The builder's own detection, run on our file (it is what sets __VC_HANDLER_VARIABLE_NAME).
DETECT = """
const {findAppOrHandler} = require("@vercel/python-analysis");
Promise.resolve(findAppOrHandler(require("fs").readFileSync(process.argv[1], "utf8")))
  .then((name) => console.log(JSON.stringify(name ?? null)));
"""


@dataclass
class Ipc:
    """The platform's end of the bridge's IPC socket: messages kept in order, and what
    `observe` saw when each `end` arrived."""

    path: Path
    observe: Callable[[], Any] = lambda: None
    messages: list[dict[str, Any]] = field(default_factory=list)
    at_end: dict[str, Any] = field(default_factory=dict)

    def serve(self, listener: socket.socket) -> None:
        connection, _ = listener.accept()
        buffer = b""
        with connection:
            while chunk := connection.recv(65536):
                buffer += chunk
                *frames, buffer = buffer.split(b"\0")  # NUL-terminated JSON messages
                for frame in frames:
                    message = json.loads(frame)
                    if message["type"] == "end":
                        invocation = message["payload"]["context"]["invocationId"]
                        self.at_end[invocation] = self.observe()
                    self.messages.append(message)

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in list(self.messages) if m["type"] == kind]


@dataclass
class Bridge:
    """The bridge process, its IPC and its HTTP port."""

    ipc: Ipc
    process: subprocess.Popen[bytes]
    log: Path
    port: int = 0
    invocations: int = 0

    def invoke(self, method: str, path: str, **kwargs: Any) -> tuple[httpx.Response, Any]:
        """One invocation as the platform sends it; its answer and what `observe` saw at its
        `end`."""
        self.invocations += 1
        invocation = f"inv-{self.invocations}"
        headers = {
            "x-vercel-internal-invocation-id": invocation,
            "x-vercel-internal-request-id": str(self.invocations),
            **kwargs.pop("headers", {}),
        }
        url = f"http://127.0.0.1:{self.port}{path}"
        answer = httpx.request(method, url, headers=headers, timeout=WAIT, **kwargs)
        assert wait_until(lambda: invocation in self.ipc.at_end, WAIT), self.output()
        return answer, self.ipc.at_end[invocation]

    def output(self) -> str:
        return f"{self.log.read_text(errors='replace')}\nIPC: {self.ipc.messages}"


def _builder_detects(entry: Path) -> str:
    """The variable @vercel/python's build finds in `entry`."""
    node = shutil.which("node")
    require(node, "Node.js is not installed", FIX)
    assert node is not None
    found = subprocess.run(
        [node, "-e", DETECT, str(entry)], cwd=BRIDGE, capture_output=True, timeout=WAIT
    )
    assert found.returncode == 0, found.stderr.decode()
    return str(json.loads(found.stdout))


def _pinned_bridge_version() -> str:
    """The vercel-runtime version @vercel/python installs into the functions it builds."""
    source = (BUILDER / "dist" / "index.js").read_text()
    match = re.search(r'VERCEL_RUNTIME_VERSION = "([^"]+)"', source)
    assert match, "@vercel/python no longer names its bridge version this way"
    return match.group(1)


@pytest.fixture
def bridge(tmp_path: Path, built_site: BuiltSite) -> Iterator[Bridge]:
    """The bridge serving our api/index.py, configured by variables only, after its
    `server-started`; killed at the end."""
    require(BUILDER.is_dir(), "@vercel/python is not installed", FIX)
    require(BRIDGE_PYTHON.exists(), "Vercel's Python bridge is not installed", FIX)
    installed = subprocess.run(
        [BRIDGE_PYTHON, "-c", "import importlib.metadata as m; print(m.version('vercel-runtime'))"],
        capture_output=True, text=True, timeout=WAIT, check=True,
    )  # fmt: skip
    # The bridge tested is the one the pinned builder ships (else rerun scripts/setup).
    assert installed.stdout.strip() == _pinned_bridge_version()

    project = tmp_path / "project"  # /var/task: the entry file beside the bundled packages
    entry = project / ENTRYPOINT
    entry.parent.mkdir(parents=True)
    entry.write_text(API_INDEX)
    variable = _builder_detects(entry)
    assert variable == "app"

    # A short path: a Unix socket's path is limited to about 100 bytes.
    with tempfile.TemporaryDirectory(prefix="vc-ipc-") as folder:
        ipc = Ipc(Path(folder) / "ipc.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(ipc.path))
        listener.listen(1)
        listener.settimeout(WAIT)
        reader = threading.Thread(target=ipc.serve, args=(listener,), daemon=True)
        reader.start()
        env = process_environment({
            **site_environment(built_site, tmp_path),
            "VERCEL_IPC_PATH": str(ipc.path),
            "__VC_HANDLER_ENTRYPOINT": ENTRYPOINT,
            "__VC_HANDLER_ENTRYPOINT_ABS": str(entry),
            "__VC_HANDLER_MODULE_NAME": MODULE,
            "__VC_HANDLER_VARIABLE_NAME": variable,
        })  # fmt: skip
        log = tmp_path / "bridge.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [BRIDGE_PYTHON, "-c", "import vercel_runtime.vc_init"],
                env=env, cwd=project, stdout=sink, stderr=subprocess.STDOUT,
            )  # fmt: skip
        started = Bridge(ipc, process, log)
        try:
            assert wait_until(
                lambda: bool(ipc.of_type("server-started")) or process.poll() is not None, WAIT
            ), started.output()
            [announced] = ipc.of_type("server-started")
            started.port = announced["payload"]["httpPort"]
            yield started
        finally:
            process.kill()  # it serves for ever
            process.wait(timeout=WAIT)
            reader.join(timeout=WAIT)
            listener.close()


def test_webfinger_and_the_actor_answer_200_with_their_types(bridge: Bridge) -> None:
    webfinger, _ = bridge.invoke(
        "GET", "/.well-known/webfinger", params={"resource": "acct:alice@localhost:8000"}
    )
    assert webfinger.status_code == 200, bridge.output()
    assert webfinger.headers["content-type"].startswith("application/jrd+json")
    assert webfinger.json()["subject"] == "acct:alice@localhost:8000"

    actor, _ = bridge.invoke("GET", "/ap/actor")
    assert actor.status_code == 200, bridge.output()
    assert actor.headers["content-type"].startswith("application/activity+json")
    assert actor.json()["id"] == "http://localhost:8000/ap/actor"


def test_a_follow_is_accepted_before_the_invocation_ends_and_warm_invocations_share_a_process(
    bridge: Bridge, fediverse: FakeFediverse, built_site: BuiltSite
) -> None:
    bob = fediverse.add("127.0.0.1", "bob_vercel_bridge")
    carol = fediverse.add("127.0.0.1", "carol_vercel_bridge")
    # What the followers had received when the bridge reported the invocation's end: after
    # that Vercel may freeze the instance, so the Accept must be there already.
    bridge.ipc.observe = lambda: (len(bob.received), len(carol.received))
    follows = []
    for follower, seen in ((bob, (1, 0)), (carol, (1, 1))):
        inbox = f"http://127.0.0.1:{bridge.port}/ap/inbox"
        follow, body, headers = signed_follow(follower, inbox)
        answer, at_end = bridge.invoke("POST", "/ap/inbox", content=body, headers=headers)
        assert answer.status_code == 202, bridge.output()
        assert at_end == seen
        follows.append((follower, follow))
    for follower, follow in follows:
        [delivery] = follower.received
        assert_accepts(verified_accept(delivery, built_site.key), follow)

    health, _ = bridge.invoke("GET", "/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    followers, _ = bridge.invoke("GET", "/ap/followers", params={"page": "1"})
    assert followers.status_code == 200
    assert followers.headers["content-type"].startswith("application/activity+json")
    assert sorted(followers.json()["orderedItems"]) == sorted([bob.id, carol.id])

    # Four invocations, one cold start: one process announced once, each invocation started
    # and ended in it, and it is still serving.
    assert len(bridge.ipc.of_type("server-started")) == 1
    started = [
        m["payload"]["context"]["invocationId"] for m in bridge.ipc.of_type("handler-started")
    ]
    assert started == [f"inv-{n}" for n in range(1, 5)]
    assert sorted(bridge.ipc.at_end) == started
    assert bridge.process.poll() is None
