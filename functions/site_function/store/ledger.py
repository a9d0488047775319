"""The publish ledger: what the outside world has been told about each of our objects."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from site_core.publish.owner_settings import OwnerSettings
from site_function.store.records import NewDelivery, PublishedObject

__all__ = ["LedgerStore"]


@runtime_checkable
class LedgerStore(Protocol):
    """Ledger rows, written together with their deliveries (issue 4)."""

    def get_published(self, object_id: str) -> PublishedObject | None:
        """The ledger row of one of our objects, or None."""

    def list_published(self) -> list[PublishedObject]:
        """Every ledger row, ordered by first_sent_at then object_id."""

    def save_published(
        self,
        items: Sequence[PublishedObject],
        deliveries: Sequence[NewDelivery],
        now: datetime,
        *,
        owner: OwnerSettings | None = None,
        meta: Mapping[str, str] | None = None,
    ) -> None:
        """Upsert ledger rows and enqueue their deliveries in one transaction, together with
        the owner's settings the publish states (when given) and ``meta`` values."""
