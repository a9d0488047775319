"""Write the whole state of a store to one archive, in constant memory.

Every kind is read from one snapshot a page at a time and written as JSON Lines to a
temporary file beside the output (a tar member's size must be known before its data), its
SHA-256 and line count taken on the way; then the manifest and the members are put in the
tar, which replaces the output only when complete. The archive is created 0600: it lists
the owner's followers and, with ``key_pem``, carries the encrypted private key.
"""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from site_function.owner.state_archive.archive_format import (
    KEY_MEMBER,
    MANIFEST,
    ArchiveError,
    FileEntry,
    KeyEntry,
    Manifest,
    add_bytes,
    add_member,
    member_name,
)
from site_function.owner.state_archive.private_key import ENCRYPTION
from site_function.owner.state_archive.record_json import record_to_json
from site_function.store.base import Store
from site_function.store.transfer import TRANSFER_KINDS, StateSnapshot, TransferKind

__all__ = ["StateCounts", "export_state"]

PAGE = 1000


@dataclass(frozen=True, slots=True)
class StateCounts:
    """How many records of each kind an export wrote or an import read, and how many an
    import added (fewer with --merge: the rows the store held already were kept)."""

    counts: dict[TransferKind, int]
    added: dict[TransferKind, int]
    with_key: bool = False


def export_state(
    store: Store, output: Path, site: str, now: datetime, *, key_pem: bytes | None = None
) -> StateCounts:
    """Write the store's state to ``output`` (a tar; ``.tar.gz``/``.tgz`` compresses it)
    for the site whose actor id is ``site``; ``key_pem`` is the already encrypted key."""
    output = output.expanduser().absolute()
    if not output.parent.is_dir():
        raise ArchiveError(f"{output.parent} is not a folder")
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".site-gen-state-") as work:
        folder = Path(work)
        entries: dict[str, FileEntry] = {}
        with store.read_state() as snapshot:
            for kind in TRANSFER_KINDS:
                entries[member_name(kind)] = _write_lines(snapshot, kind, folder)
        key = None if key_pem is None else KeyEntry(hashlib.sha256(key_pem).hexdigest(), ENCRYPTION)
        manifest = Manifest(site, now, store.schema_version(), entries, key)
        partial = folder / "archive.tar"
        _write_tar(partial, output.name, manifest, folder, key_pem)
        partial.chmod(0o600)
        os.replace(partial, output)
    counts = {entry.kind: entry.count for entry in entries.values()}
    return StateCounts(counts, dict(counts), key_pem is not None)


def _write_lines(snapshot: StateSnapshot, kind: TransferKind, folder: Path) -> FileEntry:
    digest = hashlib.sha256()
    count = 0
    with (folder / member_name(kind)).open("wb") as out:
        for page in snapshot.pages(kind, PAGE):
            chunk = "".join(
                json.dumps(record_to_json(record), ensure_ascii=False, separators=(",", ":")) + "\n"
                for record in page
            ).encode("utf-8")
            digest.update(chunk)
            out.write(chunk)
            count += len(page)
    return FileEntry(kind, count, digest.hexdigest())


def _write_tar(
    partial: Path, shown: str, manifest: Manifest, folder: Path, key_pem: bytes | None
) -> None:
    # Level 1: most of the size gain of gzip for a fraction of its time on JSON.
    options: dict[str, Any] = {"compresslevel": 1} if shown.endswith((".gz", ".tgz")) else {}
    with tarfile.open(partial, "w:gz" if options else "w", **options) as tar:
        add_bytes(tar, MANIFEST, manifest.to_bytes())
        for name in manifest.files:
            path = folder / name
            with path.open("rb") as source:
                add_member(tar, name, source, path.stat().st_size)
        if key_pem is not None:
            add_bytes(tar, KEY_MEMBER, key_pem)
