"""Where the `followers`, `blocks` and `conversations` commands reach the owner's controls.

Two places answer the same questions with the same JSON shapes: the function's admin API
(`site_gen.admin_client.AdminClient`, the default, at `--function-url` or site.yaml's
function_url / base_url) or a database opened here (`--database URL`), on which the very
services the API calls (`site_function.owner`) run in this process, with the same checks. So
approving from a laptop or through the API queues the same Accept.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from site_core.errors import SiteGenError
from site_gen.admin_client import AdminClient, FollowerState, InteractionState
from site_gen.config import SiteConfig, load_config
from site_gen.publish.admin_token import require_admin_token

if TYPE_CHECKING:
    from site_function.store import Store

__all__ = [
    "DatabaseOwner",
    "OwnerControls",
    "function_url_of",
    "open_owner_controls",
    "owner_session",
]

T = TypeVar("T")


class OwnerControls(Protocol):
    """The owner's decisions on followers, blocks and interactions, wherever the store lives."""

    def followers(self, state: FollowerState) -> list[dict[str, Any]]: ...
    def approve_follower(self, actor: str) -> dict[str, Any]: ...
    def reject_follower(self, actor: str) -> dict[str, Any]: ...
    def remove_follower(self, actor: str) -> dict[str, Any]: ...
    def blocks(self) -> list[dict[str, Any]]: ...
    def add_block(self, target: str, comment: str) -> dict[str, Any]: ...
    def remove_block(self, target: str) -> dict[str, Any]: ...
    def import_blocks(self, csv_text: str) -> dict[str, Any]: ...
    def export_blocks(self) -> str: ...
    def domains(self) -> dict[str, Any]: ...
    def preview_change(self, change: dict[str, str]) -> dict[str, Any]: ...
    def apply_change(self, change: dict[str, str]) -> dict[str, Any]: ...
    def interactions(
        self, object_id: str | None = None, state: InteractionState | None = None
    ) -> list[dict[str, Any]]: ...
    def interaction(self, activity_id: str) -> dict[str, Any]: ...
    def moderate_interaction(self, activity_id: str, state: InteractionState) -> dict[str, Any]: ...
    def moderate_actor(self, actor: str, state: InteractionState) -> dict[str, Any]: ...
    def conversation_index(self) -> list[dict[str, Any]]: ...
    def conversation_items(self, ids: list[str]) -> list[dict[str, Any]]: ...
    def moderate_many(self, decisions: dict[str, str]) -> dict[str, Any]: ...
    def close(self) -> None: ...


