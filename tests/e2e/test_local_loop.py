"""The local loop as a user runs it: init, serve, a follower, a new post, build, publish.

Only the real `site-gen` program, in a clean environment: no admin token, no flag to allow
private addresses, no port option. `site.yaml` says `http://localhost:<port>`, so `serve`
answers as that origin; a follower server of the tests' own, on another loopback port,
finds `@me@localhost:<port>` by WebFinger, checks that the actor's id has the origin it
looked up (Mastodon and Fedify refuse anything else), follows with a signed Follow and
verifies the signed Accept. Then a note is written as a user writes it (`site-gen new
--note`, text typed in, the draft line changed), built and published: the follower gets
exactly one Create, signed by the site's key, and a second publish sends nothing.
"""

from __future__ import annotations

import os
import queue
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from e2e_remotes import AS_JSON, Remote, ServerThread

pytestmark = pytest.mark.slow

SITE_GEN = str(Path(sys.executable).with_name("site-gen"))
NOTE_TEXT = "A note written in the local loop, for the follower next door."


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _clean_env(home: Path) -> dict[str, str]:
    """What a fresh terminal has: no SITE_GEN_* variable at all."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LANG": "C.UTF-8"}


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        [SITE_GEN, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"site-gen {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def _wait_for(condition: Callable[[], bool], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class Serve:
    """`site-gen serve --no-watch` as a child process, its output read line by line."""

    def __init__(self, site: Path, env: dict[str, str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.process = subprocess.Popen(
            [SITE_GEN, "serve", "--no-watch"],
            cwd=site,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for_line(self, prefix: str, seconds: float = 60) -> str:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=min(left, 0.5))
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            self.seen.append(line)
            if line.startswith(prefix):
                return line
        raise AssertionError(f"serve never said {prefix!r}; it said: {self.seen}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.reader.join(timeout=5)  # the pipe ends with the process
        if self.process.stdout is not None:
            self.process.stdout.close()


@pytest.fixture
def serve_process() -> Iterator[list[Serve]]:
    started: list[Serve] = []
    yield started
    for serve in started:
        serve.stop()


def _discover_and_follow(follower: Remote, handle_host: str, http: httpx.Client) -> str:
    """What a fediverse server does for `@me@<host>`: WebFinger, same-origin actor, Follow."""
    origin = f"http://{handle_host}"
    finger = http.get(
        f"{origin}/.well-known/webfinger", params={"resource": f"acct:me@{handle_host}"}
    )
    assert finger.status_code == 200, finger.text
    [link] = [x for x in finger.json()["links"] if x.get("rel") == "self"]
    actor_url = link["href"]
    actor = http.get(actor_url, headers={"Accept": AS_JSON}).json()
    # Fedify and Mastodon drop an actor whose id is not on the origin they fetched from.
    assert actor["id"] == actor_url
    assert actor_url.startswith(origin + "/")
    body, headers = follower.follow(actor["id"], actor["inbox"])
    response = http.post(actor["inbox"], content=body, headers=headers)
    assert response.status_code == 202, response.text
    return str(actor["id"])


def test_init_serve_follow_new_publish(tmp_path: Path, serve_process: list[Serve]) -> None:
    env = _clean_env(tmp_path)
    port = _free_port()
    origin_host = f"localhost:{port}"
    _run(["init", "blog", "--base-url", f"http://{origin_host}"], tmp_path, env)
    site = tmp_path / "blog"
    our_key_pem = (site / "public-key.pem").read_text("ascii")

    serve = Serve(site, env)
    serve_process.append(serve)
    serving = serve.wait_for_line("Serving ")
    assert serving.startswith(f"Serving http://{origin_host}/"), serve.seen
    token_file = site / ".site-gen" / "admin-token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    token = token_file.read_text("utf-8").strip()
    assert len(token) >= 32

    our_actor = f"http://{origin_host}/ap/actor"
    follower = Remote("mastodon", our_key_pem, f"{our_actor}#main-key", lambda: datetime.now(UTC))
    with ServerThread(follower.app(), follower.sock), httpx.Client(timeout=10) as http:
        _wait_for(lambda: _healthy(http, origin_host), "the preview's function")
        assert _discover_and_follow(follower, origin_host, http) == our_actor
        _wait_for(lambda: bool(follower.activities("Accept")), "the signed Accept")
        [accept] = follower.activities("Accept")
        assert accept["actor"] == our_actor
        assert follower.refused == []  # every POST carried our valid signature

        # A new note, as a user writes it: type the text, drop the draft mark.
        post = Path(_run(["new", "--note"], site, env).strip().splitlines()[-1])
        source = post.read_text("utf-8")
        assert "draft: true" in source
        post.write_text(source.replace("draft: true", "draft: false") + NOTE_TEXT + "\n")
        _run(["build"], site, env)
        published = _run(["publish"], site, env)
        _wait_for(lambda: bool(follower.activities("Create")), "the Create", seconds=60)
        time.sleep(0.5)  # anything sent twice would arrive now

        [create] = follower.activities("Create")
        assert create["actor"] == our_actor
        assert NOTE_TEXT in create["object"]["content"]
        assert follower.raw_ids.count(create["id"]) == 1
        assert follower.refused == []
        posts_before = follower.posts
        again = _run(["publish"], site, env)
        assert "Nothing to send" in again
        time.sleep(0.5)
        assert follower.posts == posts_before
        assert follower.activities("Create") == [create]

    for output in (published, again, *serve.seen):
        assert token not in output  # the token never shows


def _healthy(http: httpx.Client, origin_host: str) -> bool:
    try:
        return http.get(f"http://{origin_host}/healthz").status_code == 200
    except httpx.TransportError:
        return False
