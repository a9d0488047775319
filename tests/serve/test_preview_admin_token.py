"""The owner commands against a real preview, with the token `serve` made and no variable."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from site_gen.cli import cli
from site_gen.config import load_config
from site_gen.publish.admin_token import find_admin_token
from site_gen.serve import PreviewServer

NO_TOKEN: dict[str, str | None] = {"SITE_GEN_ADMIN_TOKEN": None, "SITE_GEN_ADMIN_TOKEN_FILE": None}


def _owner(site: Path, preview: PreviewServer, *args: str, **env: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli,
        [*args, "--site", str(site), "--function-url", preview.url],
        env={**NO_TOKEN, **env},
    )
    return result.exit_code, result.output


def test_serve_makes_a_token_the_commands_find(site: Path, preview: PreviewServer) -> None:
    token_file = site / ".site-gen" / "admin-token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert preview.admin_token is not None
    assert preview.admin_token.value == token_file.read_text().strip()
    for command in (["deliveries", "status"], ["followers", "list"], ["blocks", "list"]):
        code, output = _owner(site, preview, *command)
        assert code == 0, output
    # A second run of serve reuses the token: commands keep working across restarts.
    again = PreviewServer(load_config(site), port=0, watch=False, env={}, report=lambda _: None)
    again.start()
    again.stop()
    assert again.admin_token == preview.admin_token


@pytest.mark.parametrize("command", [["deliveries", "status"], ["followers", "list"]])
def test_a_refused_token_names_its_source_never_its_value(
    site: Path, preview: PreviewServer, tmp_path: Path, command: list[str]
) -> None:
    wrong = "wrong-token-0123456789abcdef"
    code, output = _owner(site, preview, *command, SITE_GEN_ADMIN_TOKEN=wrong)
    assert code == 1
    assert "refused the admin token from SITE_GEN_ADMIN_TOKEN (401)" in output
    assert wrong not in output
    mounted = tmp_path / "token"
    mounted.write_text(wrong)
    code, output = _owner(site, preview, *command, SITE_GEN_ADMIN_TOKEN_FILE=str(mounted))
    assert code == 1
    assert f"from SITE_GEN_ADMIN_TOKEN_FILE ({mounted}) (401)" in output
    assert wrong not in output


def test_the_sites_token_refused_says_where_it_came_from(
    site: Path, preview: PreviewServer
) -> None:
    token_file = site / ".site-gen" / "admin-token"
    token_file.write_text("stale-token-from-another-run\n")
    code, output = _owner(site, preview, "deliveries", "status")
    assert code == 1
    assert f"from {token_file} (401)" in output
    assert "stale-token" not in output
    found = find_admin_token(site / ".site-gen", {})
    assert found is not None
    assert found.local
