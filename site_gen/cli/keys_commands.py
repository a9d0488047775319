"""`site-gen keys generate|show`: make the site's signing key pair and show the public half.

The private key goes to `.site-gen/private-key.pem` (0600, never published) and the public key
to `public-key.pem` at the site root (committed, so a build on CI can publish it in the actor
without the secret). The private key is printed only on explicit request, with a warning.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import click

from site_core.errors import KeyMaterialError
from site_core.keys import (
    PRIVATE_KEY_ENV,
    generate_private_key,
    load_public_key,
    private_key_to_pem,
    public_key_pem,
)
from site_gen.cli.options import site_option
from site_gen.config import SiteConfig, load_config
from site_gen.federation.key_files import private_key_from_environment, write_private_key

__all__ = [
    "GeneratedKeys",
    "generate_site_keys",
    "keys_group",
    "register",
    "site_public_key_pem",
]


@dataclass(frozen=True)
class GeneratedKeys:
    """What `generate_site_keys` wrote, for the command to report."""

    private_key_path: Path
    public_key_path: Path
    key_id: str


def generate_site_keys(config: SiteConfig, *, force: bool = False) -> GeneratedKeys:
    """Write a new key pair for the site; refuses to replace one unless `force`.

    Replacing a key makes followers' servers fail to verify us until they refetch it
    (FEDERATION.md#key-rotation), hence the explicit `--force`.
    """
    private_path, public_path = config.private_key_path, config.public_key_path
    if not force:
        for path in (private_path, public_path):
            if path.exists():
                raise KeyMaterialError(
                    f"{path} already exists; pass --force to replace the key pair "
                    "(followers' servers will briefly fail to verify you)"
                )
    key = generate_private_key()
    write_private_key(private_path, key, output_dir=config.output_dir, overwrite=force)
    ignore = private_path.parent / ".gitignore"
    if not ignore.exists():
        # A second guard beside the site's own .gitignore: nothing in here is ever committed.
        ignore.write_text("*\n", encoding="utf-8")
    public_path.write_text(public_key_pem(key), encoding="ascii")
    return GeneratedKeys(private_path, public_path, config.urls.key_id)


def site_public_key_pem(config: SiteConfig, env: Mapping[str, str]) -> str:
    """The committed `public-key.pem`, or else the public half of the private key."""
    try:
        text = config.public_key_path.read_text(encoding="ascii")
    except FileNotFoundError:
        return public_key_pem(private_key_from_environment(env, config.private_key_path))
    load_public_key(text)  # refuse to show a broken file as if it were fine
    return text


def _generate(site_dir: Path, force: bool) -> None:
    result = generate_site_keys(load_config(site_dir), force=force)
    click.echo(f"Wrote the private key to {result.private_key_path} (mode 0600).")
    click.echo("  Keep it secret: never commit or publish it.")
    click.echo(f"Wrote the public key to {result.public_key_path} (commit this one).")
    click.echo(f"Key id: {result.key_id}")
    click.echo(
        f"For CI and serverless hosts, store the whole file as the secret {PRIVATE_KEY_ENV},"
    )
    click.echo(f"  for example: gh secret set {PRIVATE_KEY_ENV} < {result.private_key_path}")


def _show(site_dir: Path, private: bool) -> None:
    config = load_config(site_dir)
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
def generate_command(site_dir: Path, force: bool) -> None:
    """Write .site-gen/private-key.pem (0600) and public-key.pem."""
    _generate(site_dir, force)


@keys_group.command("show")
@site_option
@click.option(
    "--private",
    is_flag=True,
    help="Print the private key instead (to paste into a secret store).",
)
def show_command(site_dir: Path, private: bool) -> None:
    """Print the key id and the public key."""
    _show(site_dir, private)


def register(cli: click.Group) -> None:
    """Add the `keys` group to the command line."""
    cli.add_command(keys_group)
