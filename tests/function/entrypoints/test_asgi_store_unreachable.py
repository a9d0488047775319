"""A database the function cannot reach at start ends the process at once, with a reason.

`uvicorn site_function.entrypoints.asgi:app` is started as a host would, with its PostgreSQL
URL pointing at a loopback port where nothing listens (127.0.0.1:1). The process must not hang
(neither listening nor exiting): it exits non-zero within a few seconds, with one line that
names the database, its password masked, and no traceback.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from entrypoint_harness import BuiltSite, process_environment, site_environment

START = ["uvicorn", "site_function.entrypoints.asgi:app", "--host", "127.0.0.1", "--port", "0"]
PASSWORD = "not-a-real-secret-5e1f"


def test_an_unreachable_postgresql_ends_the_start_with_the_database_named(
    tmp_path: Path, built_site: BuiltSite
) -> None:
    url = f"postgresql://site:{PASSWORD}@127.0.0.1:1/site?sslmode=disable"
    env = site_environment(built_site, tmp_path, SITE_GEN_DATABASE_URL=url)
    log = tmp_path / "uvicorn.log"
    started = time.monotonic()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            START, env=process_environment(env), cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        status = proc.wait(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    elapsed = time.monotonic() - started
    output = log.read_text(errors="replace")
    assert status != 0, output
    assert elapsed < 10, f"took {elapsed:.1f} s to give up"
    assert "site-gen function: cannot start: cannot connect to the database" in output
    assert "postgresql://site:***@127.0.0.1:1/site" in output
    assert PASSWORD not in output
    assert "Traceback" not in output
    assert "Uvicorn running" not in output
