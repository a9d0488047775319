"""Which site-gen the workflow installs: read from how the owner's site-gen is installed.

PEP 610 records (`direct_url.json`) of each kind, real git checkouts made in the test, and a
real distribution on `sys.path` read through importlib.metadata.
"""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from requirements import require

from site_gen.workflows import installed_source
from site_gen.workflows.package_source import source_from_direct_url


def _git(folder: Path, *args: str) -> str:
    command = ["git", "-C", str(folder), "-c", "user.name=O", "-c", "user.email=o@localhost"]
    done = subprocess.run([*command, *args], check=True, capture_output=True, text=True)
    return done.stdout.strip()


def _checkout(folder: Path, remote: str | None) -> str:
    """A git checkout of a site-gen source tree with one commit; returns the commit."""
    require(shutil.which("git"), "git")
    folder.mkdir(parents=True)
    (folder / "pyproject.toml").write_text('[project]\nname = "site-gen"\n')
    _git(folder, "init", "-q")
    _git(folder, "add", "-A")
    _git(folder, "commit", "-q", "-m", "source")
    if remote is not None:
        _git(folder, "remote", "add", "origin", remote)
    return _git(folder, "rev-parse", "HEAD")


def test_a_git_install_is_kept_at_its_commit_without_credentials() -> None:
    record = {
        "url": "https://owner:ghp_secret@github.com/owner/site-gen.git",
        "vcs_info": {"vcs": "git", "commit_id": "0123abcd", "requested_revision": "main"},
        "subdirectory": "pkg",
    }
    source = source_from_direct_url(record, "0.1.0")
    assert source.requirement == (
        "site-gen @ git+https://github.com/owner/site-gen.git@0123abcd#subdirectory=pkg"
    )
    assert source.note is None
    assert "ghp_secret" not in source.requirement


def test_an_archive_on_the_web_is_reachable_and_one_on_disk_is_not() -> None:
    web = {"url": "https://files.example/site_gen-0.1.0-py3-none-any.whl", "archive_info": {}}
    assert source_from_direct_url(web, "0.1.0").requirement == f"site-gen @ {web['url']}"
    disk = {"url": "file:///home/me/dist/site_gen-0.1.0-py3-none-any.whl", "archive_info": {}}
    source = source_from_direct_url(disk, "0.1.0")
    assert source.requirement == f"site-gen @ {disk['url']}"
    assert source.note is not None
    assert "/home/me/dist/site_gen-0.1.0-py3-none-any.whl" in source.note
    assert "GitHub cannot" in source.note
    assert '"site-gen==0.1.0"' in source.note


@pytest.mark.parametrize(
    ("remote", "expected"),
    [
        ("git@github.com:owner/site-gen.git", "https://github.com/owner/site-gen.git"),
        ("ssh://git@codeberg.org/owner/site-gen.git", "https://codeberg.org/owner/site-gen.git"),
        ("https://me:token@gitlab.com/owner/site-gen", "https://gitlab.com/owner/site-gen"),
    ],
)
def test_a_local_checkout_becomes_its_remote_at_its_commit(
    tmp_path: Path, remote: str, expected: str
) -> None:
    commit = _checkout(tmp_path / "site-gen", remote)
    record = {"url": (tmp_path / "site-gen").as_uri(), "dir_info": {"editable": True}}
    source = source_from_direct_url(record, "0.1.0")
    assert source.requirement == f"site-gen @ git+{expected}@{commit}"
    assert source.note is not None
    assert "push that commit" in source.note
    assert "uncommitted" not in source.note
    assert "token" not in source.requirement + source.note


def test_uncommitted_changes_are_named(tmp_path: Path) -> None:
    _checkout(tmp_path / "site-gen", "https://example.org/owner/site-gen.git")
    (tmp_path / "site-gen" / "pyproject.toml").write_text('[project]\nname = "changed"\n')
    record = {"url": (tmp_path / "site-gen").as_uri(), "dir_info": {}}
    note = source_from_direct_url(record, "0.1.0").note
    assert note is not None
    assert "uncommitted changes" in note


@pytest.mark.parametrize("remote", [None, "/srv/git/site-gen.git"])
def test_a_folder_github_cannot_reach_is_written_with_a_note(
    tmp_path: Path, remote: str | None
) -> None:
    _checkout(tmp_path / "site-gen", remote)
    record = {"url": (tmp_path / "site-gen").as_uri(), "dir_info": {"editable": True}}
    source = source_from_direct_url(record, "0.1.0")
    assert source.requirement == f"site-gen @ {(tmp_path / 'site-gen').as_uri()}"
    assert source.note is not None
    assert str(tmp_path / "site-gen") in source.note


def _distribution(root: Path, direct_url: dict[str, object] | None) -> None:
    info = root / "site_gen-9.9.9.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: site-gen\nVersion: 9.9.9\n")
    if direct_url is not None:
        (info / "direct_url.json").write_text(json.dumps(direct_url))


def test_a_release_from_the_index_is_pinned_to_its_exact_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _distribution(tmp_path, None)
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    source = installed_source()
    assert (source.requirement, source.note) == ("site-gen==9.9.9", None)


def test_the_installed_record_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    record = {"url": "https://github.com/o/site-gen", "vcs_info": {"vcs": "git", "commit_id": "c0"}}
    _distribution(tmp_path, record)
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    assert installed_source().requirement == "site-gen @ git+https://github.com/o/site-gen@c0"
