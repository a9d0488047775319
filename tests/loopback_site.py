"""Shared pieces of the end-to-end tests: the sample site built for a loopback base URL, the
function's resolver that looks up loopback names only, a clock the test moves forward, and a
bounded wait.

Importable by name from every test folder (tests/ is on sys.path, see tests/conftest.py).
"""

from __future__ import annotations

import shutil
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp.abc import AbstractResolver, ResolveResult

from site_gen.build.pipeline import build_site
from site_gen.cli.keys_commands import generate_site_keys
from site_gen.config import SiteConfig, load_config

REPO = Path(__file__).resolve().parents[1]


class ShiftedClock:
    """Real time plus an offset the test moves forward to skip retry backoffs."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


class LoopbackOnly(AbstractResolver):
    """The function's resolver in these tests: no name other than localhost is looked up."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if host not in ("localhost", "127.0.0.1"):
            raise OSError(f"loopback tests: refusing to resolve {host}")
        return [
            ResolveResult(
                hostname=host, host="127.0.0.1", port=port, family=socket.AF_INET, proto=0, flags=0
            )
        ]

    async def close(self) -> None:
        return None


def make_sample_site(root: Path, base_url: str) -> SiteConfig:
    """The sample site copied to ``root``, its base URL set, a key of its own, built."""
    shutil.copytree(REPO / "content", root, ignore=shutil.ignore_patterns("public", ".site-gen"))
    config_file = root / "site.yaml"
    text = config_file.read_text(encoding="utf-8").replace("http://localhost:8000", base_url)
    config_file.write_text(text, encoding="utf-8")
    generate_site_keys(load_config(root), force=True)
    config = load_config(root)
    build_site(config, offline=True, jobs=1)
    return config


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 15) -> None:
    """Poll ``condition`` every 50 ms; fail the test after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
