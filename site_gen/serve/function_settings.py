"""The function's settings for `site-gen serve` and the CLI's database backend, from site.yaml.

On a host the function reads its environment (`Settings.from_env`); on the owner's machine the
site's config already says everything, so the generator's side (which may see both) builds the
function's `Settings` from it: the site's key file, its SQLite file, the owner's profile.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from site_core.publish.owner_settings import OwnerSettings
from site_gen.federation.key_files import (
    ed25519_key_from_environment,
    ed25519_private_key_path,
    private_key_from_environment,
)

if TYPE_CHECKING:
    from site_function.settings import Settings

    from site_gen.config import SiteConfig

__all__ = ["settings_from_site"]


def settings_from_site(
    config: SiteConfig,
    env: Mapping[str, str],
    *,
    database_url: str | None = None,
    allow_private_addresses: bool = False,
    serve_documents: bool = True,
    admin_token: str | None = None,
) -> Settings:
    """Settings for `site-gen serve`: the site's config, its local key and SQLite file;
    `admin_token`, when given, wins over SITE_GEN_ADMIN_TOKEN (serve's own token)."""
    from site_function.settings import Settings

    url = database_url or env.get("SITE_GEN_DATABASE_URL", "").strip()
    return Settings(
        base_url=config.base_url,
        username=config.username,
        private_key=private_key_from_environment(env, config.private_key_path),
        proof_key=ed25519_key_from_environment(env, ed25519_private_key_path(config)),
        database_url=url or f"sqlite:///{config.state_dir / 'state.sqlite3'}",
        admin_token=admin_token or env.get("SITE_GEN_ADMIN_TOKEN", "").strip() or None,
        function_url=config.function_url,
        handle_domain=config.handle_domain,
        owner=_owner_of(config),
        documents_dir=config.output_dir if serve_documents else None,
        allow_private_addresses=allow_private_addresses,
    )


def _owner_of(config: SiteConfig) -> OwnerSettings:
    """site.yaml's profile settings and review policy (a handle in `also_known_as` or
    `moved_to` stays a handle: the local preview resolves no names)."""
    return OwnerSettings(
        config.manually_approves_followers,
        config.also_known_as,
        config.moved_to,
        config.conversation.review,
    )
