"""Where the owner commands find the admin token, and the token `site-gen serve` makes."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from site_gen.publish.admin_token import (
    AdminTokenError,
    find_admin_token,
    local_admin_token,
    require_admin_token,
)


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "site" / ".site-gen"


def test_the_lookup_order_is_variable_then_file_then_the_sites_own(
    state_dir: Path, tmp_path: Path
) -> None:
    state_dir.mkdir(parents=True)
    (state_dir / "admin-token").write_text("from-the-site\n")
    mounted = tmp_path / "mounted-token"
    mounted.write_text("  from-the-file \n")
    both = {"SITE_GEN_ADMIN_TOKEN": "from-the-variable", "SITE_GEN_ADMIN_TOKEN_FILE": str(mounted)}

    first = find_admin_token(state_dir, both)
    assert first is not None
    assert (first.value, first.source, first.local) == (
        "from-the-variable",
        "SITE_GEN_ADMIN_TOKEN",
        False,
    )
    second = find_admin_token(state_dir, {"SITE_GEN_ADMIN_TOKEN_FILE": str(mounted)})
    assert second is not None
    assert (second.value, second.source) == (
        "from-the-file",
        f"SITE_GEN_ADMIN_TOKEN_FILE ({mounted})",
    )
    third = find_admin_token(state_dir, {"SITE_GEN_ADMIN_TOKEN": "  "})
    assert third is not None
    assert (third.value, third.source, third.local) == (
        "from-the-site",
        str(state_dir / "admin-token"),
        True,
    )


def test_no_token_says_where_one_can_come_from(state_dir: Path) -> None:
    assert find_admin_token(state_dir, {}) is None
    with pytest.raises(AdminTokenError) as error:
        require_admin_token(state_dir, {})
    message = str(error.value)
    for place in (
        "SITE_GEN_ADMIN_TOKEN",
        "SITE_GEN_ADMIN_TOKEN_FILE",
        "site-gen serve",
        "--database",
    ):
        assert place in message


def test_a_named_token_file_must_hold_a_token(state_dir: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("\n")
    for file_name in (str(empty), str(tmp_path / "missing")):
        with pytest.raises(AdminTokenError, match="SITE_GEN_ADMIN_TOKEN_FILE"):
            find_admin_token(state_dir, {"SITE_GEN_ADMIN_TOKEN_FILE": file_name})


def test_serve_makes_the_sites_token_once_with_mode_0600(state_dir: Path) -> None:
    made = local_admin_token(state_dir, {})
    path = state_dir / "admin-token"
    assert made.local
    assert made.source == str(path)
    assert len(made.value) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(state_dir.stat().st_mode) == 0o700
    assert local_admin_token(state_dir, {}).value == made.value  # reused, never replaced
    assert [p.name for p in state_dir.iterdir()] == ["admin-token"]  # no temporary left
    # A configured token wins, and the site's file is left alone.
    configured = local_admin_token(state_dir, {"SITE_GEN_ADMIN_TOKEN": "set-by-hand"})
    assert (configured.value, configured.source) == ("set-by-hand", "SITE_GEN_ADMIN_TOKEN")
    assert path.read_text().strip() == made.value


def test_an_empty_token_file_is_replaced_by_a_real_token(state_dir: Path) -> None:
    state_dir.mkdir(parents=True)
    (state_dir / "admin-token").write_text("")
    assert len(local_admin_token(state_dir, {}).value) >= 32


def test_the_value_never_shows(state_dir: Path) -> None:
    token = local_admin_token(state_dir, {})
    assert token.value not in repr(token)
    assert token.value not in token.refused()
    assert str(state_dir / "admin-token") in token.refused()
    assert "401" in token.refused()
