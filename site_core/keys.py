"""The site's signing key and the public keys of others: generate, parse, serialize, choose.

The private key signs every request the function sends (FEDERATION.md#signed-post,
FEDERATION.md#signed-get); it lives in
`.site-gen/private-key.pem` on a laptop and in `SITE_GEN_PRIVATE_KEY` on a serverless platform.
The second key, Ed25519, makes integrity proofs only (FEDERATION.md#multikey): it lives in
`.site-gen/ed25519-private-key.pem` or `SITE_GEN_ED25519_KEY`, and is optional.
No file is read here: `private_key_from_environment` is handed the environment and the way to
read a file by its caller (the generator's `site_gen.federation.key_files`, the function's
settings). No message raised here ever contains key material, so errors are safe to print and
log.

Loading skips OpenSSL's RSA consistency check (`unsafe_skip_rsa_key_validation`): it costs
about 49 ms per cold start (against 0.02 ms without it, for an RSA-2048 key) and our own key was
checked when it was generated; a corrupt key still fails at the first signature.

Loading the private keys (what a cold start does) imports only cryptography's compiled
bindings: `serialization.load_pem_private_key` is their `keys.load_pem_private_key` under
another name, and the public `serialization` package would also import the SSH key formats
and every cipher (a seventh of the function's own cold start). The rest imports the public
modules where it is used.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias, TypeGuard

from cryptography.exceptions import UnsupportedAlgorithm

from site_core.errors import KeyMaterialError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

__all__ = [
    "ED25519_KEY_ENV",
    "ED25519_KEY_FILE_ENV",
    "MIN_RSA_BITS",
    "PRIVATE_KEY_ENV",
    "PRIVATE_KEY_FILE_ENV",
    "ed25519_key_from_environment",
    "ed25519_private_key_to_pem",
    "generate_ed25519_key",
    "generate_private_key",
    "load_ed25519_private_key",
    "load_private_key",
    "load_public_key",
    "private_key_from_environment",
    "private_key_to_pem",
    "public_key_pem",
]

# What `load_public_key` returns (for annotations: the module does not import `rsa` at start).
PublicKey: TypeAlias = "rsa.RSAPublicKey | ed25519.Ed25519PublicKey"

MIN_RSA_BITS = 2048
PRIVATE_KEY_ENV = "SITE_GEN_PRIVATE_KEY"
PRIVATE_KEY_FILE_ENV = "SITE_GEN_PRIVATE_KEY_FILE"
# The second key (FEDERATION.md#multikey): Ed25519, for integrity proofs only.
ED25519_KEY_ENV = "SITE_GEN_ED25519_KEY"
ED25519_KEY_FILE_ENV = "SITE_GEN_ED25519_KEY_FILE"


def generate_private_key() -> rsa.RSAPrivateKey:
    """A new RSA-2048 key: what Mastodon and every other peer can verify
    (FEDERATION.md#main-key)."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_key_to_pem(key: rsa.RSAPrivateKey) -> bytes:
    """PKCS#8 PEM, unencrypted: the secret stores of CI and serverless hosts hold it as is."""
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_key_pem(
    key: rsa.RSAPrivateKey
    | rsa.RSAPublicKey
    | ed25519.Ed25519PrivateKey
    | ed25519.Ed25519PublicKey,
) -> str:
    """SubjectPublicKeyInfo PEM text, the form `publicKeyPem` of an actor carries (and the
    form of the committed `ed25519-public-key.pem`)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    public = (
        key.public_key() if isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) else key
    )
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode("ascii")


def _private_key_parts() -> tuple[Callable[..., PrivateKeyTypes], type, type]:
    """The PEM loader and the RSA and Ed25519 private key classes, from the compiled bindings
    when this release of cryptography lays them out as expected, else the public modules (a
    later release that moves them costs a few milliseconds of start, never a failure)."""
    try:
        from cryptography.hazmat.bindings._rust import openssl as bindings

        return (
            bindings.keys.load_pem_private_key,
            bindings.rsa.RSAPrivateKey,
            bindings.ed25519.Ed25519PrivateKey,
        )
    except (ImportError, AttributeError):
        from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        return load_pem_private_key, rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey


_load_pem_private_key, _RSA_PRIVATE, _ED25519_PRIVATE = _private_key_parts()


def _is_rsa_private(key: PrivateKeyTypes) -> TypeGuard[rsa.RSAPrivateKey]:
    # The bindings' class is what `rsa.RSAPrivateKey` registers as its implementation.
    return isinstance(key, _RSA_PRIVATE)


def _is_ed25519_private(key: PrivateKeyTypes) -> TypeGuard[ed25519.Ed25519PrivateKey]:
    return isinstance(key, _ED25519_PRIVATE)


def _as_bytes(pem: bytes | str) -> bytes:
    if isinstance(pem, str):
        # CI secret fields often hold the PEM on one line with literal "\n" escapes.
        if "\\n" in pem and "\n" not in pem.strip():
            pem = pem.replace("\\n", "\n")
        return pem.strip().encode("ascii", errors="replace") + b"\n"
    return pem


def load_private_key(pem: bytes | str) -> rsa.RSAPrivateKey:
    """Parse the site's RSA private key; `KeyMaterialError` if unusable or under 2048 bits."""
    try:
        key = _load_pem_private_key(
            _as_bytes(pem), password=None, unsafe_skip_rsa_key_validation=True
        )
    except TypeError:
        raise KeyMaterialError(
            "the private key is encrypted; store it without a passphrase"
        ) from None
    except (ValueError, UnsupportedAlgorithm):
        raise KeyMaterialError("the private key is not a readable PEM private key") from None
    if not _is_rsa_private(key):
        raise KeyMaterialError("the private key must be an RSA key (peers verify RSA)")
    if key.key_size < MIN_RSA_BITS:
        raise KeyMaterialError(f"the private key has {key.key_size} bits; use {MIN_RSA_BITS}+")
    return key


def load_public_key(pem: bytes | str) -> PublicKey:
    """Parse a remote actor's public key: RSA of 2048+ bits or Ed25519, else `KeyMaterialError`."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    try:
        key = serialization.load_pem_public_key(_as_bytes(pem))
    except (ValueError, UnsupportedAlgorithm):
        raise KeyMaterialError("the public key is not a readable PEM public key") from None
    if isinstance(key, ed25519.Ed25519PublicKey):
        return key
    if not isinstance(key, rsa.RSAPublicKey):
        raise KeyMaterialError("the public key must be RSA or Ed25519")
    if key.key_size < MIN_RSA_BITS:
        raise KeyMaterialError(f"the public key has {key.key_size} bits; {MIN_RSA_BITS}+ needed")
    return key


def private_key_from_environment(
    env: Mapping[str, str],
    default_file: Path | None,
    *,
    read_file: Callable[[Path], bytes],
) -> rsa.RSAPrivateKey:
    """The signing key from `SITE_GEN_PRIVATE_KEY`, else `..._FILE`, else `default_file`.

    The PEM text wins because serverless hosts only offer environment variables; the file
    forms serve containers (mounted secrets) and a laptop (`.site-gen/private-key.pem`).
    `read_file` is the caller's file access (`Path.read_bytes`); its OSError becomes a message.
    """
    text = env.get(PRIVATE_KEY_ENV, "").strip()
    if text:
        try:
            return load_private_key(text)
        except KeyMaterialError as exc:
            raise KeyMaterialError(f"{PRIVATE_KEY_ENV}: {exc}") from None
    file_name = env.get(PRIVATE_KEY_FILE_ENV, "").strip()
    source = f"{PRIVATE_KEY_FILE_ENV} ({file_name})" if file_name else None
    path = Path(file_name) if file_name else default_file
    if path is None:
        raise KeyMaterialError(
            f"no private key: set {PRIVATE_KEY_ENV} or {PRIVATE_KEY_FILE_ENV}, "
            "or run 'site-gen keys generate'"
        )
    source = source or str(path)
    try:
        data = read_file(path)
    except FileNotFoundError:
        raise KeyMaterialError(
            f"no private key at {source}; run 'site-gen keys generate' or set {PRIVATE_KEY_ENV}"
        ) from None
    except OSError as exc:
        raise KeyMaterialError(f"cannot read the private key at {source}: {exc.strerror}") from None
    try:
        return load_private_key(data)
    except KeyMaterialError as exc:
        raise KeyMaterialError(f"{source}: {exc}") from None


def generate_ed25519_key() -> ed25519.Ed25519PrivateKey:
    """A new Ed25519 key: the one integrity proofs are made with (FEDERATION.md#multikey)."""
    from cryptography.hazmat.primitives.asymmetric import ed25519

    return ed25519.Ed25519PrivateKey.generate()


def ed25519_private_key_to_pem(key: ed25519.Ed25519PrivateKey) -> bytes:
    """PKCS#8 PEM, unencrypted, like the RSA key: one secret field holds it as is."""
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_ed25519_private_key(pem: bytes | str) -> ed25519.Ed25519PrivateKey:
    """Parse the site's Ed25519 private key (PKCS#8 PEM); `KeyMaterialError` if unusable."""
    try:
        key = _load_pem_private_key(_as_bytes(pem), password=None)
    except TypeError:
        raise KeyMaterialError(
            "the Ed25519 key is encrypted; store it without a passphrase"
        ) from None
    except (ValueError, UnsupportedAlgorithm):
        raise KeyMaterialError("the Ed25519 key is not a readable PEM private key") from None
    if not _is_ed25519_private(key):
        raise KeyMaterialError("the Ed25519 key file holds another kind of key")
    return key


def ed25519_key_from_environment(
    env: Mapping[str, str],
    default_file: Path | None,
    *,
    read_file: Callable[[Path], bytes],
) -> ed25519.Ed25519PrivateKey | None:
    """The proof key from `SITE_GEN_ED25519_KEY`, else `..._FILE`, else `default_file`.

    None when none of them is there: the key is optional (no key, no proofs). A key that is
    there but unusable is a `KeyMaterialError` naming where it came from.
    """
    text = env.get(ED25519_KEY_ENV, "").strip()
    if text:
        try:
            return load_ed25519_private_key(text)
        except KeyMaterialError as exc:
            raise KeyMaterialError(f"{ED25519_KEY_ENV}: {exc}") from None
    file_name = env.get(ED25519_KEY_FILE_ENV, "").strip()
    path = Path(file_name) if file_name else default_file
    if path is None:
        return None
    try:
        data = read_file(path)
    except FileNotFoundError:
        if file_name:
            raise KeyMaterialError(f"{ED25519_KEY_FILE_ENV}: no file at {path}") from None
        return None
    except OSError as exc:
        raise KeyMaterialError(f"cannot read the Ed25519 key at {path}: {exc.strerror}") from None
    try:
        return load_ed25519_private_key(data)
    except KeyMaterialError as exc:
        raise KeyMaterialError(f"{path}: {exc}") from None
