"""Every archive and store an import must refuse, on both backends: a clear error, and the
target store exactly as it was (one transaction, checked before it starts)."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from archive_tools import read_members, resealed, with_manifest, write_members
from site_function.owner.state_archive import (
    ArchiveError,
    encrypt_key,
    export_state,
    import_state,
)
from site_function.owner.state_archive.archive_format import VERSION
from site_function.store import Block, Store, open_store
from state_scenario import SITE, T0, every_list, fill

from site_core.keys import generate_private_key, private_key_to_pem


@pytest.fixture(scope="module")
def key_and_archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, Path]:
    folder = tmp_path_factory.mktemp("archive")
    key = generate_private_key()
    source = open_store(f"sqlite:///{folder / 'source.sqlite3'}")
    try:
        fill(source)
        export_state(source, folder / "good.tar", SITE, T0,
                     key_pem=encrypt_key(key, "correct horse"))  # fmt: skip
    finally:
        source.close()
    return key, folder / "good.tar"


@pytest.fixture
def archive(key_and_archive: tuple[object, Path]) -> Path:
    return key_and_archive[1]


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


def _refused(store: Store, archive: Path, message: str, **options: object) -> None:
    before = every_list(store), store.state_counts()
    with pytest.raises(ArchiveError, match=message):
        import_state(store, archive, SITE, **options)  # type: ignore[arg-type]
    assert (every_list(store), store.state_counts()) == before


def test_a_store_holding_state_is_refused_unless_merge(target: Store, archive: Path) -> None:
    target.add_block(Block("domain", "held.example", T0))
    _refused(target, archive, r"not empty \(blocks: 1\).*--merge")
    result = import_state(target, archive, SITE, merge=True)
    assert result.counts.added["blocks"] == result.counts.counts["blocks"]
    assert len(target.list_blocks()) == result.counts.counts["blocks"] + 1
    again = import_state(target, archive, SITE, merge=True)  # everything held: nothing added
    assert sum(again.counts.added.values()) == 0


def test_another_sites_archive_is_refused(target: Store, archive: Path) -> None:
    with pytest.raises(ArchiveError, match="not of this site"):
        import_state(target, archive, "https://other.example/ap/actor")
    assert sum(target.state_counts().values()) == 0


def test_a_changed_member_fails_its_checksum(target: Store, archive: Path, tmp_path: Path) -> None:
    members = read_members(archive)
    data = members["followers.jsonl"].replace(b"accepted", b"pending!", 1)
    bad = write_members(tmp_path / "bad.tar", {**members, "followers.jsonl": data})
    _refused(target, bad, "followers.jsonl in the archive does not match its checksum")


def test_another_format_version_is_refused(target: Store, archive: Path, tmp_path: Path) -> None:
    newer = VERSION + 1
    members = with_manifest(read_members(archive), lambda m: m.update(version=newer))
    _refused(target, write_members(tmp_path / "newer.tar", members), f"format version {newer}")


def test_a_truncated_archive_is_refused(target: Store, archive: Path, tmp_path: Path) -> None:
    raw = archive.read_bytes()
    cut = tmp_path / "cut.tar"
    cut.write_bytes(raw[: len(raw) // 2])
    _refused(target, cut, "truncated")


def test_a_compressed_archive_cut_short_is_refused(
    target: Store, archive: Path, tmp_path: Path
) -> None:
    compressed = tmp_path / "whole.tar.gz"
    with tarfile.open(compressed, "w:gz") as tar:
        for name, data in read_members(archive).items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(compressed.read_bytes()[:-200])
    _refused(target, cut, "damaged or truncated")


@pytest.mark.parametrize("kind", ["traversal", "symlink", "hardlink", "directory", "twice"])
def test_members_that_are_not_plain_known_files_are_refused(
    target: Store, archive: Path, tmp_path: Path, kind: str
) -> None:
    def add(tar: tarfile.TarFile) -> None:
        info = tarfile.TarInfo("../../etc/evil" if kind == "traversal" else "seen.jsonl")
        if kind == "symlink":
            info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        elif kind == "hardlink":
            info.type, info.linkname = tarfile.LNKTYPE, "manifest.json"
        elif kind == "directory":
            info.type = tarfile.DIRTYPE
        tar.addfile(info, io.BytesIO(b"") if info.isreg() else None)

    members = read_members(archive)
    members.pop("private-key.pem")
    members.pop("seen.jsonl") if kind != "traversal" else None
    if kind == "twice":
        members["seen.jsonl"] = b""
        members = resealed(members, "seen.jsonl", b"")
    bad = write_members(tmp_path / "bad.tar", members, extra=add)
    _refused(target, bad, "never has; refused|truncated or incomplete")
    assert not (tmp_path.parent / "etc").exists()


def test_a_bad_record_late_in_the_archive_rolls_everything_back(
    target: Store, archive: Path, tmp_path: Path
) -> None:
    members = read_members(archive)
    data = (
        members["seen.jsonl"] + b'{"key": "not base64!", "seen_at": "2026-03-01T12:00:00+00:00"}\n'
    )
    bad = write_members(tmp_path / "bad.tar", resealed(members, "seen.jsonl", data))
    _refused(target, bad, r"seen.jsonl line 6: field 'key': expected base64")


def test_a_wrong_passphrase_is_refused_and_the_right_one_gives_the_key(
    target: Store, key_and_archive: tuple[object, Path]
) -> None:
    key, archive = key_and_archive
    _refused(target, archive, "wrong passphrase", passphrase="incorrect horse")
    result = import_state(target, archive, SITE, passphrase="correct horse")
    assert result.key is not None
    assert private_key_to_pem(result.key) == private_key_to_pem(key)  # type: ignore[arg-type]
    assert "PRIVATE KEY" not in "".join(read_members(archive)["settings.jsonl"].decode())
