"""Fixtures of the build tests: the sample site copied with the fixed test key pair."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLE_SITE = REPO / "content"
TEST_KEYS = Path(__file__).resolve().parent / "keys"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def copy_site(source: Path, target: Path) -> Path:
    """A copy of a site without its private state or output, with the fixed test public key."""
    shutil.copytree(
        source, target, ignore=shutil.ignore_patterns(".site-gen", "public", "__pycache__")
    )
    shutil.copy(TEST_KEYS / "test-public-key.pem", target / "public-key.pem")
    return target


@pytest.fixture
def sample_site(tmp_path: Path) -> Path:
    return copy_site(SAMPLE_SITE, tmp_path / "site")
