"""The owner's services: every decision the owner takes, whatever door it comes through.

The admin API (`site_function.routes.admin`, `routes.publishing`) and the CLI's `--database`
mode (`site_gen.cli.publish_backends.DatabaseBackend`, `site_gen.cli.owner_access.DatabaseOwner`)
call these same functions, so a plan, a Move or a block is checked the same way both ways.
One module per concern:

    followers     approve, reject, remove, list
    blocks        add, remove, list, import, export
    interactions  list, moderate
    conversations the sync with the site's repository: index, items, decisions in bulk
    publishing    check a plan (identity, actor, deleted ids) and apply it
    moving        check a Move (shape, the target lists us) and queue it
    draining      the one way a drain is put together
    state         the ledger and the queue as JSON

A request that cannot be carried out raises `OwnerRequestError(detail, status)`; the HTTP side
maps it to a status in one place (`routes._responses.error_answer`), the CLI to a message.
"""

from __future__ import annotations

from site_function.owner.errors import OwnerRequestError

__all__ = ["OwnerRequestError"]
