"""The cache of remote actors and their public keys (refreshed by the function)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from site_function.store.records import RemoteActor, RemoteKey

__all__ = ["ActorCache"]


@runtime_checkable
class ActorCache(Protocol):
    """Remote actors and keys as last fetched; listable whole for a state export."""

    def get_actor(self, actor_id: str) -> RemoteActor | None:
        """The cached actor, or None."""

    def save_actor(self, actor: RemoteActor) -> None:
        """Insert or replace the cached actor; the author profile its interactions carry is
        refreshed from it (a new revision for each row whose profile changed)."""

    def list_actors(self, *, limit: int = 100, offset: int = 0) -> list[RemoteActor]:
        """Cached actors ordered by id, a page at a time."""

    def get_key(self, key_id: str) -> RemoteKey | None:
        """The cached key, or None."""

    def save_key(self, key: RemoteKey) -> None:
        """Insert or replace the cached key."""

    def list_keys(self, *, limit: int = 100, offset: int = 0) -> list[RemoteKey]:
        """Cached keys ordered by key id, a page at a time."""

    def forget_actor(self, actor_id: str) -> bool:
        """Purge an actor: cache, keys, follower row, interactions, queued deliveries to its
        personal inbox (FEDERATION.md#actor-deleted). True if anything was removed."""
