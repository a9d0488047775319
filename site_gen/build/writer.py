"""The one writer of the output folder: stages every file, then swaps them in at the end.

A build writes into a staging folder beside the output and touches the output only in
`commit()`, after every artifact has been rendered; a content error (or any exception) calls
`abort()` and the previous output stays as it was.

- A full build renames the staging folder into place (the old output is moved aside first,
  then removed), so readers see either the old site or the new one.
- An incremental build stages only the files whose bytes changed since the manifest of the
  previous build, moves each into place with an atomic rename, and deletes files that the
  new build no longer produces.

Two artifacts at one path are a bug in a renderer or a content clash: `OutputError`.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from site_core.errors import OutputError
from site_gen.build.artifacts import Artifact

__all__ = ["Manifest", "OutputWriter", "WriteReport", "digest_of", "stage_file"]


def digest_of(data: bytes) -> str:
    """What the manifest keeps of a file's bytes (128 bits, hex): equal digests, same bytes.

    SHA-256 truncated rather than BLAKE2b: OpenSSL computes it with the CPU's SHA
    instructions (x86 SHA-NI, ARMv8), twice as fast over the ~35 MB of a 1,000-post site.
    """
    return hashlib.sha256(data).hexdigest()[:32]


def stage_file(
    staging: Path | None, path: str, data: bytes, previous: str | None
) -> tuple[str, bool]:
    """Write one file into the staging folder unless the output already holds these bytes.

    Runs in the worker processes too (each renders and writes its own files, so the bytes
    never travel to the main process); returns the digest and whether it was written. With
    `staging=None` (check mode) nothing is written.
    """
    _checked(path)
    digest = digest_of(data)
    if staging is None or previous == digest:
        return digest, False
    write_new_file(f"{staging}/{path}", data)
    return digest, True


_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)
_made_folders: set[str] = set()  # of this process: no mkdir of a folder it already made


def write_new_file(target: str, data: bytes) -> None:
    """Write `data` at `target`, making its folder first when this process has not.

    Creating files is most of what writing a site costs: one open, one write, one close
    (`Path.write_bytes` adds an fstat, an ioctl and an lseek per file, and a missing folder
    found by a failed open). The permissions are those of `open()`: 0o666 less the umask.
    """
    folder = target.rpartition("/")[0]
    if folder not in _made_folders:
        _make_folder(folder)
        if len(_made_folders) > 100_000:  # a long preview process: forget old staging folders
            _made_folders.clear()
        _made_folders.add(folder)
    try:
        descriptor = os.open(target, _OPEN_FLAGS, 0o666)
    except FileNotFoundError:  # a folder of an earlier staging folder, since removed
        os.makedirs(folder, exist_ok=True)
        descriptor = os.open(target, _OPEN_FLAGS, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
    finally:
        os.close(descriptor)


def _make_folder(folder: str) -> None:
    """Make `folder` with one `mkdir` when its parent exists, as it almost always does.

    `os.makedirs` stats the parent before every `mkdir`: one syscall per new folder more.
    A file in the folder's place is left for the `open` that follows to report.
    """
    try:
        os.mkdir(folder)
    except FileExistsError:
        pass
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)


@dataclass
class Manifest:
    """What the previous build wrote: a fingerprint of its inputs, every file and its digest,
    and for each rendered page the hash of exactly its inputs (to skip unchanged pages)."""

    fingerprint: str = ""
    files: dict[str, str] = field(default_factory=dict)
    pages: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Manifest | None:
        """The saved manifest (a private pickle: 20,000 entries load in milliseconds)."""
        try:
            with path.open("rb") as handle:
                fingerprint, files, pages = pickle.load(handle)  # noqa: S301 (our own file)
            return cls(str(fingerprint), dict(files), dict(pages))
        except (OSError, ValueError, EOFError, TypeError, AttributeError, pickle.PickleError):
            return None

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as handle:
            pickle.dump((self.fingerprint, self.files, self.pages), handle, pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)


class WriteReport(NamedTuple):
    written: int
    unchanged: int
    removed: int


def _checked(path: str) -> str:
    """A relative path inside the output folder (string tests: this runs for every file)."""
    if not path or path.startswith("/") or "\\" in path or ".." in path.split("/"):
        raise OutputError(f"refusing to write outside the output folder: {path!r}")
    return path


class OutputWriter:
    """Stages artifacts; `previous` (a manifest) enables the incremental mode."""

    def __init__(self, output_dir: Path, previous: Manifest | None = None) -> None:
        self.output_dir = output_dir
        self.incremental = previous is not None and output_dir.is_dir()
        self.previous = previous if self.incremental else None
        output_dir.parent.mkdir(parents=True, exist_ok=True)
        self.staging = Path(
            tempfile.mkdtemp(prefix=f".{output_dir.name}.building-", dir=output_dir.parent)
        )
        self.files: dict[str, str] = {}
        self._staged: list[str] = []

    def _claim(self, path: str) -> None:
        if path in self.files:
            raise OutputError(f"two files would be written at {path}")

    @property
    def previous_files(self) -> dict[str, str]:
        """Digests of the files the output holds (empty unless incremental)."""
        return self.previous.files if self.previous is not None else {}

    def add(self, artifact: Artifact) -> None:
        path = _checked(artifact.path)
        self._claim(path)
        digest = digest_of(artifact.data)
        self.files[path] = digest
        if self.previous is not None and self.previous.files.get(path) == digest:
            return  # same bytes as what the output already holds
        write_new_file(f"{self.staging}/{path}", artifact.data)
        self._staged.append(path)

    def record(self, path: str, digest: str, staged: bool) -> None:
        """A file a worker process wrote into the staging folder (or found unchanged)."""
        self._claim(path)
        self.files[path] = digest
        if staged:
            self._staged.append(path)

    def keep(self, path: str) -> None:
        """A file of the previous build that stays as it is (an unchanged post's page)."""
        assert self.previous is not None, "keep() needs an incremental build"
        self._claim(path)
        self.files[path] = self.previous.files[path]

    def keep_all(self, paths: Iterable[str]) -> None:
        """`keep` for many files at once (a rebuild keeps tens of thousands)."""
        assert self.previous is not None, "keep_all() needs an incremental build"
        names = list(paths)
        previous = self.previous.files
        kept = dict(zip(names, map(previous.__getitem__, names), strict=True))
        if len(kept) != len(names):  # a path twice
            seen: set[str] = set()
            for path in names:
                if path in seen:
                    raise OutputError(f"two files would be written at {path}")
                seen.add(path)
        self.keep_files(kept)

    def keep_files(self, kept: Mapping[str, str]) -> None:
        """`keep_all` for files whose digests the caller holds from the previous manifest
        (path -> digest): one dict update, no lookup per path."""
        assert self.previous is not None, "keep_files() needs an incremental build"
        if not self.files.keys().isdisjoint(kept):
            path = min(self.files.keys() & kept.keys())
            raise OutputError(f"two files would be written at {path}")
        self.files.update(kept)

    def commit(self) -> WriteReport:
        if not self.incremental:
            return self._swap()
        assert self.previous is not None
        for path in self._staged:
            target = self.output_dir / path
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.staging / path, target)
        removed = self._removed()
        for path in removed:
            (self.output_dir / path).unlink(missing_ok=True)
        shutil.rmtree(self.staging, ignore_errors=True)
        return WriteReport(len(self._staged), len(self.files) - len(self._staged), len(removed))

    def _removed(self) -> set[str]:
        """Files of the previous build this one did not make. A path the previous build
        lacks is always staged (unstaged files have the previous digest): when the counts
        say every previous file is still there, no set of 70,000 paths is made."""
        assert self.previous is not None
        previous = self.previous.files
        new = sum(1 for path in self._staged if path not in previous)
        if len(self.files) - new == len(previous):
            return set()
        return previous.keys() - self.files.keys()

    def _swap(self) -> WriteReport:
        self.staging.chmod(0o755)
        old = None
        if self.output_dir.exists():
            old = Path(
                tempfile.mkdtemp(prefix=f".{self.output_dir.name}.old-", dir=self.output_dir.parent)
            )
            os.replace(self.output_dir, old / "previous")
        os.replace(self.staging, self.output_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return WriteReport(len(self._staged), 0, 0)

    def abort(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
