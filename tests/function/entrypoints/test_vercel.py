"""Vercel: the function loaded and served the way Vercel's Python runtime does it.

The runtime imports the entry file by path (`importlib.util.spec_from_file_location`), looks
for a top-level `handler` first (which must then be a `BaseHTTPRequestHandler` subclass),
else for `app`; an `app` whose `__call__` is a coroutine function is ASGI and is served by
uvicorn (lifespan "auto") on a socket bound to 127.0.0.1, port 0. The request counts as done
when the app's call returns: by then the follower must have our Accept.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import site_function.entrypoints
import uvicorn
from entrypoint_harness import (
    BuiltSite,
    assert_accepts,
    signed_follow,
    site_environment,
    verified_accept,
    wait_until,
)
from function_harness import FakeFediverse, RemoteActor
from site_function.store.base import StoreError
from starlette.types import Receive, Scope, Send

ENTRY_MODULE = "site_function.entrypoints.vercel"
API_INDEX = "from site_function.entrypoints.vercel import app\n"  # README's api/index.py


def load_like_vercel(path: Path) -> ModuleType:
    """Import a file by path under a name of its own, as Vercel's `vc_init` does."""
    name = f"vercel_entry_{path.stem}_{time.monotonic_ns()}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class EndOfRequest:
    """Vercel's own wrapper: the invocation ends when the app's call returns. Records what
    the follower had received at that moment."""

    def __init__(self, app: Any, follower: list[RemoteActor]) -> None:
        self.app = app
        self.follower = follower
        self.received_at_end: list[int] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
        if scope["type"] == "http" and self.follower:
            self.received_at_end.append(len(self.follower[0].received))


class VercelServer:
    """uvicorn as the runtime starts it: a pre-bound loopback socket, lifespan "auto"."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        config = uvicorn.Config(
            app=app, fd=self.sock.fileno(), lifespan="auto", access_log=False,
            log_config=None, log_level="warning",
        )  # fmt: skip
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def __enter__(self) -> VercelServer:
        self.thread.start()
        assert wait_until(lambda: self.server.started or not self.thread.is_alive(), 10)
        assert self.server.started, "uvicorn did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@pytest.fixture
def vercel_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, built_site: BuiltSite
) -> Iterator[None]:
    for name in [n for n in os.environ if n.startswith("SITE_GEN_")]:
        monkeypatch.delenv(name)
    for name, value in site_environment(built_site, tmp_path).items():
        monkeypatch.setenv(name, value)
    sys.modules.pop(ENTRY_MODULE, None)  # a cold start: the module reads this environment
    yield
    sys.modules.pop(ENTRY_MODULE, None)


@pytest.mark.parametrize("entry", ["api/index.py", "entrypoints/vercel.py"])
@pytest.mark.usefixtures("vercel_env")
def test_served_as_vercel_does_it_accepts_a_follow_and_answers_gets(
    tmp_path: Path, fediverse: FakeFediverse, built_site: BuiltSite, entry: str
) -> None:
    if entry == "api/index.py":
        path = tmp_path / "project" / "api" / "index.py"
        path.parent.mkdir(parents=True)
        path.write_text(API_INDEX)
    else:
        path = Path(site_function.entrypoints.__file__).with_name("vercel.py")
    module = load_like_vercel(path)

    # How the runtime chooses: no `handler`/`Handler` (it would have to be an HTTP handler
    # class), an `app` whose call is a coroutine function: ASGI.
    names = dir(module)
    assert "handler" not in names
    assert "Handler" not in names
    assert inspect.iscoroutinefunction(module.app.__call__)
    assert not callable(getattr(module.app, "asgi", None))  # else the runtime would serve that

    follower: list[RemoteActor] = []
    served = EndOfRequest(module.app, follower)
    with VercelServer(served) as server, httpx.Client(timeout=10) as client:
        health = client.get(f"{server.url}/healthz")
        assert health.status_code == 200
        assert health.json() == {"status": "ok"}

        bob = fediverse.add("127.0.0.1", f"bob_vercel_{path.stem}")
        follower.append(bob)
        follow, body, headers = signed_follow(bob, f"{server.url}/ap/inbox")
        answer = client.post(f"{server.url}/ap/inbox", content=body, headers=headers)
        assert answer.status_code == 202, answer.text
        assert wait_until(lambda: len(served.received_at_end) == 1)
        # When the request ended (and Vercel may freeze the instance), the Accept was there.
        assert served.received_at_end == [1]
        [delivery] = bob.received
        assert_accepts(verified_accept(delivery, built_site.key), follow)

        followers = client.get(f"{server.url}/ap/followers", params={"page": "1"})
        assert followers.status_code == 200
        assert followers.headers["content-type"].startswith("application/activity+json")
        assert followers.json()["orderedItems"] == [bob.id]
    assert not server.thread.is_alive()
    with pytest.raises(StoreError):  # the lifespan's shutdown closed the store
        module.app.runtime.store.count_followers("accepted")
    sys.modules.pop(module.__name__, None)
