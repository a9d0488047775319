"""Keys: generate, load, environment precedence, safe writing, errors without key material."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from site_core.errors import KeyMaterialError
from site_core.keys import (
    PRIVATE_KEY_ENV,
    PRIVATE_KEY_FILE_ENV,
    generate_private_key,
    load_private_key,
    load_public_key,
    private_key_to_pem,
    public_key_pem,
)
from site_gen.federation.key_files import private_key_from_environment, write_private_key

KEYS = Path(__file__).resolve().parent / "signature_keys"
ALICE_PEM = (KEYS / "alice-rsa.pem").read_text()
MALLORY_PEM = (KEYS / "mallory-rsa.pem").read_text()


def _same(a: rsa.RSAPrivateKey, b: rsa.RSAPrivateKey) -> bool:
    return a.private_numbers() == b.private_numbers()


def test_generate_and_pem_round_trip() -> None:
    key = generate_private_key()
    assert key.key_size == 2048
    pem = private_key_to_pem(key)
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert _same(load_private_key(pem), key)
    public = public_key_pem(key)
    assert public.startswith("-----BEGIN PUBLIC KEY-----")
    assert public == public_key_pem(key.public_key())
    assert load_public_key(public).public_numbers() == key.public_key().public_numbers()  # type: ignore[union-attr]


def test_one_line_pem_with_escaped_newlines() -> None:
    # What a CI secret field often holds.
    one_line = ALICE_PEM.strip().replace("\n", "\\n")
    assert _same(load_private_key(one_line), load_private_key(ALICE_PEM))


def test_load_public_key_accepts_ed25519_and_pkcs1() -> None:
    ed = (KEYS / "bob-ed25519.pem").read_bytes()
    from cryptography.hazmat.primitives import serialization

    ed_public = (
        serialization.load_pem_private_key(ed, None)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert isinstance(load_public_key(ed_public), ed25519.Ed25519PublicKey)
    pkcs1 = (
        load_private_key(ALICE_PEM)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
    )
    assert isinstance(load_public_key(pkcs1), rsa.RSAPublicKey)


@pytest.mark.parametrize(
    "pem", ["", "garbage", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"]
)
def test_bad_public_keys(pem: str) -> None:
    with pytest.raises(KeyMaterialError, match="not a readable PEM public key"):
        load_public_key(pem)


def test_small_keys_are_refused() -> None:
    small = (KEYS / "small-rsa-1024.pem").read_bytes()
    with pytest.raises(KeyMaterialError, match="1024 bits"):
        load_private_key(small)
    with pytest.raises(KeyMaterialError, match="1024 bits"):
        load_public_key(public_key_pem(rsa.generate_private_key(65537, 1024)))


def test_non_rsa_private_key_is_refused() -> None:
    with pytest.raises(KeyMaterialError, match="must be an RSA key"):
        load_private_key((KEYS / "bob-ed25519.pem").read_bytes())


def test_error_messages_never_contain_key_material(tmp_path: Path) -> None:
    broken = ALICE_PEM.replace("A", "*", 5)
    secret_line = broken.splitlines()[1]
    with pytest.raises(KeyMaterialError) as caught:
        private_key_from_environment({PRIVATE_KEY_ENV: broken}, None)
    assert PRIVATE_KEY_ENV in str(caught.value)
    assert secret_line not in str(caught.value)
    assert "*" not in str(caught.value)
    file = tmp_path / "k.pem"
    file.write_text(broken)
    with pytest.raises(KeyMaterialError) as caught:
        private_key_from_environment({PRIVATE_KEY_FILE_ENV: str(file)}, None)
    assert str(file) in str(caught.value)
    assert secret_line not in str(caught.value)


def test_environment_precedence(tmp_path: Path) -> None:
    env_file = tmp_path / "from-env-file.pem"
    env_file.write_text(MALLORY_PEM)
    default = tmp_path / "default.pem"
    default.write_text(ALICE_PEM)
    alice, mallory = load_private_key(ALICE_PEM), load_private_key(MALLORY_PEM)

    both = {PRIVATE_KEY_ENV: ALICE_PEM, PRIVATE_KEY_FILE_ENV: str(env_file)}
    assert _same(private_key_from_environment(both, default), alice)
    file_only = {PRIVATE_KEY_ENV: "  ", PRIVATE_KEY_FILE_ENV: str(env_file)}
    assert _same(private_key_from_environment(file_only, default), mallory)
    assert _same(private_key_from_environment({}, default), alice)


def test_no_key_anywhere(tmp_path: Path) -> None:
    with pytest.raises(KeyMaterialError, match="keys generate"):
        private_key_from_environment({}, None)
    with pytest.raises(KeyMaterialError, match="no private key at"):
        private_key_from_environment({}, tmp_path / "missing.pem")
    with pytest.raises(KeyMaterialError, match=PRIVATE_KEY_FILE_ENV):
        private_key_from_environment({PRIVATE_KEY_FILE_ENV: str(tmp_path / "nope.pem")}, None)


def test_write_private_key_modes_and_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "site" / ".site-gen" / "private-key.pem"
    key = load_private_key(ALICE_PEM)
    write_private_key(path, key, output_dir=tmp_path / "site" / "public")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert _same(load_private_key(path.read_bytes()), key)

    other = load_private_key(MALLORY_PEM)
    with pytest.raises(KeyMaterialError, match="already exists"):
        write_private_key(path, other)
    assert _same(load_private_key(path.read_bytes()), key)
    write_private_key(path, other, overwrite=True)
    assert _same(load_private_key(path.read_bytes()), other)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["private-key.pem"]


def test_write_private_key_refuses_the_output_folder(tmp_path: Path) -> None:
    output = tmp_path / "public"
    (output / "ap").mkdir(parents=True)
    for target in (output / "key.pem", output / "ap" / ".." / "ap" / "key.pem"):
        with pytest.raises(KeyMaterialError, match="inside the output folder"):
            write_private_key(target, load_private_key(ALICE_PEM), output_dir=output)
    assert list(output.rglob("*.pem")) == []
