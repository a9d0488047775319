"""A token in an admin URL's query string is refused, and uvicorn's access log never shows it.

The function runs as `uvicorn site_function.entrypoints.asgi:app` in its own process with
uvicorn's access log on (its default), and everything the process writes is read back.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from entrypoint_harness import BuiltSite, process_environment, site_environment, wait_until
from function_harness import ADMIN_TOKEN

START = ["uvicorn", "site_function.entrypoints.asgi:app", "--host", "127.0.0.1", "--port", "0"]
RUNNING = re.compile(r"Uvicorn running on (http://127\.0\.0\.1:\d+)")


@pytest.fixture
def function_process(tmp_path: Path, built_site: BuiltSite) -> Iterator[tuple[str, Path]]:
    log = tmp_path / "uvicorn.log"
    env = process_environment(site_environment(built_site, tmp_path))
    with log.open("wb") as out:
        proc = subprocess.Popen(START, env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT)
    try:
        found: list[str] = []

        def started() -> bool:
            found[:] = RUNNING.findall(log.read_text(errors="replace"))
            return bool(found) or proc.poll() is not None

        assert wait_until(started, 20), "uvicorn did not start"
        assert found, f"uvicorn exited:\n{log.read_text(errors='replace')}"
        yield found[0], log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.mark.parametrize("name", ["token", "access_token"])
def test_a_token_in_the_query_string_is_refused_and_never_logged(
    function_process: tuple[str, Path], name: str
) -> None:
    url, log = function_process
    with httpx.Client(timeout=10) as client:
        for path in ("/admin/api/followers", "/admin/api/blocks/export", "/admin/api/nowhere"):
            refused = client.get(f"{url}{path}", params={name: ADMIN_TOKEN})
            assert refused.status_code in (400, 404), refused.text
            assert ADMIN_TOKEN not in refused.text
            if refused.status_code == 400:
                assert "Authorization" in refused.json()["detail"]
        # Even with the right header too: the URL has leaked, so the request is refused.
        both = client.get(
            f"{url}/admin/api/followers",
            params={name: ADMIN_TOKEN, "state": "all"},
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        )
        assert both.status_code == 400
        good = client.get(
            f"{url}/admin/api/followers?state=all",
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        )
        assert good.status_code == 200

    def logged() -> bool:
        return log.read_text(errors="replace").count("/admin/api/") >= 5

    assert wait_until(logged, 10), "uvicorn's access log did not show the admin requests"
    output = log.read_text(errors="replace")
    assert ADMIN_TOKEN not in output
    assert "/admin/api/followers?[query hidden]" in output
