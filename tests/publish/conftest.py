"""A built copy of the sample site with its own fresh key pair, per test."""

from __future__ import annotations

import shutil
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
