"""The sample site and the fixed test key pair, shared by the build tests.

A module of its own (not conftest) so test files can import it by a unique name.
"""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLE_SITE = REPO / "content"
TEST_KEYS = Path(__file__).resolve().parent / "keys"


def copy_site(source: Path, target: Path, *, ed25519: bool = True) -> Path:
    """A copy of a site without its private state or output, with the fixed test public key
    and (unless `ed25519` is False) the fixed Ed25519 pair that signs its objects."""
    shutil.copytree(
        source, target, ignore=shutil.ignore_patterns(".site-gen", "public", "__pycache__")
    )
    shutil.copy(TEST_KEYS / "test-public-key.pem", target / "public-key.pem")
    if ed25519:
        shutil.copy(TEST_KEYS / "test-ed25519-public-key.pem", target / "ed25519-public-key.pem")
        state = target / ".site-gen"
        state.mkdir(mode=0o700, exist_ok=True)
        private = state / "ed25519-private-key.pem"
        shutil.copy(TEST_KEYS / "test-ed25519-private-key.pem", private)
        private.chmod(0o600)
    return target
