"""For a site on loopback, `site-gen serve` is its deploy: it records the posts already there.

On a deployed site the first `site-gen publish` runs with the first deploy and records every
existing post as sent, so nothing old reaches followers (the publish plan's first rule). On
one machine the function starts with `serve`, and followers can arrive before any publish:
without this, the first publish after a follow would record the new post as old and send
nothing. So when the local ledger was never initialised, `serve` records the posts of its
first build (drafts have no documents, so they stay unrecorded and are sent once they are
published), through the same plan and store code as a publish. Later runs find the ledger
initialised and leave it alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from site_gen.config import SiteConfig

__all__ = ["record_existing_posts"]


def record_existing_posts(
    config: SiteConfig, database_url: str, env: Mapping[str, str]
) -> int | None:
    """Record the built posts as already published if the ledger was never initialised.

    Returns how many were recorded, or None when the ledger was already initialised.
    `config` is the preview's: its output folder holds the build just made.
    """
    from site_core.publish.plan import plan_publish
    from site_gen.cli.publish_backends import DatabaseBackend
    from site_gen.publish.built_output import read_built_site

    backend = DatabaseBackend(config, database_url, env, allow_private_addresses=True)
    try:
        ledger = backend.ledger()
        if ledger.initialized or ledger.items:
            return None
        site = read_built_site(config.output_dir, config.urls)
        plan = plan_publish(
            site, ledger, config.urls, datetime.now(UTC), config.conversation.review
        )
        assert not plan.activities  # a first publish sends nothing: nothing old goes out
        backend.publish(plan, dry_run=False)
        return len(plan.ledger)
    finally:
        backend.close()
