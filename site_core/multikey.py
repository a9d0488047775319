"""Ed25519 keys as Multikey strings (FEP-521a) and signatures as base58btc multibase.

A Multikey public key is `z` (multibase base58btc) + base58(0xed 0x01 + the 32 key bytes), so
every Ed25519 one starts with `z6Mk`; a secret key uses the header 0x80 0x26. A proof's
`proofValue` is `z` + base58(the 64 signature bytes). Pure, no key material in any message.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from site_core.errors import KeyMaterialError

__all__ = [
    "decode_multibase",
    "ed25519_private_key_from_multibase",
    "ed25519_public_key_from_multibase",
    "encode_multibase",
    "public_key_multibase",
]

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {char: value for value, char in enumerate(_ALPHABET)}
_ED25519_PUBLIC = b"\xed\x01"
_ED25519_SECRET = b"\x80\x26"
_MAX_MULTIBASE = 200  # far above any key or signature: bounds the work on hostile input


def encode_multibase(data: bytes) -> str:
    """`z` + base58btc (Bitcoin alphabet; each leading zero byte is a `1`)."""
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, rest = divmod(number, 58)
        out.append(_ALPHABET[rest])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "z" + "1" * zeros + "".join(reversed(out))


def decode_multibase(text: str) -> bytes | None:
    """The bytes of a `z`-prefixed base58btc string, or None if it is not one."""
    if not text.startswith("z") or len(text) > _MAX_MULTIBASE:
        return None
    body = text[1:]
    number = 0
    for char in body:
        value = _INDEX.get(char)
        if value is None:
            return None
        number = number * 58 + value
    zeros = len(body) - len(body.lstrip("1"))
    size = (number.bit_length() + 7) // 8
    return b"\0" * zeros + number.to_bytes(size, "big")


def _raw_public(key: ed25519.Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_multibase(key: ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey) -> str:
    """The `publicKeyMultibase` of an Ed25519 key (`z6Mk...`)."""
    public = key.public_key() if isinstance(key, ed25519.Ed25519PrivateKey) else key
    return encode_multibase(_ED25519_PUBLIC + _raw_public(public))


def ed25519_public_key_from_multibase(text: str) -> ed25519.Ed25519PublicKey | None:
    """An Ed25519 public key from its Multikey string; None for anything else."""
    data = decode_multibase(text)
    if data is None or len(data) != 34 or not data.startswith(_ED25519_PUBLIC):
        return None
    return ed25519.Ed25519PublicKey.from_public_bytes(data[2:])


def ed25519_private_key_from_multibase(text: str) -> ed25519.Ed25519PrivateKey:
    """An Ed25519 private key from a `secretKeyMultibase` (`z3u2...`), as test vectors give it."""
    data = decode_multibase(text.strip())
    if data is None or len(data) != 34 or not data.startswith(_ED25519_SECRET):
        raise KeyMaterialError("not an Ed25519 secret key in Multikey form")
    return ed25519.Ed25519PrivateKey.from_private_bytes(data[2:])
