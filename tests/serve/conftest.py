"""A tiny real site (made by `init_site`) served by a preview server on an ephemeral port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from site_gen.cli.site_commands import init_site
from site_gen.config import load_config
from site_gen.serve import PreviewServer


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    folder = tmp_path / "site"
    init_site(folder, username="alice", display_name="Alice")
    return folder


@pytest.fixture
def preview(site: Path) -> Iterator[PreviewServer]:
    messages: list[str] = []
    server = PreviewServer(load_config(site), port=0, env={}, report=messages.append)
    server.start()
    try:
        yield server
    finally:
        server.stop()
