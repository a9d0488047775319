"""The Ed25519 key of a build and the integrity proof it puts on each post's object.

A site that has committed `ed25519-public-key.pem` lists that key in its actor
(FEDERATION.md#multikey) and signs every post object it builds (FEDERATION.md#integrity-proofs).
The private half comes from `SITE_GEN_ED25519_KEY` (CI) or `.site-gen/ed25519-private-key.pem`,
never from the site folder that gets published; a build that should sign and cannot stops with
a message saying where the key goes. A site without the public key builds as before, with a
warning; nothing here ever writes a key (`site-gen keys generate --ed25519` does).

The proof's `created` is the post's own date (updated, else published), not the build's time:
an unchanged post's object is the same bytes on every build.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from site_core.errors import KeyMaterialError
from site_gen.config import SiteConfig
from site_gen.content.model import Post

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ed25519

# `cryptography` and the key helpers are imported by the functions that use them: a site
# without an Ed25519 key (most small sites) never loads them, a tenth of a small build's imports.

__all__ = ["NO_PROOF_KEY_WARNING", "BuildProofKey", "prove_object", "read_build_proof_key"]

NO_PROOF_KEY_WARNING = (
    "the site has no Ed25519 key, so its post objects carry no integrity proof "
    "(FEDERATION.md#integrity-proofs): run 'site-gen keys generate --ed25519'"
)


@dataclass(frozen=True)
class BuildProofKey:
    """The public Multikey of the actor and, when the build may sign, the private key's bytes
    (bytes, not a key object: the worker processes receive it)."""

    verification_method: str
    public_multibase: str
    private_bytes: bytes | None = field(default=None, repr=False)

    @property
    def fingerprint(self) -> str:
        """Part of every page hash: another key, or signing turned on, rebuilds the objects."""
        return f"{self.public_multibase}:{self.private_bytes is not None}"


@functools.lru_cache(maxsize=4)
def _private_key(private_bytes: bytes) -> ed25519.Ed25519PrivateKey:
    from cryptography.hazmat.primitives.asymmetric import ed25519

    return ed25519.Ed25519PrivateKey.from_private_bytes(private_bytes)


def prove_object(document: dict[str, Any], post: Post, key: BuildProofKey | None) -> dict[str, Any]:
    """The object with its proof, dated by the post; unchanged without a private key. The
    proof covers the plain document (no `Encoded` values: `post_artifacts.encoded_note`)."""
    if key is None or key.private_bytes is None:
        return document
    from site_core.context import with_proof_terms
    from site_core.integrity_proofs import add_proof
    from site_core.serialize import plain
    from site_gen.federation.objects import format_datetime

    document = plain(document)
    updated = post.updated
    created = format_datetime(updated if updated and updated > post.published else post.published)
    document = {**document, "@context": with_proof_terms(document["@context"])}
    return add_proof(document, _private_key(key.private_bytes), key.verification_method, created)


def read_build_proof_key(
    config: SiteConfig, env: Mapping[str, str], *, sign: bool
) -> BuildProofKey | None:
    """The site's Ed25519 key for this build; None if the site has none (see the docstring).

    `sign` is False for a check, which writes nothing and so needs no secret.
    """
    from site_gen.federation.key_files import ed25519_public_key_path

    public = _read_public(ed25519_public_key_path(config))
    if public is None:
        return None
    from cryptography.hazmat.primitives import serialization

    from site_core.keys import ED25519_KEY_ENV
    from site_core.multikey import public_key_multibase
    from site_gen.federation.key_files import (
        ed25519_key_from_environment,
        ed25519_private_key_path,
    )

    multibase = public_key_multibase(public)
    method = config.urls.ed25519_key_id
    if not sign:
        return BuildProofKey(method, multibase)
    private = ed25519_key_from_environment(env, ed25519_private_key_path(config))
    if private is None:
        raise KeyMaterialError(
            f"{ed25519_public_key_path(config).name} says this site signs its posts, but the "
            f"Ed25519 private key is missing: set {ED25519_KEY_ENV} (on CI, from the secret of "
            f"that name) or restore {ed25519_private_key_path(config)}"
        )
    if public_key_multibase(private) != multibase:
        raise KeyMaterialError(
            f"the Ed25519 private key does not match {ed25519_public_key_path(config).name}"
        )
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return BuildProofKey(method, multibase, raw)


def _read_public(path: Path) -> ed25519.Ed25519PublicKey | None:
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyMaterialError(f"{path} cannot be read: {exc}") from None
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from site_core.keys import load_public_key

    if "PRIVATE KEY" in text:
        raise KeyMaterialError(
            f"{path} holds a PRIVATE key: it would be published. Move it to .site-gen/ and run"
            " 'site-gen keys generate --ed25519 --force'"
        )
    key = load_public_key(text)
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise KeyMaterialError(f"{path} is not an Ed25519 public key")
    return key
