"""A correct deployment of the sample site on loopback: the build behind real nginx or Caddy,
the real function behind them, and ways to break one thing at a time.

The site's `base_url` is the web server's own loopback address (its port is chosen before
the build), so every id in the build is a URL the server answers. The function runs under
uvicorn on another loopback port with its own SQLite store; the web server proxies the live
routes to it with the config the build's hosting code wrote (optionally edited by a test).
"""

from __future__ import annotations

import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import uvicorn
from hosting import servers
from hosting.conftest import free_port
from requirements import require
from site_function.app import create_app
from site_function.runtime import utc_now
from site_function.settings import Settings

from site_core.keys import generate_private_key
from site_core.publish.owner_settings import OwnerSettings
from site_core.signatures import SigningKey
from site_gen.build.pipeline import build_site
from site_gen.cli.keys_commands import generate_site_keys
from site_gen.config import SiteConfig, load_config
from site_gen.doctor import DoctorTarget
from site_gen.federation.key_files import private_key_from_environment
from site_gen.hosting import BuildInfo, render_host_config

REPO = Path(__file__).resolve().parents[2]
ADMIN_TOKEN = "doctor-test-admin-token-0123456789"
Edit = Callable[[str], str]


@dataclass
class Deployment:
    config: SiteConfig
    target: DoctorTarget
    function_url: str


def built_site(tmp_path: Path, server: str, port: int) -> SiteConfig:
    """The sample site with base_url http://127.0.0.1:<port>, a fresh key, built."""
    root = tmp_path / "site"
    shutil.copytree(REPO / "content", root, ignore=shutil.ignore_patterns("public", ".site-gen"))
    text = (root / "site.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^base_url: .*$", f"base_url: http://127.0.0.1:{port}", text)
    text = re.sub(r"(?m)^hosting: .*$", f"hosting: {server}", text)
    text = text.replace("http://localhost:8000/", f"http://127.0.0.1:{port}/")
    (root / "site.yaml").write_text(text, encoding="utf-8")
    generate_site_keys(load_config(root), force=True)
    config = load_config(root)
    build_site(config, offline=True, jobs=1)
    return config


class FunctionThread:
    """The real function under uvicorn on 127.0.0.1:0, in a thread; bounded start and stop."""

    def __init__(self, app: Any) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return f"http://127.0.0.1:{self.server.servers[0].sockets[0].getsockname()[1]}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def require_server(server: str) -> None:
    binary = servers.NGINX if server == "nginx" else servers.caddy_binary()
    require(binary and Path(binary).exists(), f"{server} is not installed")


@contextmanager
def web_server(
    server: str, config: SiteConfig, upstream: str, port: int, edit: Edit | None
) -> Iterator[None]:
    """nginx or Caddy with the config the build's hosting code writes (edited by `edit`)."""
    scratch = servers.scratch_dir()
    try:
        root = servers.copy_output(config.output_dir, scratch)
        info = BuildInfo(
            document_root=str(root), function_upstream=upstream, listen=("127.0.0.1", port)
        )
        artifacts = {a.path: a.content.decode() for a in render_host_config(config, info)}
        log = scratch / "error.log"
        if server == "nginx":
            site_conf = scratch / "site.conf"
            site_conf.write_text((edit or str)(artifacts["deploy/nginx.conf"]))
            conf = servers.nginx_main_conf(scratch, site_conf)
            with servers.running(servers.nginx_command(scratch, conf), port, log):
                yield
        else:
            conf = servers.caddy_main_conf(scratch, (edit or str)(artifacts["deploy/Caddyfile"]))
            caddy = str(servers.caddy_binary())
            command = [caddy, "run", "--config", str(conf), "--adapter", "caddyfile"]
            with servers.running(command, port, log, env=servers.caddy_env(scratch)):
                yield
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@contextmanager
def deployed(
    tmp_path: Path,
    server: str,
    *,
    edit: Edit | None = None,
    change_output: Callable[[Path], None] | None = None,
    clock: Callable[[], datetime] = utc_now,
    function_key: Any = None,
) -> Iterator[Deployment]:
    """The sample site deployed behind `server` with the function; broken as asked.

    `edit` changes the web server's config text, `change_output` the build, `clock` is the
    function's, and `function_key` gives the function (and the doctor) another key than the
    build's (a key rotated but never deployed).
    """
    require_server(server)
    port = free_port()
    config = built_site(tmp_path, server, port)
    if change_output is not None:
        change_output(config.output_dir)
    key = function_key or private_key_from_environment({}, config.private_key_path)
    settings = Settings(
        base_url=config.base_url,
        username=config.username,
        private_key=key,
        database_url=f"sqlite:///{tmp_path / 'state.sqlite3'}",
        admin_token=ADMIN_TOKEN,
        owner=OwnerSettings(),
        allow_private_addresses=True,
    )
    with (
        FunctionThread(create_app(settings, clock=clock)) as function_url,
        web_server(server, config, function_url, port, edit),
    ):
        target = DoctorTarget(
            urls=config.urls,
            display_name=config.display_name,
            signing_key=SigningKey(config.urls.key_id, key),
            admin_token=ADMIN_TOKEN,
        )
        yield Deployment(config, target, function_url)


__all__ = ["ADMIN_TOKEN", "Deployment", "deployed", "generate_private_key"]
