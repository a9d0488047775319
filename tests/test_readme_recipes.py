"""The README's runnable recipes, run as written.

A block of README.md is a recipe when the line `<!-- recipe: NAME -->` comes right before
its ```` ```sh ```` fence; the blocks that need a cloud account or a database of one's own
are not marked. Each recipe runs here with bash in a fresh temp folder: the virtualenv's
`bin` first on PATH, no `SITE_GEN_*` variable, `HOME` in the temp folder, and `PORT=0`, so
the server the recipe starts takes a free port and prints it. Then what the recipe promises
is checked over loopback, and the server is stopped as a host stops a service (SIGTERM).
Every marked recipe must have its promise below, so a new recipe cannot go unchecked.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
RECIPE = re.compile(r"^<!-- recipe: ([a-z0-9-]+) -->\n```sh\n(.*?)^```$", re.MULTILINE | re.DOTALL)
START_SECONDS = 90  # the recipes make and build a site before serving it
UVICORN_READY = re.compile(r"Uvicorn running on (http://127\.0\.0\.1:\d+)")
SERVE_READY = re.compile(r"Serving (http://(?:localhost|127\.0\.0\.1):\d+)/")


def recipes() -> dict[str, str]:
    """Name -> shell text of every marked block of README.md."""
    found = RECIPE.findall(README.read_text(encoding="utf-8"))
    names = [name for name, _ in found]
    assert len(names) == len(set(names)), f"two recipes share a name: {names}"
    return dict(found)


def _plain_process(url: str, client: httpx.Client) -> None:
    health = client.get(f"{url}/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    actor = client.get(f"{url}/ap/actor")  # served from SITE_GEN_DOCUMENTS_DIR
    assert actor.status_code == 200
    assert actor.headers["content-type"].startswith("application/activity+json")
    assert actor.json()["id"] == "http://localhost:8000/ap/actor"
    followers = client.get(f"{url}/ap/followers")
    assert followers.status_code == 200
    assert followers.json()["totalItems"] == 0


def _serve(url: str, client: httpx.Client) -> None:
    page = client.get(f"{url}/")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert client.get(f"{url}/healthz").json() == {"status": "ok"}
    actor = client.get(f"{url}/ap/actor")
    assert actor.status_code == 200
    assert actor.headers["content-type"].startswith("application/activity+json")


@dataclass(frozen=True)
class Promise:
    """How a recipe says it is ready (the line giving its URL), and what it then answers."""

    ready: re.Pattern[str]
    check: Callable[[str, httpx.Client], None]


PROMISES = {
    "plain-process-local": Promise(UVICORN_READY, _plain_process),
    "serve-local": Promise(SERVE_READY, _serve),
}


def recipe_environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITE_GEN_")}
    env.update(PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
               HOME=str(home), PORT="0")  # fmt: skip
    env.pop("VIRTUAL_ENV", None)
    return env


@pytest.fixture
def run_recipe(tmp_path: Path) -> Iterator[Callable[[str], tuple[subprocess.Popen[bytes], Path]]]:
    started: list[subprocess.Popen[bytes]] = []

    def run(text: str) -> tuple[subprocess.Popen[bytes], Path]:
        script = tmp_path / "recipe.sh"
        script.write_text("set -euo pipefail\n" + text)
        work = tmp_path / "work"
        work.mkdir()
        log = tmp_path / "recipe.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                ["bash", str(script)], cwd=work, env=recipe_environment(tmp_path),
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        started.append(proc)
        return proc, log

    yield run
    for proc in started:  # whatever is left of the recipe's process group
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def test_every_marked_recipe_has_its_promise_checked() -> None:
    assert set(recipes()) == set(PROMISES)


@pytest.mark.parametrize("name", sorted(PROMISES))
def test_the_recipe_runs_as_written_and_keeps_its_promise(
    name: str, run_recipe: Callable[[str], tuple[subprocess.Popen[bytes], Path]]
) -> None:
    promise = PROMISES[name]
    proc, log = run_recipe(recipes()[name])
    deadline = time.monotonic() + START_SECONDS
    ready = None
    while ready is None and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
        ready = promise.ready.search(log.read_text(errors="replace"))
    output = log.read_text(errors="replace")
    assert ready is not None, f"recipe {name} did not start (exit {proc.poll()}):\n{output}"
    with httpx.Client(timeout=10) as client:
        promise.check(ready.group(1), client)
    proc.send_signal(signal.SIGTERM)  # the recipe `exec`s its server: this pid is the server
    status = proc.wait(timeout=20)
    assert status in (0, -signal.SIGTERM), log.read_text(errors="replace")
    assert "Traceback" not in log.read_text(errors="replace")
