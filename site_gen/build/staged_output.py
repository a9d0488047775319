"""Where the stages of a build put their files: one object, for a build and for a check.

A build stages through the `OutputWriter` (a staging folder swapped in at the end). A
check (`writer=None`) writes nothing, yet must fail exactly where a build would: it still
claims every path, so two files at one path are refused in both modes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from site_core.errors import OutputError
from site_gen.build.artifacts import Artifact
from site_gen.build.post_rendering import FileRecord
from site_gen.build.writer import OutputWriter, WriteReport

__all__ = ["StagedOutput"]


class StagedOutput:
    """Claims every output path once; stages bytes only when a writer is given."""

    def __init__(self, writer: OutputWriter | None) -> None:
        self.writer = writer
        self._claimed: set[str] = set()  # check mode: only the paths

    @property
    def staging(self) -> Path | None:
        """The folder the workers write into (None: check mode, nothing is written)."""
        return self.writer.staging if self.writer is not None else None

    @property
    def previous_files(self) -> Mapping[str, str]:
        """Digests of the files the output holds (empty unless incremental)."""
        return self.writer.previous_files if self.writer is not None else {}

    @property
    def incremental(self) -> bool:
        return self.writer is not None and self.writer.incremental

    @property
    def file_count(self) -> int:
        return len(self.writer.files) if self.writer is not None else len(self._claimed)

    def _claim(self, path: str) -> None:
        if path in self._claimed:
            raise OutputError(f"two files would be written at {path}")
        self._claimed.add(path)

    def record(self, record: FileRecord) -> None:
        """A file a worker process wrote into the staging folder (or found unchanged)."""
        if self.writer is not None:
            self.writer.record(record.path, record.digest, record.staged)
        else:
            self._claim(record.path)

    def add(self, artifact: Artifact) -> None:
        """A file rendered in the main process."""
        if self.writer is not None:
            self.writer.add(artifact)
        else:
            self._claim(artifact.path)

    def keep(self, path: str) -> None:
        """A file of the previous build that stays as it is (only an incremental build)."""
        assert self.writer is not None, "keep() needs an incremental build"
        self.writer.keep(path)

    def keep_all(self, paths: Iterable[str]) -> None:
        """Files of the previous build that stay as they are, many at once."""
        assert self.writer is not None, "keep_all() needs an incremental build"
        self.writer.keep_all(paths)

    def keep_files(self, files: Mapping[str, str]) -> None:
        """Files of the previous build that stay as they are, path -> the digest the
        previous manifest holds (the preview remembers them between builds)."""
        if files:
            assert self.writer is not None, "keep_files() needs an incremental build"
            self.writer.keep_files(files)

    def place(self, items: Iterable[Artifact | str]) -> None:
        """Artifacts are added; a path string is a file of the previous build kept as is."""
        for item in items:
            if isinstance(item, str):
                self.keep(item)
            else:
                self.add(item)

    def commit(self) -> WriteReport | None:
        """Swap the staged files into the output; None in check mode."""
        return self.writer.commit() if self.writer is not None else None

    def abort(self) -> None:
        if self.writer is not None:
            self.writer.abort()
