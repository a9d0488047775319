"""Signature algorithms: which ones a declared name and a key allow, and the raw operations.

Names are RFC 9421's registry names. Cavage `rsa-sha256` is RSASSA-PKCS1-v1_5 SHA-256; cavage
`hs2019` (or no algorithm at all) means "ask the key": PKCS1-v1_5 SHA-256 for RSA (what GoToSocial
sends under that label) and Ed25519 for Ed25519 keys (FEDERATION.md#signature-algorithms). HMAC is
never accepted: the inbox has no shared secrets.
"""

from __future__ import annotations

from typing import TypeGuard, cast

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

__all__ = [
    "ED25519",
    "RSA_PSS_SHA512",
    "RSA_V1_5_SHA256",
    "algorithms_for",
    "sign_bytes",
    "verify_bytes",
]

RSA_V1_5_SHA256 = "rsa-v1_5-sha256"
RSA_PSS_SHA512 = "rsa-pss-sha512"
ED25519 = "ed25519"

_SHA256 = hashes.SHA256()
_SHA512 = hashes.SHA512()
_PKCS1 = padding.PKCS1v15()
_PSS_SHA512 = padding.PSS(mgf=padding.MGF1(_SHA512), salt_length=64)

PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey
PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


# isinstance against cryptography's ABCs runs Python-level ABCMeta code on every call; the
# answer only depends on the key's concrete type, so it is worked out once per type.
_RSA_KINDS: dict[type, tuple[bool, bool]] = {}


def _rsa_kind(key: object) -> tuple[bool, bool]:
    """(is an RSA key, is an RSA public key)."""
    kind = _RSA_KINDS.get(type(key))
    if kind is None:
        public = isinstance(key, rsa.RSAPublicKey)
        kind = _RSA_KINDS[type(key)] = (public or isinstance(key, rsa.RSAPrivateKey), public)
    return kind


def _is_rsa_public(key: object) -> TypeGuard[rsa.RSAPublicKey]:
    return _rsa_kind(key)[1]


def algorithms_for(
    scheme: str, declared: str | None, key: PublicKey | PrivateKey
) -> tuple[str, ...] | None:
    """The algorithms to try, in order, for a declared name and a key; None if unsupported.

    An empty tuple means the name is known but does not fit this key (a failed signature).
    """
    is_rsa = _rsa_kind(key)[0]
    name = declared.lower() if declared is not None else None
    if scheme == "cavage":
        if name in (None, "hs2019"):
            return (RSA_V1_5_SHA256,) if is_rsa else (ED25519,)
        if name == "rsa-sha256":
            return (RSA_V1_5_SHA256,) if is_rsa else ()
        if name == "ed25519":
            return () if is_rsa else (ED25519,)
        return None
    if name is None:
        # RFC 9421 lets the key decide; RSA senders in the wild use v1.5 (Mastodon, Fedify).
        return (RSA_V1_5_SHA256, RSA_PSS_SHA512) if is_rsa else (ED25519,)
    if name in (RSA_V1_5_SHA256, RSA_PSS_SHA512):
        return (name,) if is_rsa else ()
    if name == ED25519:
        return () if is_rsa else (ED25519,)
    return None


def verify_bytes(algorithm: str, key: PublicKey, message: bytes, signature: bytes) -> bool:
    """True when `signature` over `message` checks out with `key` under `algorithm`."""
    try:
        if _is_rsa_public(key):
            if algorithm == RSA_V1_5_SHA256:
                key.verify(signature, message, _PKCS1, _SHA256)
            elif algorithm == RSA_PSS_SHA512:
                key.verify(signature, message, _PSS_SHA512, _SHA512)
            else:
                return False
        elif algorithm == ED25519:
            cast(ed25519.Ed25519PublicKey, key).verify(signature, message)
        else:
            return False
    except InvalidSignature:
        return False
    return True


def sign_bytes(algorithm: str, key: PrivateKey, message: bytes) -> bytes:
    """Sign `message`; raises ValueError when the key cannot make that algorithm (a bug)."""
    if isinstance(key, rsa.RSAPrivateKey):
        if algorithm == RSA_V1_5_SHA256:
            return key.sign(message, _PKCS1, _SHA256)
        if algorithm == RSA_PSS_SHA512:
            return key.sign(message, _PSS_SHA512, _SHA512)
    elif algorithm == ED25519:
        return key.sign(message)
    raise ValueError(f"a {type(key).__name__} cannot sign with {algorithm}")
