"""Headless Chromium loads every page of the built sample site (with its conversation):
no console error, no request to another origin.

Chromium is driven over the DevTools protocol (a websocket from aiohttp) so that console
messages, exceptions and every network request of the page are seen as events, not guessed
from a DOM dump. The site is served from a loopback HTTP server on an ephemeral port, with
the Content-Type of each path from `media_type_for_path`. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import mimetypes
import os
import re
import shutil
import subprocess
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from build_sites import REPO
from requirements import require

from site_core.urls import media_type_for_path
from site_gen.build.pipeline import build_site
from site_gen.config import load_config

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"

pytestmark = pytest.mark.chromium


@pytest.fixture(autouse=True)
def _chromium_installed() -> None:
    require(CHROMIUM.exists(), f"headless Chromium is not installed at {CHROMIUM}")


class _SiteHandler(SimpleHTTPRequestHandler):
    def guess_type(self, path: str | os.PathLike[str]) -> str:
        url_path = "/" + Path(path).relative_to(self.directory).as_posix()
        return media_type_for_path(url_path) or mimetypes.guess_type(str(path))[0] or "text/plain"

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def _server() -> Iterator[tuple[ThreadingHTTPServer, list[str]]]:
    folder: list[str] = [""]

    class Handler(_SiteHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=folder[0], **kwargs)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, folder
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class _DevTools:
    """The few DevTools protocol calls the test needs, over one websocket, flat sessions."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        self.pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            data = json.loads(message.data)
            if "id" in data and data["id"] in self.pending:
                self.pending.pop(data["id"]).set_result(data)
            else:
                self.events.append(data)

    async def call(self, method: str, session: str | None = None, **params: Any) -> Any:
        self.next_id += 1
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[self.next_id] = future
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        await self.ws.send_str(json.dumps(message))
        reply = await asyncio.wait_for(future, timeout=20)
        assert "error" not in reply, reply
        return reply.get("result", {})

    async def wait_for(self, method: str, session: str, limit: float = 20) -> None:
        async with asyncio.timeout(limit):
            while not any(  # noqa: ASYNC110 (events are appended by the reader task)
                e.get("method") == method and e.get("sessionId") == session for e in self.events
            ):
                await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def _chromium(profile: Path) -> AsyncIterator[_DevTools]:
    import aiohttp

    log_path = profile.parent / "chromium-stderr.log"
    log = log_path.open("w")
    process = subprocess.Popen(  # noqa: ASYNC220 (starting it does not block)
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
            "--disable-default-apps",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        endpoint = None
        for _ in range(300):  # up to 30 s
            match = re.search(r"DevTools listening on (ws://\S+)", log_path.read_text())
            if match:
                endpoint = match.group(1)
                break
            if process.poll() is not None:
                break
            await asyncio.sleep(0.1)
        assert endpoint, "Chromium did not start"
        assert endpoint.startswith("ws://127.0.0.1:")
        async with aiohttp.ClientSession() as http, http.ws_connect(endpoint, max_msg_size=0) as ws:
            tools = _DevTools(ws)
            try:
                yield tools
            finally:
                tools.reader.cancel()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


async def _visit(tools: _DevTools, url: str, screenshot: Path) -> list[dict[str, Any]]:
    target = await tools.call("Target.createTarget", url="about:blank")
    attached = await tools.call("Target.attachToTarget", targetId=target["targetId"], flatten=True)
    session = attached["sessionId"]
    for domain in ("Page", "Runtime", "Log", "Network"):
        await tools.call(f"{domain}.enable", session)
    await tools.call("Page.navigate", session, url=url)
    await tools.wait_for("Page.loadEventFired", session)
    await asyncio.sleep(0.3)  # late console messages and lazy requests
    shot = await tools.call("Page.captureScreenshot", session, format="png")
    screenshot.write_bytes(base64.b64decode(shot["data"]))  # noqa: ASYNC240 (small file)
    await tools.call("Target.closeTarget", targetId=target["targetId"])
    return [e for e in tools.events if e.get("sessionId") == session]


def _pages(output: Path) -> list[tuple[str, str]]:
    """(screenshot name, URL path) of every HTML page of the built site; the home page and
    the post with the sample conversation keep their names."""
    named = {"/": "index", "/posts/static-sites/": "post"}
    pages = []
    for page in sorted(output.rglob("*.html")):
        relative = page.relative_to(output).as_posix()
        path = "/" + relative.removesuffix("index.html")
        pages.append((named.get(path, relative.replace("/", "-")), path))
    return pages


@pytest.mark.anyio
async def test_pages_render_without_errors_or_foreign_requests(
    sample_site: Path, tmp_path: Path
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with _server() as (server, folder):
        origin = f"http://127.0.0.1:{server.server_address[1]}"
        config_file = sample_site / "site.yaml"
        config_file.write_text(
            re.sub(r"(?m)^base_url: .*$", f"base_url: {origin}", config_file.read_text("utf-8")),
            "utf-8",
        )
        report = build_site(load_config(sample_site), jobs=1, offline=True)
        folder[0] = str(report.output)
        async with _chromium(tmp_path / "profile") as tools:
            for name, path in _pages(report.output):
                events = await _visit(tools, origin + path, ARTIFACTS / f"chromium-{name}.png")
                errors = [
                    e["params"]
                    for e in events
                    if e["method"] == "Runtime.exceptionThrown"
                    or (
                        e["method"] == "Runtime.consoleAPICalled" and e["params"]["type"] == "error"
                    )
                    or (
                        e["method"] == "Log.entryAdded" and e["params"]["entry"]["level"] == "error"
                    )
                ]
                assert errors == [], errors
                requests = [
                    e["params"]["request"]["url"]
                    for e in events
                    if e["method"] == "Network.requestWillBeSent"
                ]
                assert origin + path in requests
                assert any(url.endswith("/theme/style.css") for url in requests)
                foreign = [u for u in requests if not u.startswith((origin + "/", "data:"))]
                assert foreign == [], foreign
                failed = [e["params"] for e in events if e["method"] == "Network.loadingFailed"]
                assert failed == [], failed
                assert (ARTIFACTS / f"chromium-{name}.png").stat().st_size > 1000
    shutil.rmtree(tmp_path / "profile", ignore_errors=True)


_SIZES = {"phone": (390, 844, True), "desktop": (1280, 800, False)}
_OVERFLOW = """JSON.stringify({
  window: window.innerWidth,
  page: document.documentElement.scrollWidth,
  view: document.documentElement.clientWidth,
  wide: [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .filter(e => !e.closest(".visually-hidden, pre, table, .skip-link"))
    .map(e => e.tagName + "." + e.className).slice(0, 5),
})"""


async def _width_at(tools: _DevTools, url: str, size: tuple[int, int, bool]) -> dict[str, Any]:
    """How wide `url` lays out in a viewport of `size`, and the first elements that stick out."""
    target = await tools.call("Target.createTarget", url="about:blank")
    attached = await tools.call("Target.attachToTarget", targetId=target["targetId"], flatten=True)
    session = attached["sessionId"]
    width, height, mobile = size
    await tools.call(
        "Emulation.setDeviceMetricsOverride",
        session,
        width=width,
        height=height,
        deviceScaleFactor=1,
        mobile=mobile,
    )
    await tools.call("Page.enable", session)
    await tools.call("Page.navigate", session, url=url)
    await tools.wait_for("Page.loadEventFired", session)
    result = await tools.call("Runtime.evaluate", session, expression=_OVERFLOW)
    await tools.call("Target.closeTarget", targetId=target["targetId"])
    measured: dict[str, Any] = json.loads(result["result"]["value"])
    return measured


@pytest.mark.anyio
async def test_pages_fit_a_phone_and_a_desktop_without_horizontal_scrolling(
    sample_site: Path, tmp_path: Path
) -> None:
    """At 390x844 and 1280x800 no page is wider than the window (pre and tables may scroll)."""
    with _server() as (server, folder):
        origin = f"http://127.0.0.1:{server.server_address[1]}"
        config_file = sample_site / "site.yaml"  # images from this server, as on a real host
        config_text = config_file.read_text("utf-8")
        config_file.write_text(re.sub(r"(?m)^base_url: .*$", f"base_url: {origin}", config_text))
        report = build_site(load_config(sample_site), jobs=1, offline=True)
        folder[0] = str(report.output)
        paths = ["/", "/posts/static-sites/", "/posts/spring-garden/", "/tags/gardens/"]
        paths += ["/archive/", "/profile/"]
        async with _chromium(tmp_path / "profile") as tools:
            for name, size in _SIZES.items():
                for path in paths:
                    measured = await _width_at(tools, origin + path, size)
                    assert measured["window"] == size[0], (name, path, measured)
                    assert measured["page"] <= measured["view"], (name, path, measured)
                    assert measured["wide"] == [], (name, path, measured)
    shutil.rmtree(tmp_path / "profile", ignore_errors=True)
