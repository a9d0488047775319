"""`site-gen state export|import|copy` through the real command line, on a copy of a site."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from site_function.store import open_store
from state_scenario import every_list, fill

from site_core.keys import generate_private_key, load_private_key, private_key_to_pem
from site_gen.cli import cli

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "site.yaml").write_text(
        (REPO / "content" / "site.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    return folder


def _run(*args: str, passphrase: str = "") -> tuple[int, str]:
    env = {"SITE_GEN_STATE_PASSPHRASE": passphrase, "SITE_GEN_DATABASE_URL": "",
           "SITE_GEN_PRIVATE_KEY": "", "SITE_GEN_SITE": ""}  # fmt: skip
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.output


def test_export_import_copy_and_refusal(
    site: Path, tmp_path: Path, sqlite_url: Callable[[str], str]
) -> None:
    source, target, copied = (sqlite_url(n) for n in ("a.sqlite3", "b.sqlite3", "c.sqlite3"))
    store = open_store(source)
    fill(store)
    expected = every_list(store)
    store.close()
    key = generate_private_key()
    (site / ".site-gen").mkdir(mode=0o700)
    (site / ".site-gen" / "private-key.pem").write_bytes(private_key_to_pem(key))
    archive = tmp_path / "state.tar.gz"

    code, out = _run("state", "export", "--site", str(site), "--database", source, "-o",
                     str(archive), "--include-key", "--mastodon", str(tmp_path / "m"),
                     passphrase="a long passphrase")  # fmt: skip
    assert code == 0, out
    assert "and the encrypted key" in out
    rows = list(csv.reader((tmp_path / "m" / "followers.csv").read_text().splitlines()))
    assert rows[0] == ["Account address", "Show boosts", "Notify on new posts", "Languages"]
    assert ["ann@m.example", "true", "false", ""] in rows
    assert (tmp_path / "m" / "blocked_domains.csv").read_text() == "bad.example\n"

    (site / ".site-gen" / "private-key.pem").unlink()
    code, out = _run("state", "import", str(archive), "--site", str(site), "--database", target,
                     "--restore-key", passphrase="a long passphrase")  # fmt: skip
    assert code == 0, out
    restored = load_private_key((site / ".site-gen" / "private-key.pem").read_bytes())
    assert private_key_to_pem(restored) == private_key_to_pem(key)

    code, out = _run("state", "import", str(archive), "--site", str(site), "--database", target)
    assert code == 1
    assert "not empty" in out

    code, out = _run("state", "copy", "--from", target, "--to", copied)
    assert code == 0, out
    for url in (target, copied):
        moved = open_store(url)
        assert every_list(moved) == expected
        moved.close()
