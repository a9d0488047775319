"""The site's private key files on the owner's machine: read them (or the environment), write.

The parsing and the choice between `SITE_GEN_PRIVATE_KEY`, `SITE_GEN_PRIVATE_KEY_FILE` and the
site's `.site-gen/private-key.pem` (and the same for the Ed25519 key of integrity proofs) are the
core's (`site_core.keys`); this module gives them the file system. No message raised here ever
contains key material.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from site_core.errors import KeyMaterialError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    from site_gen.config import SiteConfig

# `cryptography` (through `site_core.keys`) is imported where a key is read or written: a build
# asks only for the key paths here, and a site without an Ed25519 key never needs it.

__all__ = [
    "ed25519_key_from_environment",
    "ed25519_private_key_path",
    "ed25519_public_key_path",
    "private_key_from_environment",
    "write_private_key",
]


def ed25519_public_key_path(config: SiteConfig) -> Path:
    """Committed like `public-key.pem`: present, it says the site makes integrity proofs."""
    return config.root / "ed25519-public-key.pem"


def ed25519_private_key_path(config: SiteConfig) -> Path:
    """Beside the RSA key in the private state folder, never published."""
    return config.state_dir / "ed25519-private-key.pem"


def private_key_from_environment(
    env: Mapping[str, str], default_file: Path | None = None
) -> rsa.RSAPrivateKey:
    """The signing key from the environment or the key file (`site_core.keys` decides which)."""
    from site_core import keys

    return keys.private_key_from_environment(env, default_file, read_file=Path.read_bytes)


def ed25519_key_from_environment(
    env: Mapping[str, str], default_file: Path | None = None
) -> ed25519.Ed25519PrivateKey | None:
    """The proof key from the environment or its key file; None if there is none."""
    from site_core import keys

    return keys.ed25519_key_from_environment(env, default_file, read_file=Path.read_bytes)


def _is_inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def write_private_key(
    path: Path,
    key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey,
    *,
    output_dir: Path | None = None,
    overwrite: bool = False,
) -> None:
    """Write the key readable by its owner only (0600, parent folder 0700).

    Refuses a path inside `output_dir`, since everything there gets published, and refuses an
    existing file unless `overwrite`: replacing the key breaks every follower's cached copy
    (FEDERATION.md#key-rotation). The file is written under a temporary name and renamed, so it is
    never seen half-written or with wider permissions.
    """
    from cryptography.hazmat.primitives.asymmetric import rsa

    from site_core.keys import ed25519_private_key_to_pem, private_key_to_pem

    path = Path(path)
    if output_dir is not None and _is_inside(path, output_dir):
        raise KeyMaterialError(
            f"refusing to write the private key to {path}: it is inside the output folder, "
            "which gets published"
        )
    if path.exists() and not overwrite:
        raise KeyMaterialError(f"{path} already exists; pass --force to replace the key")
    parent = path.parent
    if not parent.exists():
        parent.mkdir(mode=0o700, parents=True)
        parent.chmod(0o700)  # mkdir's mode is filtered by the umask
    fd, temp_name = tempfile.mkstemp(dir=parent, prefix=".private-key-", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            pem = (
                private_key_to_pem(key)
                if isinstance(key, rsa.RSAPrivateKey)
                else ed25519_private_key_to_pem(key)
            )
            handle.write(pem)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
