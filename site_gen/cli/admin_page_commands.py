"""`site-gen admin-passphrase`: make the hash the admin page accepts a passphrase by.

The hash (`site_core.passphrase`, scrypt) goes in the function's environment as
SITE_GEN_ADMIN_PASSPHRASE_HASH; the passphrase itself is typed twice, hidden, and never
stored or shown.
"""

from __future__ import annotations

import click

from site_core.passphrase import PassphraseHashError, hash_passphrase

__all__ = ["admin_passphrase", "register"]


@click.command("admin-passphrase")
def admin_passphrase() -> None:
    """Print the SITE_GEN_ADMIN_PASSPHRASE_HASH value of a passphrase typed twice."""
    passphrase = click.prompt(
        "Admin page passphrase", hide_input=True, confirmation_prompt=True, err=True
    )
    try:
        hashed = hash_passphrase(passphrase)
    except PassphraseHashError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"SITE_GEN_ADMIN_PASSPHRASE_HASH={hashed}")


def register(cli: click.Group) -> None:
    cli.add_command(admin_passphrase)
