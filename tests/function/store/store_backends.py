"""Helpers of the store contract suite: the pinned time and a database opened many times."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from requirements import POSTGRES_URL as PG_URL
from requirements import connect_postgres
from site_function.store import Store, open_store

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


@dataclass
class Backend:
    """A database of one kind, opened as many times as a test needs (like several processes)."""

    name: str
    url: str
    opened: list[Store] = field(default_factory=list)

    def open(self, *, migrate: bool = True) -> Store:
        store = open_store(self.url, migrate=migrate)
        self.opened.append(store)
        return store

    def close_all(self) -> None:
        for store in self.opened:
            store.close()


def postgres_schema() -> Iterator[str]:
    schema = f"t_store_{uuid.uuid4().hex[:12]}"
    with connect_postgres(PG_URL) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            yield schema
        finally:
            admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
