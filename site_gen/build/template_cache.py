"""Compiled templates kept in the user's cache folder, like `.pyc` files of the theme.

Compiling the theme's templates costs a build about a quarter of a second of CPU, paid
before the worker pool starts; every build on the machine (a fresh site, a CI runner that
keeps `~/.cache`, a cold build after `.site-gen/` was removed) reuses what an earlier one
compiled. A file is used only for the same template file, source, Jinja2 version, Python
version and environment options; anything else, a damaged file or a folder that cannot be
written, means compiling as before: the cache can make a build faster, never fail it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket

__all__ = ["TemplateCache"]

_DIGEST_SIZE = 16


def _digest(payload: bytes) -> bytes:
    return hashlib.blake2b(payload, digest_size=_DIGEST_SIZE).digest()


class TemplateCache(jinja2.BytecodeCache):
    """Jinja2's bytecode cache in `folder`; `flavour` names the environment's options.

    Each file is a digest of its payload followed by Jinja2's own bucket (magic number,
    source checksum, marshalled code): a file that was cut short or damaged is a miss.
    """

    def __init__(self, folder: Path, flavour: str) -> None:
        self.folder = folder
        self.flavour = f"{jinja2.__version__}|{flavour}"

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        """One file per template file and environment: two sites' `post.html` never meet."""
        key = f"{self.flavour}|{name}|{filename}".encode("utf-8", "surrogateescape")
        return hashlib.sha256(key).hexdigest()[:40]

    def _path(self, bucket: Bucket) -> Path:
        return self.folder / f"{bucket.key}.jinja"

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            data = self._path(bucket).read_bytes()
        except (OSError, ValueError):
            return
        payload = data[_DIGEST_SIZE:]
        if len(data) <= _DIGEST_SIZE or data[:_DIGEST_SIZE] != _digest(payload):
            return
        try:
            bucket.bytecode_from_string(payload)  # checks the source checksum itself
        except Exception:  # a file of another build, or damaged: compile instead
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        if bucket.code is None:
            return
        target = self._path(bucket)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            payload = bucket.bytecode_to_string()
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            temporary.write_bytes(_digest(payload) + payload)
            os.replace(temporary, target)  # readers see the old file or the whole new one
        except (OSError, ValueError):
            with contextlib.suppress(OSError):
                temporary.unlink()
