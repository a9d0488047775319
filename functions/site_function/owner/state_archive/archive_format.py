"""The state archive on disk: a tar of one manifest and one JSON Lines file per kind.

Layout (format ``site-gen-state``, version 2), in this order::

    manifest.json        format, version, site (our actor id), created_at, schema_version,
                         files: {name: {kind, count, sha256}}, key: {file, sha256, encryption}
    settings.jsonl ...   one record per line, one file per kind (``TRANSFER_KINDS``)
    private-key.pem      only with --include-key: PKCS#8 PEM encrypted with the passphrase

The manifest's ``version`` says which kinds the archive holds: version 1 (written before the
domain policies) has every kind but ``policies`` and ``severed``; version 2 has them all. An
archive of either version is read, and must list exactly the files of its version; a newer
version is refused with a clear message rather than half read. (Allow-only mode is a
``settings`` row, so a version 1 archive carries it already.)

Reading never extracts anything to disk: members are read as streams, and only regular files
with the names above are accepted (a link, a directory, a path such as ``../x`` or a name
met twice makes the whole archive refused). A damaged or truncated tar is an ``ArchiveError``.
The manifest comes first so a reader knows what to expect before it reads any data.
"""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from site_function.owner.errors import OwnerRequestError
from site_function.store.transfer import TRANSFER_KINDS, TransferKind

__all__ = [
    "FORMAT",
    "KEY_MEMBER",
    "MANIFEST",
    "VERSION",
    "ArchiveError",
    "FileEntry",
    "KeyEntry",
    "Manifest",
    "add_bytes",
    "add_member",
    "kinds_of",
    "member_name",
    "open_members",
]

FORMAT = "site-gen-state"
VERSION = 2
#: The format version that first held each kind (1 unless listed): what older archives lack.
_SINCE: dict[TransferKind, int] = {"policies": 2, "severed": 2}
MANIFEST = "manifest.json"
KEY_MEMBER = "private-key.pem"
_MAX_MANIFEST = 1 << 20


class ArchiveError(OwnerRequestError):
    """The archive cannot be used (damaged, another format or site, a wrong passphrase) or
    the store cannot take it; nothing was changed."""


def kinds_of(version: int) -> tuple[TransferKind, ...]:
    """The kinds an archive of format ``version`` holds, in archive order."""
    return tuple(kind for kind in TRANSFER_KINDS if _SINCE.get(kind, 1) <= version)


