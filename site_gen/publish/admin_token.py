"""The admin token of the function's owner API: where the commands find it, and the local one.

Every owner command (publish, deliveries, followers, blocks, move) asks `find_admin_token`,
which looks in one order: `SITE_GEN_ADMIN_TOKEN`, then the file named by
`SITE_GEN_ADMIN_TOKEN_FILE` (a mounted secret), then the site's `.site-gen/admin-token`.
That last file is made by `site-gen serve` (`local_admin_token`) when no token is set, so
the local loop needs no token typed by hand. The token's value never appears in a message:
`AdminToken` names its source instead, which is what a 401 needs to say.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from site_core.errors import SiteGenError

__all__ = [
    "ADMIN_TOKEN_ENV",
    "ADMIN_TOKEN_FILE_ENV",
    "LOCAL_TOKEN_NAME",
    "AdminToken",
    "AdminTokenError",
    "find_admin_token",
    "local_admin_token",
    "require_admin_token",
]

ADMIN_TOKEN_ENV = "SITE_GEN_ADMIN_TOKEN"  # noqa: S105 - names of variables, not secrets
ADMIN_TOKEN_FILE_ENV = "SITE_GEN_ADMIN_TOKEN_FILE"  # noqa: S105
LOCAL_TOKEN_NAME = "admin-token"  # noqa: S105 - a file name in the site's .site-gen/ folder


class AdminTokenError(SiteGenError):
    """No admin token was found, or its file cannot be read; the message says where to put
    one."""


@dataclass(frozen=True)
class AdminToken:
    """A token and where it came from; `repr` and messages show only the source."""

    value: str = field(repr=False)
    source: str  # "SITE_GEN_ADMIN_TOKEN", "SITE_GEN_ADMIN_TOKEN_FILE (path)" or a path
    local: bool = False  # the site's own file, made by `site-gen serve`

    def refused(self) -> str:
        """What to say when the function answers 401 to this token."""
        why = (
            "'site-gen serve' gives its function this file's token unless started with "
            f"{ADMIN_TOKEN_ENV}; a deployed function needs its own token in {ADMIN_TOKEN_ENV}"
            if self.local
            else f"it must equal the function's {ADMIN_TOKEN_ENV}"
        )
        return f"the function refused the admin token from {self.source} (401): {why}"


def _read_token_file(path: Path, source: str) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return ""
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise AdminTokenError(f"cannot read the admin token from {source}: {reason}") from None


def find_admin_token(state_dir: Path, env: Mapping[str, str]) -> AdminToken | None:
    """The token in the documented order (see the module docstring), or None."""
    value = env.get(ADMIN_TOKEN_ENV, "").strip()
    if value:
        return AdminToken(value, ADMIN_TOKEN_ENV)
    file_name = env.get(ADMIN_TOKEN_FILE_ENV, "").strip()
    if file_name:
        source = f"{ADMIN_TOKEN_FILE_ENV} ({file_name})"
        value = _read_token_file(Path(file_name), source)
        if not value:
            raise AdminTokenError(f"{source} is missing or empty: write the admin token in it")
        return AdminToken(value, source)
    local = state_dir / LOCAL_TOKEN_NAME
    value = _read_token_file(local, str(local))
    return AdminToken(value, str(local), local=True) if value else None


def require_admin_token(state_dir: Path, env: Mapping[str, str]) -> AdminToken:
    """`find_admin_token`, or an error saying the three places a token can come from."""
    token = find_admin_token(state_dir, env)
    if token is None:
        raise AdminTokenError(
            f"no admin token: set {ADMIN_TOKEN_ENV} (or {ADMIN_TOKEN_FILE_ENV}) to the "
            "function's token, or start 'site-gen serve', which writes "
            f"{state_dir / LOCAL_TOKEN_NAME} for the local function "
            "(or pass --database URL to work on the database directly)"
        )
    return token


def local_admin_token(state_dir: Path, env: Mapping[str, str]) -> AdminToken:
    """The token `site-gen serve` gives its function: a configured one, else the site's
    own file, made once (random, mode 0600) and reused by every later run."""
    token = find_admin_token(state_dir, env)
    if token is not None:
        return token
    path = state_dir / LOCAL_TOKEN_NAME
    _create_token_file(path, secrets.token_urlsafe(32))
    token = find_admin_token(state_dir, {})  # another process may have won the race
    if token is None:
        raise AdminTokenError(f"{path} could not be written")
    return token


def _create_token_file(path: Path, value: str) -> None:
    """Write `value` at `path` unless a non-empty file is there: written under a temporary
    name with mode 0600 and linked in whole, so no reader sees it half-written or open."""
    parent = path.parent
    if not parent.exists():
        parent.mkdir(mode=0o700, parents=True)
        parent.chmod(0o700)  # mkdir's mode is filtered by the umask
    if path.exists() and not path.read_text(encoding="utf-8", errors="replace").strip():
        path.unlink()  # an empty file holds no token: make a real one
    fd, temp_name = tempfile.mkstemp(dir=parent, prefix=".admin-token-", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(value + "\n")
        try:
            os.link(temp_name, path)  # fails if the file appeared meanwhile: keep that one
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links
            if not path.exists():
                os.replace(temp_name, path)
    except OSError as exc:
        raise AdminTokenError(f"cannot write the admin token to {path}: {exc.strerror}") from None
    finally:
        Path(temp_name).unlink(missing_ok=True)
