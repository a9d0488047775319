"""Fixtures of the build tests: the sample site copied with the fixed test key pair."""

from __future__ import annotations

from pathlib import Path

import pytest
from build_sites import SAMPLE_SITE, copy_site


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def sample_site(tmp_path: Path) -> Path:
    return copy_site(SAMPLE_SITE, tmp_path / "site")