def member_name(kind: TransferKind) -> str:
    """The archive member holding one kind."""
    return f"{kind}.jsonl"


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One JSON Lines member as the manifest describes it."""

    kind: TransferKind
    count: int
    sha256: str


@dataclass(frozen=True, slots=True)
class KeyEntry:
    """The encrypted private key member, when the archive has one."""

    sha256: str
    encryption: str


@dataclass(frozen=True, slots=True)
class Manifest:
    """What an archive says it holds."""

    site: str
    created_at: datetime
    schema_version: int
    files: dict[str, FileEntry]
    key: KeyEntry | None = None
    version: int = VERSION

    def to_bytes(self) -> bytes:
        files = {name: {"kind": e.kind, "count": e.count, "sha256": e.sha256}
                 for name, e in self.files.items()}  # fmt: skip
        data: dict[str, Any] = {
            "format": FORMAT,
            "version": self.version,
            "site": self.site,
            "created_at": self.created_at.isoformat(),
            "schema_version": self.schema_version,
            "files": files,
        }
        if self.key is not None:
            data["key"] = {"file": KEY_MEMBER, "sha256": self.key.sha256,
                           "encryption": self.key.encryption}  # fmt: skip
        return json.dumps(data, indent=2, sort_keys=True).encode("utf-8") + b"\n"

    @classmethod
    def from_bytes(cls, raw: bytes) -> Manifest:
        """The manifest, or ``ArchiveError`` naming what is wrong with it."""
        try:
            data = json.loads(raw)
        except ValueError:
            raise ArchiveError("the archive's manifest.json is not JSON") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ArchiveError(f"not a site-gen state archive (manifest format is not {FORMAT})")
        version = data.get("version")
        if type(version) is not int or not 1 <= version <= VERSION:
            raise ArchiveError(
                f"the archive is format version {version!r}; this site-gen reads versions 1"
                f" to {VERSION} (use the site-gen that wrote it, or a newer one)"
            )
        try:
            return _manifest_of(data, version)
        except (KeyError, TypeError, ValueError) as exc:
            raise ArchiveError(f"the archive's manifest.json is malformed: {exc!r}") from None


def _manifest_of(data: dict[str, Any], version: int) -> Manifest:
    files: dict[str, FileEntry] = {}
    for kind in kinds_of(version):
        name = member_name(kind)
        entry = data["files"][name]
        count, digest = entry["count"], entry["sha256"]
        if entry["kind"] != kind or type(count) is not int or count < 0:
            raise ValueError(f"bad entry for {name}")
        files[name] = FileEntry(kind, count, str(digest))
    if set(data["files"]) != set(files):
        raise ValueError("unexpected files listed")
    key = data.get("key")
    return Manifest(
        site=str(data["site"]),
        created_at=datetime.fromisoformat(data["created_at"]),
        schema_version=int(data["schema_version"]),
        files=files,
        key=None if key is None else KeyEntry(str(key["sha256"]), str(key["encryption"])),
        version=version,
    )


@contextmanager
def open_members(path: Path) -> Iterator[tuple[Manifest, Iterator[tuple[str, IO[bytes]]]]]:
    """The manifest and an iterator over the other members as ``(name, stream)`` in archive
    order, each checked to be a regular file the manifest expects, met once. Every tar error
    (damaged, truncated) becomes an ``ArchiveError``."""
    try:
        with tarfile.open(path, mode="r:*") as tar:
            first = tar.next()
            if first is None or first.name != MANIFEST or not first.isreg():
                raise ArchiveError("not a site-gen state archive (manifest.json must come first)")
            manifest = Manifest.from_bytes(_read_small(tar, first))
            yield manifest, _members(tar, manifest)
    except (tarfile.TarError, EOFError, OSError, UnicodeError) as exc:
        raise ArchiveError(f"{path}: the archive is damaged or truncated ({exc})") from None


def _read_small(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    if member.size > _MAX_MANIFEST:
        raise ArchiveError("the archive's manifest.json is too large")
    stream = tar.extractfile(member)
    if stream is None:
        raise ArchiveError("the archive's manifest.json is not a file")
    return stream.read()


def _members(tar: tarfile.TarFile, manifest: Manifest) -> Iterator[tuple[str, IO[bytes]]]:
    expected = set(manifest.files) | ({KEY_MEMBER} if manifest.key else set())
    seen: set[str] = set()
    # next(), not iteration: iterating a TarFile starts again from its first member.
    while (member := tar.next()) is not None:
        name = member.name
        if not member.isreg() or name not in expected or name in seen:
            what = "a link" if member.issym() or member.islnk() else f"{member.name!r}"
            raise ArchiveError(
                f"the archive holds {what}, which a state archive never has; refused"
            )
        seen.add(name)
        stream = tar.extractfile(member)
        if stream is None:  # pragma: no cover - a regular member always has a stream
            raise ArchiveError(f"cannot read {name!r} in the archive")
        yield name, stream
    if seen != expected:
        raise ArchiveError(
            f"the archive is truncated or incomplete: {', '.join(sorted(expected - seen))} missing"
        )


def add_member(tar: tarfile.TarFile, name: str, source: IO[bytes], size: int) -> None:
    """Append one regular file of known size (read from ``source``) to an archive."""
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    tar.addfile(info, source)


def add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    """Append a small regular file held in memory."""
    add_member(tar, name, io.BytesIO(data), len(data))
