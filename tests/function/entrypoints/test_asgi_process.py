"""`uvicorn site_function.entrypoints.asgi:app` as its own process, configured by variables.

Started as README.md says (port 0 here: the system picks one, read back from uvicorn's log),
with nothing but `SITE_GEN_*` variables: a signed Follow from a loopback account is accepted,
the follower receives our signed Accept, `/healthz` answers, and SIGTERM ends it cleanly.
A missing or unusable setting ends the process at once with one line naming it.
"""

from __future__ import annotations

import re
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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
from function_harness import ADMIN_TOKEN, FakeFediverse

START = ["uvicorn", "site_function.entrypoints.asgi:app", "--host", "127.0.0.1", "--port", "0"]
RUNNING = re.compile(r"Uvicorn running on (http://127\.0\.0\.1:\d+)")


@dataclass
class Process:
    proc: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _start(env: dict[str, str], folder: Path) -> Process:
    log = folder / "uvicorn.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            START, env=process_environment(env), cwd=folder, stdout=out, stderr=subprocess.STDOUT
        )
    return Process(proc, log)


@pytest.fixture
def function_process(tmp_path: Path, built_site: BuiltSite) -> Iterator[tuple[str, Process]]:
    process = _start(site_environment(built_site, tmp_path), tmp_path)
    try:
        found: list[str] = []

        def started() -> bool:
            found[:] = RUNNING.findall(process.output())
            return bool(found) or process.proc.poll() is not None

        assert wait_until(started, 20), "uvicorn did not start"
        assert found, f"uvicorn exited:\n{process.output()}"
        yield found[0], process
    finally:
        if process.proc.poll() is None:
            process.proc.terminate()
            try:
                process.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.proc.kill()
                process.proc.wait(timeout=10)


def test_a_signed_follow_is_accepted_and_answered_with_a_verified_accept(
    function_process: tuple[str, Process], fediverse: FakeFediverse, built_site: BuiltSite
) -> None:
    url, process = function_process
    bob = fediverse.add("127.0.0.1", "bob_asgi")
    with httpx.Client(timeout=10) as client:
        health = client.get(f"{url}/healthz")
        assert health.status_code == 200
        assert health.json() == {"status": "ok"}

        follow, body, headers = signed_follow(bob, f"{url}/ap/inbox")
        answer = client.post(f"{url}/ap/inbox", content=body, headers=headers)
        assert answer.status_code == 202, answer.text
        assert wait_until(lambda: bool(bob.received)), "no Accept reached the follower"
        [delivery] = bob.received
        assert_accepts(verified_accept(delivery, built_site.key), follow)

        followers = client.get(
            f"{url}/admin/api/followers", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
        )
        assert followers.status_code == 200
        assert bob.id in followers.text

    process.proc.terminate()  # SIGTERM, as a container host stops it
    # uvicorn shuts down gracefully, then re-raises the signal: the status says SIGTERM
    assert process.proc.wait(timeout=15) in (0, -signal.SIGTERM), process.output()
    assert "Application shutdown complete" in process.output()
    assert "Traceback" not in process.output()


@pytest.mark.parametrize(
    "missing", ["SITE_GEN_BASE_URL", "SITE_GEN_USERNAME", "SITE_GEN_DATABASE_URL"]
)
def test_a_missing_required_variable_stops_the_process_with_its_name(
    tmp_path: Path, built_site: BuiltSite, missing: str
) -> None:
    env = site_environment(built_site, tmp_path)
    del env[missing]
    process = _start(env, tmp_path)
    assert process.proc.wait(timeout=30) != 0
    output = process.output()
    assert f"site-gen function: cannot start: the environment variable {missing} is required" in (
        output
    )
    assert "Traceback" not in output
    assert ADMIN_TOKEN not in output


def test_an_unusable_key_is_named_and_never_printed(tmp_path: Path, built_site: BuiltSite) -> None:
    secret_line = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC-not-really-a-key"
    pem = f"-----BEGIN PRIVATE KEY-----\n{secret_line}\n-----END PRIVATE KEY-----"
    env = site_environment(built_site, tmp_path, SITE_GEN_PRIVATE_KEY=pem)
    process = _start(env, tmp_path)
    assert process.proc.wait(timeout=30) != 0
    output = process.output()
    assert "SITE_GEN_PRIVATE_KEY" in output
    assert secret_line not in output
    assert "Traceback" not in output


def test_no_key_at_all_names_both_ways_to_give_one(tmp_path: Path, built_site: BuiltSite) -> None:
    env = site_environment(built_site, tmp_path)
    del env["SITE_GEN_PRIVATE_KEY_FILE"]
    process = _start(env, tmp_path)
    assert process.proc.wait(timeout=30) != 0
    output = process.output()
    assert "SITE_GEN_PRIVATE_KEY" in output
    assert "SITE_GEN_PRIVATE_KEY_FILE" in output
    assert "Traceback" not in output
