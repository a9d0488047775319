"""Load an archive into a store: checked whole first, then loaded in one transaction.

The first pass reads every member and compares its SHA-256 and line count with the manifest
(and opens the private key, when asked, so a wrong passphrase is found before anything
changes); only then is the target checked (the site it belongs to, empty unless ``merge``)
and the second pass loads the records, a page at a time, inside one transaction of the
store: a record that does not parse, or a member that changed since the first pass, rolls
the whole import back.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from cryptography.hazmat.primitives.asymmetric import rsa

from site_function.owner.state_archive.archive_format import (
    KEY_MEMBER,
    ArchiveError,
    Manifest,
    open_members,
)
from site_function.owner.state_archive.exporting import StateCounts
from site_function.owner.state_archive.private_key import decrypt_key
from site_function.owner.state_archive.record_json import RecordError, record_from_json
from site_function.store.base import Store
from site_function.store.transfer import TRANSFER_KINDS, TransferKind, TransferRecord

__all__ = ["ArchiveImport", "import_state", "require_empty", "verify_archive"]

MAX_LINE = 16 << 20  # one record; the inbox accepts far smaller documents
#: Records per bulk insert (a COPY on PostgreSQL): larger than an export's pages, as each
#: statement is a round trip; a few MiB of records at most.
IMPORT_PAGE = 5000
_READ = 1 << 20
_MAX_KEY = 64 << 10


@dataclass(frozen=True, slots=True)
class ArchiveImport:
    """What an import did, and the private key when it was asked for."""

    counts: StateCounts
    key: rsa.RSAPrivateKey | None


def verify_archive(
    archive: Path, passphrase: str | None = None
) -> tuple[Manifest, rsa.RSAPrivateKey | None]:
    """The manifest of an archive whose members all match it, and its private key when a
    passphrase is given; ``ArchiveError`` otherwise."""
    key: rsa.RSAPrivateKey | None = None
    with open_members(archive) as (manifest, members):
        for name, stream in members:
            if name == KEY_MEMBER:
                pem = stream.read(_MAX_KEY + 1)
                if manifest.key is None or hashlib.sha256(pem).hexdigest() != manifest.key.sha256:
                    raise ArchiveError("the archive's private key does not match its checksum")
                key = None if passphrase is None else decrypt_key(pem, passphrase)
                continue
            digest, lines = _digest(stream)
            entry = manifest.files[name]
            if digest != entry.sha256 or lines != entry.count:
                raise ArchiveError(f"{name} in the archive does not match its checksum; refused")
    if passphrase is not None and manifest.key is None:
        raise ArchiveError("the archive has no private key (it was exported without one)")
    return manifest, key


def require_empty(store: Store) -> None:
    """``ArchiveError`` unless the store holds no state at all (the --merge hint included)."""
    held = {kind: count for kind, count in store.state_counts().items() if count}
    if held:
        listed = ", ".join(f"{kind}: {count}" for kind, count in held.items())
        raise ArchiveError(
            f"the database is not empty ({listed}); import into a new database, or pass"
            " --merge to add only what it lacks"
        )


def import_state(
    store: Store, archive: Path, site: str, *, merge: bool = False, passphrase: str | None = None
) -> ArchiveImport:
    """Load ``archive`` into ``store`` for the site whose actor id is ``site``."""
    manifest, key = verify_archive(archive, passphrase)
    if manifest.site != site:
        raise ArchiveError(
            f"the archive holds the state of {manifest.site}, not of this site ({site});"
            " refused: followers follow one actor"
        )
    if not merge:
        require_empty(store)
    added: dict[TransferKind, int] = dict.fromkeys(TRANSFER_KINDS, 0)
    with store.transaction(), open_members(archive) as (again, members):
        if again != manifest:
            raise ArchiveError("the archive changed while it was being imported")
        for name, stream in members:
            if name == KEY_MEMBER:
                continue
            entry = manifest.files[name]
            for page in _records(entry.kind, name, stream, entry.sha256):
                added[entry.kind] += store.import_records(entry.kind, page, merge=merge)
    # Every kind: those an older archive lacks count none.
    counts = dict.fromkeys(TRANSFER_KINDS, 0) | {e.kind: e.count for e in manifest.files.values()}
    return ArchiveImport(StateCounts(counts, added, manifest.key is not None), key)


def _digest(stream: IO[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    lines = 0
    while chunk := stream.read(_READ):
        digest.update(chunk)
        lines += chunk.count(b"\n")
    return digest.hexdigest(), lines


def _records(
    kind: TransferKind, name: str, stream: IO[bytes], sha256: str
) -> Iterator[list[TransferRecord]]:
    """The member's records a page at a time; its checksum is checked again at the end.

    Read in large chunks split into lines (not line by line): the digest and the reads are
    paid per chunk, and only the parse and the check per record."""
    digest = hashlib.sha256()
    page: list[TransferRecord] = []
    number = 0
    rest = b""
    while chunk := stream.read(_READ):
        digest.update(chunk)
        lines = (rest + chunk).split(b"\n")
        rest = lines.pop()
        if len(rest) > MAX_LINE:
            raise ArchiveError(f"{name} line {number + 1}: too long, or cut short")
        for line in lines:
            number += 1
            if len(line) > MAX_LINE:
                raise ArchiveError(f"{name} line {number}: too long, or cut short")
            try:
                page.append(record_from_json(kind, json.loads(line)))
            except (RecordError, ValueError) as exc:
                raise ArchiveError(f"{name} line {number}: {exc}") from None
            if len(page) >= IMPORT_PAGE:
                yield page
                page = []
    if rest:
        raise ArchiveError(f"{name} line {number + 1}: too long, or cut short")
    if digest.hexdigest() != sha256:
        raise ArchiveError(f"{name} in the archive does not match its checksum; refused")
    if page:
        yield page
