"""The one exception tree of the build, the command line and the function.

    SiteGenError
    ├── ConfigError      site.yaml is missing, malformed or has a wrong key or value
    ├── ContentError     a post's front matter or body cannot be built
    ├── KeyMaterialError the private or public key is missing or unusable
    └── OutputError      the output folder cannot be written safely

Each carries a message meant for the person running the command; the CLI turns any of them
into a one-line error and exit code 1, the function's entry points into a start-up message.
Expected outcomes (a failed signature, a refused follow) are values elsewhere, not exceptions.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["ConfigError", "ContentError", "KeyMaterialError", "OutputError", "SiteGenError"]


class SiteGenError(Exception):
    """Base of every error the command line reports as a clear message."""


class _LocatedError(SiteGenError):
    """An error that points at a file and, where known, a line in it."""

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None):
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.path is None:
            return self.message
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"


class ConfigError(_LocatedError):
    """site.yaml is missing, malformed, or a key is unknown or has a wrong value."""


class ContentError(_LocatedError):
    """A post cannot be built: bad front matter, a wrong value, a duplicate slug."""


class KeyMaterialError(SiteGenError):
    """The signing key is missing, unreadable or not RSA-2048 or larger."""


class OutputError(SiteGenError):
    """The output folder cannot be written safely (for example two files at one path)."""
