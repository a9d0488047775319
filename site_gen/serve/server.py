"""`site-gen serve`: build a preview, then serve it and the function on one local port.

The preview is built with `base_url` set to the local address and into
`.site-gen/preview/`, so ids and links work locally and the real output folder (and its
production URLs) is never overwritten by a preview. The socket is bound before the first
build because the port (possibly chosen by the OS) is part of every URL.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import socket
import threading
from collections.abc import Callable, Mapping
from typing import Any

import uvicorn
from starlette.applications import Starlette

from site_gen.config import SiteConfig, load_config
from site_gen.errors import SiteGenError
from site_gen.serve.live_reload import SCRIPT_TAG, ReloadChannel
from site_gen.serve.preview_app import create_preview_app
from site_gen.serve.rebuilds import watch_and_rebuild, watched_paths
from site_gen.serve.static_site import StaticSite

__all__ = ["PREVIEW_OUTPUT", "PreviewServer", "load_function_app", "preview_config"]

PREVIEW_OUTPUT = ".site-gen/preview"
Builder = Callable[[SiteConfig], object]
Report = Callable[[str], None]


def preview_config(config: SiteConfig, host: str, port: int) -> SiteConfig:
    """The site's config as the preview sees it: local base URL, same-origin function."""
    shown = "localhost" if host in ("0.0.0.0", "::", "") else host  # noqa: S104
    if ":" in shown:
        shown = f"[{shown}]"
    return dataclasses.replace(
        config, base_url=f"http://{shown}:{port}", function_url=None, output=PREVIEW_OUTPUT
    )


def build_preview(config: SiteConfig) -> object:
    """The real build, offline so a preview never waits on WebFinger lookups."""
    from site_gen.build.pipeline import build_site

    # An explicit output: the preview never rewrites the site's host files (vercel.json, ...).
    return build_site(config, output=config.output_dir, offline=True)


def load_function_app(
    config: SiteConfig, env: Mapping[str, str]
) -> tuple[Starlette | None, str | None]:
    """The function app on the site's SQLite file, or None and the reason it cannot start."""
    try:
        from site_function.app import create_app
        from site_function.settings import Settings
    except ImportError as exc:
        return None, f"the function is not available: {exc}"
    config.state_dir.mkdir(parents=True, exist_ok=True)
    try:
        settings = Settings.from_site(
            config,
            env,
            database_url=f"sqlite:///{config.state_dir / 'state.sqlite3'}",
            allow_private_addresses=True,  # local development: followers on localhost too
            serve_documents=False,  # the preview serves the documents itself
        )
        return create_app(settings), None
    except SiteGenError as exc:
        return None, f"the function did not start: {exc}"


class _Server(uvicorn.Server):
    """Ends the live-reload streams first, so shutdown does not wait for open pages."""

    def __init__(self, config: uvicorn.Config, channel: ReloadChannel) -> None:
        super().__init__(config)
        self.channel = channel

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        await self.channel.close()
        await super().shutdown(sockets=sockets)


class PreviewServer:
    """Bind, build, serve; `start()`/`stop()` run it in a thread (tests), `run()` blocks."""

    def __init__(
        self,
        config: SiteConfig,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        function: bool = True,
        watch: bool = True,
        builder: Builder = build_preview,
        env: Mapping[str, str] | None = None,
        report: Report = print,
    ) -> None:
        self.site_root = config.root
        self.host = host
        self.report = report
        self.builder = builder
        self.channel = ReloadChannel()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind((host, port))
        self.socket.listen(128)
        self.port: int = self.socket.getsockname()[1]
        self.config = preview_config(config, host, self.port)
        self.function_error: str | None = None

        builder(self.config)  # the first build: an error here is the command's error
        function_app = None
        if function:
            function_app, self.function_error = load_function_app(
                self.config, os.environ if env is None else env
            )
        static = StaticSite(self.config.output_dir, script_tag=SCRIPT_TAG if watch else None)
        self.app = create_preview_app(
            static,
            self.channel,
            function_app=function_app,
            watcher=self._watch if watch else None,
        )
        self.function_running = function_app is not None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return self.config.base_url

    def _rebuild(self) -> None:
        # site.yaml may have changed: read it again, keep the preview's address.
        fresh = load_config(self.site_root)
        self.config = preview_config(fresh, self.host, self.port)
        self.builder(self.config)

    async def _watch(self, stop: asyncio.Event) -> None:
        paths = watched_paths(self.config)
        await watch_and_rebuild(paths, self._rebuild, self.channel, self.report, stop)

    def _uvicorn(self, **options: Any) -> _Server:
        config = uvicorn.Config(
            self.app,
            lifespan="on",
            log_level="warning",
            timeout_graceful_shutdown=2,
            **options,
        )
        self._server = _Server(config, self.channel)
        return self._server

    def run(self) -> None:
        """Serve until interrupted (Ctrl-C)."""
        self._uvicorn().run(sockets=[self.socket])

    def start(self, ready_within: float = 10.0) -> None:
        """Serve from a background thread; returns once the server accepts requests."""
        server = self._uvicorn()
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )
        self._thread.start()
        deadline = threading.Event()
        waited = 0.0
        while not server.started and waited < ready_within:
            deadline.wait(0.02)
            waited += 0.02
        if not server.started:
            raise RuntimeError("the preview server did not start")

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.socket.close()
