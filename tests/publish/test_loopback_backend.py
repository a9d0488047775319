"""`--database` on a loopback site delivers to loopback followers without the hidden flag."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_gen.cli.publish_backends import DatabaseBackend
from site_gen.cli.publish_commands import open_backend
from site_gen.cli.site_commands import init_site
from site_gen.config import load_config


@pytest.mark.parametrize(
    ("base_url", "flag", "allowed"),
    [
        ("http://localhost:8000", False, True),
        ("https://alice.example", False, False),
        ("https://alice.example", True, True),
    ],
)
def test_private_addresses_only_for_a_local_site_or_the_flag(
    tmp_path: Path, base_url: str, flag: bool, allowed: bool
) -> None:
    site = init_site(tmp_path / "blog")
    config_file = site / "site.yaml"
    text = config_file.read_text("utf-8").replace("http://localhost:8000", base_url)
    config_file.write_text(text, "utf-8")
    database = f"sqlite:///{tmp_path / 'state.sqlite3'}"
    backend = open_backend(load_config(site), database, None, allow_private_addresses=flag)
    try:
        assert isinstance(backend, DatabaseBackend)
        assert backend._runtime.settings.allow_private_addresses is allowed
    finally:
        backend.close()