class DatabaseOwner:
    """`site_function.owner` services on a database; each call opens and closes the store."""

    def __init__(self, config: SiteConfig, database_url: str) -> None:
        self._urls = config.urls
        self._database_url = database_url

    def _on_store(self, work: Callable[[Store], T]) -> T:
        from site_function.owner import OwnerRequestError
        from site_function.store import StoreError, open_store

        try:
            store = open_store(self._database_url)
        except StoreError as exc:
            raise SiteGenError(f"cannot open the database: {exc}") from None
        try:
            return work(store)
        except OwnerRequestError as exc:
            raise SiteGenError(exc.detail) from None
        finally:
            store.close()

    def followers(self, state: FollowerState) -> list[dict[str, Any]]:
        from site_function.owner.followers import list_followers, parse_follower_state

        return self._on_store(lambda store: list_followers(store, parse_follower_state(state)))

    def approve_follower(self, actor: str) -> dict[str, Any]:
        from site_function.owner.followers import approve_follower

        now = datetime.now(UTC)
        return self._on_store(lambda store: approve_follower(store, self._urls, actor, now))

    def reject_follower(self, actor: str) -> dict[str, Any]:
        from site_function.owner.followers import reject_follower

        now = datetime.now(UTC)
        return self._on_store(lambda store: reject_follower(store, self._urls, actor, now))

    def remove_follower(self, actor: str) -> dict[str, Any]:
        # The admin API's followers/remove is the same call: the follower gets a Reject.
        return self.reject_follower(actor)

    def blocks(self) -> list[dict[str, Any]]:
        from site_function.owner.blocks import list_blocks

        return self._on_store(list_blocks)

    def add_block(self, target: str, comment: str) -> dict[str, Any]:
        from site_function.owner.blocks import add_block

        now = datetime.now(UTC)
        return self._on_store(
            lambda store: add_block(store, self._urls, target, now, comment=comment)
        )

    def remove_block(self, target: str) -> dict[str, Any]:
        from site_function.owner.blocks import remove_block

        return self._on_store(lambda store: remove_block(store, target))

    def import_blocks(self, csv_text: str) -> dict[str, Any]:
        from site_function.owner.blocks import import_blocks

        now = datetime.now(UTC)
        return self._on_store(lambda store: import_blocks(store, self._urls, csv_text, now))

    def export_blocks(self) -> str:
        from site_function.owner.blocks import export_blocks

        return self._on_store(export_blocks)

    def domains(self) -> dict[str, Any]:
        from site_function.owner.domain_policies import list_domains

        return self._on_store(list_domains)

    def preview_change(self, change: dict[str, str]) -> dict[str, Any]:
        from site_function.owner.domain_policies import parse_change, preview_change

        now = datetime.now(UTC)
        return self._on_store(lambda store: preview_change(store, parse_change(change), now))

    def apply_change(self, change: dict[str, str]) -> dict[str, Any]:
        from site_function.owner.domain_policies import apply_change, parse_change

        now, urls = datetime.now(UTC), self._urls
        return self._on_store(lambda store: apply_change(store, urls, parse_change(change), now))

    def interactions(
        self, object_id: str | None = None, state: InteractionState | None = None
    ) -> list[dict[str, Any]]:
        from site_function.owner.interactions import list_interactions

        return self._on_store(lambda store: list_interactions(store, object_id, state))

    def interaction(self, activity_id: str) -> dict[str, Any]:
        from site_function.owner.interactions import get_interaction

        return self._on_store(lambda store: get_interaction(store, activity_id))

    def moderate_interaction(self, activity_id: str, state: InteractionState) -> dict[str, Any]:
        from site_function.owner.interactions import moderate_interaction

        now, urls = datetime.now(UTC), self._urls
        return self._on_store(
            lambda store: moderate_interaction(store, activity_id, state, urls=urls, now=now)
        )

    def moderate_actor(self, actor: str, state: InteractionState) -> dict[str, Any]:
        from site_function.owner.interactions import moderate_actor

        now, urls = datetime.now(UTC), self._urls
        return self._on_store(lambda store: moderate_actor(store, actor, state, urls=urls, now=now))

    def conversation_index(self) -> list[dict[str, Any]]:
        from site_function.owner.conversations import conversation_index

        return self._on_store(conversation_index)

    def conversation_items(self, ids: list[str]) -> list[dict[str, Any]]:
        from site_function.owner.conversations import conversation_items

        return self._on_store(lambda store: conversation_items(store, ids))

    def moderate_many(self, decisions: dict[str, str]) -> dict[str, Any]:
        from site_function.owner.conversations import moderate_many

        now, urls = datetime.now(UTC), self._urls
        return self._on_store(lambda store: moderate_many(store, decisions, urls=urls, now=now))

    def close(self) -> None:
        """Nothing stays open between calls."""


def function_url_of(config: SiteConfig, function_url: str | None) -> str:
    """`--function-url`, else site.yaml's function_url, else its base_url."""
    return function_url or config.function_url or config.base_url


def open_owner_controls(
    config: SiteConfig, database_url: str | None, function_url: str | None
) -> OwnerControls:
    """The database when `--database` is given, else the function's admin API."""
    if database_url:
        return DatabaseOwner(config, database_url)
    token = require_admin_token(config.state_dir, os.environ)
    return AdminClient(function_url_of(config, function_url), token)


@contextmanager
def owner_session(
    site_dir: Path, database_url: str | None, function_url: str | None
) -> Iterator[OwnerControls]:
    """The site's owner controls (see `open_owner_controls`), closed when the block ends."""
    owner = open_owner_controls(load_config(site_dir), database_url, function_url)
    try:
        yield owner
    finally:
        owner.close()
