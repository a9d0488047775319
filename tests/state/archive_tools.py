"""Archives taken apart and put back together by hand, to make the damaged ones."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path

Members = dict[str, bytes]


def read_members(path: Path) -> Members:
    with tarfile.open(path) as tar:
        found: Members = {}
        for member in tar.getmembers():
            stream = tar.extractfile(member)
            assert stream is not None
            found[member.name] = stream.read()
    return found


def write_members(
    path: Path, members: Members, *, extra: Callable[[tarfile.TarFile], None] | None = None
) -> Path:
    """Write ``members`` in order (manifest first, as given), then whatever ``extra`` adds."""
    with tarfile.open(path, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        if extra is not None:
            extra(tar)
    return path


def with_manifest(members: Members, change: Callable[[dict[str, object]], None]) -> Members:
    manifest = json.loads(members["manifest.json"])
    change(manifest)
    return {**members, "manifest.json": json.dumps(manifest).encode()}


def resealed(members: Members, name: str, data: bytes) -> Members:
    """``members`` with ``name`` replaced and the manifest's checksum and count made to fit."""

    def fit(manifest: dict[str, object]) -> None:
        files = manifest["files"]
        assert isinstance(files, dict)
        files[name] = {**files[name], "sha256": hashlib.sha256(data).hexdigest(),
                       "count": data.count(b"\n")}  # fmt: skip

    return {**with_manifest(members, fit), name: data}
