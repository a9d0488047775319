"""Which site-gen the workflow installs: the same one the owner runs `site-gen init` with.

pip records how it installed a package in `direct_url.json` (PEP 610). From it:

- a git URL at a commit -> `site-gen @ git+URL@COMMIT`, reachable from GitHub as is;
- a local folder (often an editable checkout) -> the checkout's git remote at its current
  commit when there is one, because GitHub cannot read the owner's disk;
- a wheel or sdist on the owner's disk, or a folder without a usable remote -> that path,
  with a note that it must be changed;
- no record (installed from a package index) -> `site-gen==<exact version>`.

Credentials in URLs are dropped: the workflow file is committed and must hold no secret.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

__all__ = ["PackageSource", "git_checkout_source", "installed_source", "source_from_direct_url"]

_NAME = "site-gen"
# `git@github.com:owner/repo.git`: the scp-like form of an SSH remote.
_SCP_LIKE = re.compile(r"^(?:[^@/\s]+@)?(?P<host>[^:/\s]+):(?P<path>[^\s]+)$")


@dataclass(frozen=True)
class PackageSource:
    """A pip requirement for the runner, and what the owner must know about it.

    `note` is None when GitHub can install `requirement` as it is; otherwise it says what
    to check or change (for example a path that exists only on the owner's machine).
    """

    requirement: str
    note: str | None = None


def installed_source() -> PackageSource:
    """How site-gen is installed in this Python, as a requirement GitHub can use."""
    try:
        dist = metadata.distribution(_NAME)
    except metadata.PackageNotFoundError:
        from site_core import __version__

        return PackageSource(
            f"{_NAME}=={__version__}",
            note="site-gen was not installed as a package when this file was written: "
            "check that this release exists on the package index.",
        )
    raw = dist.read_text("direct_url.json")
    if not raw:
        return PackageSource(f"{_NAME}=={dist.version}")
    try:
        record = json.loads(raw)
    except ValueError:
        record = None
    if not isinstance(record, dict):
        return PackageSource(f"{_NAME}=={dist.version}")
    return source_from_direct_url(record, dist.version)


def source_from_direct_url(record: dict[str, Any], version: str) -> PackageSource:
    """The requirement for one PEP 610 record (sans-IO except for a local git checkout)."""
    url = str(record.get("url", ""))
    vcs_info = record.get("vcs_info")
    if isinstance(vcs_info, dict) and vcs_info.get("commit_id"):
        vcs = str(vcs_info.get("vcs", "git"))
        return PackageSource(
            f"{_NAME} @ {vcs}+{_without_credentials(url)}@{vcs_info['commit_id']}"
            + _subdirectory(record.get("subdirectory"))
        )
    local = _local_path(url)
    if local is None:  # an archive on a web server: reachable as it is
        return PackageSource(f"{_NAME} @ {_without_credentials(url)}")
    if isinstance(record.get("dir_info"), dict):
        found = git_checkout_source(local)
        if found is not None:
            return found
    return PackageSource(
        f"{_NAME} @ {local.as_uri()}",
        note=f"{local} is a path on the machine that ran `site-gen init`, and GitHub cannot "
        f'read it: change SITE_GEN_PACKAGE to a release ("{_NAME}=={version}" once published) '
        f'or a git URL at a commit ("{_NAME} @ git+https://host/owner/repo@<commit>").',
    )


def git_checkout_source(folder: Path) -> PackageSource | None:
    """`site-gen @ git+<remote>@<commit>` for a git checkout with a remote, else None."""
    top = _git(folder, "rev-parse", "--show-toplevel")
    commit = _git(folder, "rev-parse", "HEAD")
    remote = _git_remote_url(folder)
    if top is None or commit is None or remote is None:
        return None
    subdirectory = Path(folder).resolve().relative_to(Path(top).resolve()).as_posix()
    requirement = f"{_NAME} @ git+{remote}@{commit}" + _subdirectory(
        None if subdirectory == "." else subdirectory
    )
    dirty = _git(folder, "status", "--porcelain", "--untracked-files=no")
    changes = " It had uncommitted changes, which this commit does not contain." if dirty else ""
    return PackageSource(
        requirement,
        note=f"site-gen runs from the checkout {folder}: the runner installs commit "
        f"{commit[:12]} from {remote}, so push that commit.{changes}",
    )


def _git_remote_url(folder: Path) -> str | None:
    names = (_git(folder, "remote") or "").split()
    if not names:
        return None
    name = "origin" if "origin" in names else names[0]
    url = _git(folder, "remote", "get-url", name)
    return None if url is None else _reachable_git_url(url)


def _reachable_git_url(url: str) -> str | None:
    """An https form of a remote that the runner can clone without keys, or None.

    SSH remotes become https (a public repository clones without a key on the runner);
    remotes that are paths on this machine cannot be reached at all.
    """
    parts = urlsplit(url)
    if parts.scheme in ("https", "http"):
        return _without_credentials(url)
    if parts.scheme in ("ssh", "git", "git+ssh") and parts.hostname:
        return f"https://{parts.hostname}{parts.path}"
    scp = _SCP_LIKE.match(url)
    if not parts.scheme and scp and not url.startswith(("/", ".")):
        return f"https://{scp['host']}/{scp['path'].lstrip('/')}"
    return None


def _git(folder: Path, *args: str) -> str | None:
    git = shutil.which("git")
    if git is None or not Path(folder).is_dir():
        return None
    try:
        done = subprocess.run(  # noqa: S603 - fixed program, arguments are ours
            [git, "-C", str(folder), *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    output = done.stdout.strip()
    return output if done.returncode == 0 and output else None


def _local_path(url: str) -> Path | None:
    parts = urlsplit(url)
    if parts.scheme != "file":
        return None
    return Path(unquote(parts.path))


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def _subdirectory(value: object) -> str:
    return f"#subdirectory={value}" if isinstance(value, str) and value else ""
