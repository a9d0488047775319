"""Archives of every format version this site-gen reads: a version 1 archive (made before the
domain policies travelled) still imports, and a manifest whose files do not fit its version is
refused with nothing changed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from archive_tools import Members, read_members, with_manifest, write_members
from site_function.owner.state_archive import ArchiveError, export_state, import_state
from site_function.owner.state_archive.archive_format import VERSION
from site_function.store import Store, open_store
from state_scenario import SITE, T0, every_list, fill

NEW_IN_2 = ("policies.jsonl", "severed.jsonl")


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> tuple[Members, dict[str, Any]]:
    """The scenario's archive, taken apart, and what the store it came from answered."""
    folder = tmp_path_factory.mktemp("versions")
    source = open_store(f"sqlite:///{folder / 'source.sqlite3'}")
    try:
        fill(source)
        export_state(source, folder / "current.tar", SITE, T0)
        expected = every_list(source)
    finally:
        source.close()
    return read_members(folder / "current.tar"), expected


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(
    request: pytest.FixtureRequest,
    sqlite_url: Callable[[str], str],
    postgres_url: Callable[[], str],
) -> Iterator[Store]:
    url = sqlite_url("target.sqlite3") if request.param == "sqlite" else postgres_url()
    store = open_store(url)
    yield store
    store.close()


def _as_version_1(members: Members) -> Members:
    """The archive as a site-gen before the domain policies wrote it."""

    def older(manifest: dict[str, Any]) -> None:
        manifest["version"] = 1
        for name in NEW_IN_2:
            del manifest["files"][name]

    return {name: data for name, data in with_manifest(members, older).items()
            if name not in NEW_IN_2}  # fmt: skip


def test_the_manifest_says_version_2_and_lists_the_new_kinds(
    scenario: tuple[Members, dict[str, Any]],
) -> None:
    members, _expected = scenario
    assert VERSION == 2
    assert b'"version": 2' in members["manifest.json"]
    assert all(members[name] and name.encode() in members["manifest.json"] for name in NEW_IN_2)


def test_a_version_1_archive_still_imports(
    target: Store, scenario: tuple[Members, dict[str, Any]], tmp_path: Path
) -> None:
    members, expected = scenario
    archive = write_members(tmp_path / "v1.tar", _as_version_1(members))
    result = import_state(target, archive, SITE)
    assert result.counts.counts["policies"] == result.counts.counts["severed"] == 0
    assert result.counts.added == result.counts.counts
    moved = every_list(target)
    assert moved["severed"] == []
    assert moved["policies"].policies == ()
    # Allow-only mode is a settings row: it travelled in version 1 already.
    assert moved["policies"].allow_only
    assert {k: v for k, v in moved.items() if k not in ("policies", "severed")} == {
        k: v for k, v in expected.items() if k not in ("policies", "severed")
    }


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("version 1 listing a new kind", "malformed.*unexpected files listed"),
        ("version 2 lacking a new kind", r"malformed.*policies\.jsonl"),
        ("version true", "format version True"),
        ("version text", "format version '2'"),
        ("version 0", "format version 0"),
    ],
)
def test_a_manifest_that_does_not_fit_its_version_is_refused(
    target: Store, scenario: tuple[Members, dict[str, Any]], tmp_path: Path, case: str,
    message: str,
) -> None:  # fmt: skip
    members, _expected = scenario
    if case == "version 1 listing a new kind":
        bad = with_manifest(members, lambda m: m.update(version=1))
    elif case == "version 2 lacking a new kind":
        bad = with_manifest(_as_version_1(members), lambda m: m.update(version=2))
    else:
        value = {"version true": True, "version text": "2", "version 0": 0}[case]
        bad = with_manifest(members, lambda m: m.update(version=value))
    before = every_list(target), target.state_counts()
    with pytest.raises(ArchiveError, match=message):
        import_state(target, write_members(tmp_path / "bad.tar", bad), SITE)
    assert (every_list(target), target.state_counts()) == before
