"""`site-gen keys generate|show`: make the site's two key pairs and show the public halves.

The RSA key signs HTTP requests; the Ed25519 key makes the integrity proofs of the objects
(FEDERATION.md#multikey). Each private key goes to `.site-gen/` (0600, never published) and each
public key to the site root (`public-key.pem`, `ed25519-public-key.pem`: committed, so a build on
CI can publish them in the actor). A site made before the second key gets it with
`keys generate --ed25519`, which leaves the RSA key alone. Private keys are printed only on
explicit request, with a warning.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import click
from cryptography.hazmat.primitives.asymmetric import ed25519

from site_core.errors import KeyMaterialError
from site_core.keys import (
    ED25519_KEY_ENV,
    PRIVATE_KEY_ENV,
    ed25519_private_key_to_pem,
    generate_ed25519_key,
    generate_private_key,
    load_public_key,
    private_key_to_pem,
    public_key_pem,
)
from site_core.multikey import public_key_multibase
from site_gen.cli.options import site_option
from site_gen.config import SiteConfig, load_config
from site_gen.federation.key_files import (
    ed25519_key_from_environment,
    ed25519_private_key_path,
    ed25519_public_key_path,
    private_key_from_environment,
    write_private_key,
)

__all__ = [
    "GeneratedKeys",
    "generate_site_keys",
    "keys_group",
    "register",
    "site_public_key_pem",
]


@dataclass(frozen=True)
class GeneratedKeys:
    """What `generate_site_keys` wrote, for the command to report (None: left alone)."""

    private_key_path: Path | None
    public_key_path: Path | None
    key_id: str | None
    ed25519_private_key_path: Path
    ed25519_public_key_path: Path
    ed25519_key_id: str


def _refuse_existing(paths: tuple[Path, ...], force: bool) -> None:
    """Replacing a key makes followers' servers fail to verify us until they refetch it
    (FEDERATION.md#key-rotation), hence the explicit `--force`."""
    for path in paths:
        if path.exists() and not force:
            raise KeyMaterialError(
                f"{path} already exists; pass --force to replace the key pair "
                "(followers' servers will briefly fail to verify you)"
            )


def generate_site_keys(
    config: SiteConfig, *, force: bool = False, ed25519_only: bool = False
) -> GeneratedKeys:
    """Write new key pairs for the site (RSA and Ed25519, or the Ed25519 one alone);
    refuses to replace an existing one unless `force`."""
    ed_private, ed_public = ed25519_private_key_path(config), ed25519_public_key_path(config)
    rsa_paths = () if ed25519_only else (config.private_key_path, config.public_key_path)
    _refuse_existing((*rsa_paths, ed_private, ed_public), force)
    if rsa_paths:
        key = generate_private_key()
        write_private_key(rsa_paths[0], key, output_dir=config.output_dir, overwrite=force)
        rsa_paths[1].write_text(public_key_pem(key), encoding="ascii")
    ed_key = generate_ed25519_key()
    write_private_key(ed_private, ed_key, output_dir=config.output_dir, overwrite=force)
    ed_public.write_text(public_key_pem(ed_key), encoding="ascii")
    ignore = config.state_dir / ".gitignore"
    if not ignore.exists():
        # A second guard beside the site's own .gitignore: nothing in here is ever committed.
        ignore.write_text("*\n", encoding="utf-8")
    return GeneratedKeys(
        rsa_paths[0] if rsa_paths else None,
        rsa_paths[1] if rsa_paths else None,
        None if ed25519_only else config.urls.key_id,
        ed_private,
        ed_public,
        config.urls.ed25519_key_id,
    )


def site_public_key_pem(config: SiteConfig, env: Mapping[str, str]) -> str:
    """The committed `public-key.pem`, or else the public half of the private key."""
    try:
        text = config.public_key_path.read_text(encoding="ascii")
    except FileNotFoundError:
        return public_key_pem(private_key_from_environment(env, config.private_key_path))
    load_public_key(text)  # refuse to show a broken file as if it were fine
    return text


def _generate(site_dir: Path, force: bool, ed25519_only: bool) -> None:
    result = generate_site_keys(load_config(site_dir), force=force, ed25519_only=ed25519_only)
    pairs = [
        (result.private_key_path, result.public_key_path, result.key_id, PRIVATE_KEY_ENV),
        (
            result.ed25519_private_key_path,
            result.ed25519_public_key_path,
            result.ed25519_key_id,
            ED25519_KEY_ENV,
        ),
    ]
    for private, public, key_id, secret in pairs:
        if private is None:
            continue
        click.echo(f"Wrote the private key to {private} (mode 0600).")
        click.echo("  Keep it secret: never commit or publish it.")
        click.echo(f"Wrote the public key to {public} (commit this one).")
        click.echo(f"Key id: {key_id}")
        click.echo(f"For CI and serverless hosts, store the whole file as the secret {secret},")
        click.echo(f"  for example: gh secret set {secret} < {private}")


def _show_ed25519(config: SiteConfig, private: bool) -> None:
    """The Ed25519 key: its id and Multikey, or (on request) the private key."""
    key = ed25519_key_from_environment(os.environ, ed25519_private_key_path(config))
    if private:
        if key is None:
            raise KeyMaterialError("no Ed25519 key: run 'site-gen keys generate --ed25519'")
        click.echo(
            "WARNING: this is the site's PRIVATE Ed25519 key. Paste it only into a secret store.",
            err=True,
        )
        click.echo(ed25519_private_key_to_pem(key).decode("ascii"), nl=False)
        return
    try:
        public = load_public_key(ed25519_public_key_path(config).read_text(encoding="ascii"))
    except FileNotFoundError:
        if key is None:
            raise KeyMaterialError(
                "no Ed25519 key: run 'site-gen keys generate --ed25519'"
            ) from None
        public = key.public_key()
    if not isinstance(public, ed25519.Ed25519PublicKey):
        raise KeyMaterialError(f"{ed25519_public_key_path(config)} is not an Ed25519 public key")
    click.echo(f"Key id: {config.urls.ed25519_key_id}")
    click.echo(f"publicKeyMultibase: {public_key_multibase(public)}")
    click.echo(public_key_pem(public), nl=False)


def _show(site_dir: Path, private: bool, ed25519_key: bool = False) -> None:
    config = load_config(site_dir)
    if ed25519_key:
        _show_ed25519(config, private)
        return
    if private:
        key = private_key_from_environment(os.environ, config.private_key_path)
        click.echo(
            "WARNING: this is the site's PRIVATE key. Anyone holding it can post as you. "
            "Paste it only into a secret store.",
            err=True,
        )
        click.echo(private_key_to_pem(key).decode("ascii"), nl=False)
        return
    click.echo(f"Key id: {config.urls.key_id}")
    click.echo(site_public_key_pem(config, os.environ), nl=False)


@click.group("keys")
def keys_group() -> None:
    """Create and show the key pair that signs what the site sends."""


@keys_group.command("generate")
@site_option
@click.option("--force", is_flag=True, help="Replace an existing key pair.")
@click.option(
    "--ed25519",
    "ed25519_only",
    is_flag=True,
    help="Make only the Ed25519 pair of integrity proofs (a site made before it had one).",
)
def generate_command(site_dir: Path, force: bool, ed25519_only: bool) -> None:
    """Write both key pairs: .site-gen/private-key.pem and .site-gen/ed25519-private-key.pem
    (0600), public-key.pem and ed25519-public-key.pem."""
    _generate(site_dir, force, ed25519_only)


@keys_group.command("show")
@site_option
@click.option(
    "--private",
    is_flag=True,
    help="Print the private key instead (to paste into a secret store).",
)
@click.option(
    "--ed25519",
    "ed25519_key",
    is_flag=True,
    help="Show the Ed25519 key of integrity proofs instead of the RSA key.",
)
def show_command(site_dir: Path, private: bool, ed25519_key: bool) -> None:
    """Print the key id and the public key."""
    _show(site_dir, private, ed25519_key)


def register(cli: click.Group) -> None:
    """Add the `keys` group to the command line."""
    cli.add_command(keys_group)
