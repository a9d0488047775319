"""`site-gen serve`: build a preview, then serve it and the function on one local port.

The preview is built into `.site-gen/preview/` with the `base_url` it answers as
(`preview_address`: the site's own origin when that is on loopback, else the local
address), so ids and links work locally and the real output folder is never overwritten by
a preview. Drafts are shown, marked as drafts, and get no ActivityPub documents. The socket
is bound before the first build because the port (possibly chosen by the OS) is part of
every URL. The function gets the admin token the owner commands will find
(`admin_token.local_admin_token`), so `site-gen publish` works against it as it is.
"""

from __future__ import annotations

import asyncio
import functools
import os
import socket
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import uvicorn
from starlette.applications import Starlette

from site_core.errors import SiteGenError
from site_gen.config import SiteConfig, load_config
from site_gen.publish.admin_token import AdminToken, local_admin_token
from site_gen.serve.live_reload import SCRIPT_TAG, ReloadChannel
from site_gen.serve.preview_address import (
    PREVIEW_OUTPUT,
    PreviewAddress,
    choose_address,
    preview_config,
)
from site_gen.serve.preview_app import create_preview_app
from site_gen.serve.rebuilds import watch_and_rebuild, watched_paths
from site_gen.serve.static_site import StaticSite
from site_gen.text import plural

if TYPE_CHECKING:
    from site_gen.build.build_memory import BuildMemory
    from site_gen.build.pipeline import BuildReport

__all__ = [
    "PREVIEW_OUTPUT",
    "PreviewAddress",
    "PreviewServer",
    "load_function_app",
    "local_database_url",
    "preview_config",
]

Builder = Callable[[SiteConfig, "BuildMemory", "Callable[[], None] | None"], "BuildReport"]
Report = Callable[[str], None]


def build_preview(
    config: SiteConfig,
    memory: BuildMemory | None = None,
    on_written: Callable[[], None] | None = None,
    *,
    allow_missing_media: bool = False,
) -> BuildReport:
    """The real build with drafts (marked as such, without documents), offline so a preview
    never waits on WebFinger lookups; a conversation naming a missing picture stops it
    unless `allow_missing_media`, as `site-gen build` does.

    In-process and incremental: `memory` holds the last build's index and manifest, and
    a handful of changed posts are rendered here, without a pool of processes."""
    from site_gen.build.pipeline import build_site

    # An explicit output: the preview never rewrites the site's host files (vercel.json, ...).
    return build_site(
        config,
        output=config.output_dir,
        offline=True,
        drafts=True,
        allow_missing_media=allow_missing_media,
        memory=memory,
        on_written=on_written,
    )


def local_database_url(config: SiteConfig) -> str:
    """The preview function's SQLite file, in the site's private state folder."""
    return f"sqlite:///{config.state_dir / 'state.sqlite3'}"


def load_function_app(
    config: SiteConfig, env: Mapping[str, str], *, admin_token: str | None = None
) -> tuple[Starlette | None, str | None]:
    """The function app on the site's SQLite file, or None and the reason it cannot start."""
    try:
        from site_function.app import create_app

        from site_gen.serve.function_settings import settings_from_site
    except ImportError as exc:
        return None, f"the function is not available: {exc}"
    config.state_dir.mkdir(parents=True, exist_ok=True)
    try:
        settings = settings_from_site(
            config,
            env,
            database_url=local_database_url(config),
            allow_private_addresses=True,  # local development: followers on localhost too
            serve_documents=False,  # the preview serves the documents itself
            admin_token=admin_token,
        )
        return create_app(settings), None
    except SiteGenError as exc:
        return None, f"the function did not start: {exc}"


def _bound_socket(address: PreviewAddress) -> socket.socket:
    family = socket.AF_INET6 if ":" in address.listen_host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address.listen_host.strip("[]"), address.port))
        sock.listen(128)
    except BaseException:
        sock.close()
        raise
    return sock


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
        host: str | None = None,
        port: int | None = None,
        function: bool = True,
        watch: bool = True,
        builder: Builder | None = None,
        env: Mapping[str, str] | None = None,
        report: Report = print,
        allow_missing_media: bool = False,
    ) -> None:
        """`host` and `port` default to what `choose_address` derives from base_url; the
        default builder is `build_preview` (with `allow_missing_media`)."""
        self.site_root = config.root
        self.address = choose_address(config, host, port)
        self.host = self.address.listen_host
        self.report = report
        self.builder: Builder = builder or functools.partial(
            build_preview, allow_missing_media=allow_missing_media
        )
        self.channel = ReloadChannel()
        self.socket = _bound_socket(self.address)
        self.port: int = self.socket.getsockname()[1]
        self.config = preview_config(config, self.address, self.port)
        self.function_error: str | None = None
        self.admin_token: AdminToken | None = None
        from site_gen.build.build_memory import BuildMemory

        self.memory = BuildMemory()  # the last build's index and manifest, kept in memory
        self._warnings: tuple[str, ...] = ()

        function_app = None
        try:
            self._build()  # the first build: an error here is the command's error
            if function:
                function_app = self._function_app(os.environ if env is None else env)
        except BaseException:
            self.socket.close()
            raise
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

    def _function_app(self, env: Mapping[str, str]) -> Starlette | None:
        """The function with the token the owner commands find; for a site answered as its
        own origin, the ledger first records the posts already there (`local_ledger`)."""
        from site_gen.serve.local_ledger import record_existing_posts

        try:
            self.admin_token = local_admin_token(self.config.state_dir, env)
            if self.address.as_site:
                recorded = record_existing_posts(self.config, local_database_url(self.config), env)
                if recorded is not None:
                    self.report(
                        f"recorded {plural(recorded, 'existing post')} as published: "
                        "'site-gen publish' sends only what comes after"
                    )
        except SiteGenError as exc:
            self.function_error = f"the function did not start: {exc}"
            return None
        app, self.function_error = load_function_app(
            self.config, env, admin_token=self.admin_token.value
        )
        return app

    def _rebuild(self, changed: set[Path] | None, written: Callable[[], None]) -> None:
        """Build again after `changed` (None: changes unknown, every post is stat'ed)."""
        # site.yaml may have changed: read it again, keep the preview's address.
        fresh = load_config(self.site_root)
        self.config = preview_config(fresh, self.address, self.port)
        if changed is None:
            self.memory.rescan()
        else:
            self.memory.note_changed(changed, self.config.posts_dir)
        self._build(written)

    def _build(self, written: Callable[[], None] | None = None) -> None:
        """Build the preview and tell its warnings (a picture left out, a reply cycle),
        each once until it goes away, so a rebuild's output stays one line."""
        warnings = self.builder(self.config, self.memory, written).warnings
        for warning in warnings:
            if warning not in self._warnings:
                self.report(f"warning: {warning}")
        self._warnings = warnings

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
