"""A built copy of the sample site with its own fresh key pair, per test."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from site_gen.build.pipeline import build_site
from site_gen.cli.keys_commands import generate_site_keys
from site_gen.config import SiteConfig, load_config

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SiteConfig]:
    root = tmp_path / "site"
    shutil.copytree(REPO / "content", root, ignore=shutil.ignore_patterns("public", ".site-gen"))
    monkeypatch.delenv("SITE_GEN_PRIVATE_KEY", raising=False)
    monkeypatch.delenv("SITE_GEN_PRIVATE_KEY_FILE", raising=False)
    generate_site_keys(load_config(root), force=True)
    config = load_config(root)
    build_site(config, offline=True, jobs=1)
    return config


def _rebuild(config: SiteConfig) -> SiteConfig:
    fresh = load_config(config.root)
    build_site(fresh, offline=True, jobs=1)
    return fresh


@pytest.fixture
def rebuild():  # type: ignore[no-untyped-def]
    """Rebuild the site after its files changed; returns the fresh config."""
    return _rebuild


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site-gen wheel of this checkout, built once, as an owner's release would be."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(REPO)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("site_gen-*.whl")
    return built
