"""`site-gen serve` for real: uvicorn on 127.0.0.1, the real build, the real function."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from site_core.urls import ACTIVITY_JSON, JRD_JSON, NODEINFO_21_JSON
from site_gen.config import load_config
from site_gen.serve import PreviewServer
from site_gen.serve.live_reload import EVENTS_PATH, SCRIPT_PATH

MASTODON_ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


def test_documents_pages_and_missing_files(preview: PreviewServer) -> None:
    with httpx.Client(base_url=preview.url, timeout=5) as client:
        actor = client.get("/ap/actor", headers={"Accept": MASTODON_ACCEPT})
        assert actor.status_code == 200
        assert actor.headers["content-type"] == ACTIVITY_JSON
        # Built for the preview's own address, so ids work locally
        # (FEDERATION.md#id-is-url).
        assert actor.json()["id"] == f"{preview.url}/ap/actor"
        finger = client.get("/.well-known/webfinger", params={"resource": "acct:alice@x"})
        assert finger.headers["content-type"] == JRD_JSON
        assert finger.headers["access-control-allow-origin"] == "*"
        assert client.get("/nodeinfo/2.1").headers["content-type"] == NODEINFO_21_JSON
        home = client.get("/")
        assert home.headers["content-type"] == "text/html; charset=utf-8"
        assert SCRIPT_PATH.encode() in home.content  # the preview adds live reload
        script = client.get(SCRIPT_PATH)
        assert script.headers["content-type"].startswith("text/javascript")
        missing = client.get("/no/such/page/")
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("text/html")
        assert client.get("/../site.yaml").status_code == 404
        assert client.get("/.site-gen/private-key.pem").status_code == 404
        redirect = client.get("/archive")
        assert (redirect.status_code, redirect.headers["location"]) == (301, "/archive/")


def test_the_build_output_itself_has_no_reload_script(preview: PreviewServer) -> None:
    for page in preview.config.output_dir.rglob("*.html"):
        assert SCRIPT_PATH.encode() not in page.read_bytes()


def test_live_routes_reach_the_function(preview: PreviewServer) -> None:
    assert preview.function_running, preview.function_error
    with httpx.Client(base_url=preview.url, timeout=5) as client:
        assert client.get("/healthz").status_code == 200
        followers = client.get("/ap/followers", headers={"Accept": ACTIVITY_JSON})
        assert followers.status_code == 200
        assert followers.json()["totalItems"] == 0
        # An unsigned POST reaches the function's inbox, which refuses it (not a 404/405).
        inbox = client.post("/ap/inbox", content=b"{}", headers={"Content-Type": ACTIVITY_JSON})
        assert inbox.status_code == 401
        # The follow form's lookup is the function's page, not a missing file.
        interact = client.get("/interact", params={"handle": "not a handle"})
        assert interact.status_code == 400
        assert "is not a handle like" in interact.text
    assert (preview.config.state_dir / "state.sqlite3").is_file()


def test_without_the_function_live_routes_say_so(site: Path) -> None:
    server = PreviewServer(load_config(site), port=0, function=False, watch=False, env={})
    server.start()
    try:
        response = httpx.get(f"{server.url}/ap/inbox", timeout=5)
        assert response.status_code == 503
        page = httpx.get(f"{server.url}/", timeout=5)
        assert SCRIPT_PATH.encode() not in page.content  # no watch, no reload script
    finally:
        server.stop()


def test_editing_a_post_rebuilds_and_sends_a_reload_event(
    site: Path, preview: PreviewServer
) -> None:
    post = next((site / "posts").glob("*.md"))
    events: list[str] = []
    with httpx.Client(base_url=preview.url, timeout=httpx.Timeout(5, read=20)) as client:
        with client.stream("GET", EVENTS_PATH) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.iter_lines()
            assert next(lines) == "retry: 1000"  # connected before the edit
            time.sleep(0.5)  # let the watcher settle before the change
            post.write_text(post.read_text() + "\nA freshly added sentence.\n")
            deadline = time.monotonic() + 20
            for line in lines:
                events.append(line)
                if line.startswith("event: reload") or time.monotonic() > deadline:
                    break
        assert "event: reload" in events
        slug_pages = list(preview.config.output_dir.glob("posts/*/index.html"))
        assert any(b"freshly added sentence" in page.read_bytes() for page in slug_pages)
        home = client.get("/")
        assert home.status_code == 200


@pytest.mark.anyio
async def test_channel_wakes_waiters_and_closes() -> None:
    from site_gen.serve.live_reload import ReloadChannel

    channel = ReloadChannel()
    assert await channel.wait(0, 0.01) == 0
    await channel.publish()
    assert await channel.wait(0, 1) == 1
    await channel.close()
    assert await channel.wait(1, 1) == 1
