"""The site's private key in an archive: only on request, only encrypted with a passphrase.

cryptography's ``BestAvailableEncryption`` writes PKCS#8 PEM with the strongest scheme the
installed library offers (today AES-256-CBC with a scrypt- or PBKDF2-derived key); the same
passphrase opens it with any OpenSSL (``openssl pkey -in private-key.pem``).
"""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from site_function.owner.state_archive.archive_format import ArchiveError

__all__ = ["ENCRYPTION", "MIN_PASSPHRASE", "decrypt_key", "encrypt_key"]

ENCRYPTION = "PKCS#8 PEM, cryptography BestAvailableEncryption"
MIN_PASSPHRASE = 8


def encrypt_key(key: rsa.RSAPrivateKey, passphrase: str) -> bytes:
    """The key as encrypted PEM; refuses a passphrase too short to protect it."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise ArchiveError(
            f"the passphrase must be at least {MIN_PASSPHRASE} characters to protect the key"
        )
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase.encode("utf-8")),
    )


def decrypt_key(pem: bytes, passphrase: str) -> rsa.RSAPrivateKey:
    """The key an archive carries; ``ArchiveError`` for a wrong passphrase."""
    try:
        key = serialization.load_pem_private_key(pem, passphrase.encode("utf-8"))
    except (ValueError, TypeError):
        raise ArchiveError("wrong passphrase for the archive's private key") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ArchiveError("the archive's private key is not an RSA key")
    return key
