"""Helpers of the store contract suite: the pinned time and a database opened many times."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from site_function.store import Store, open_store

PG_URL = os.environ.get("SITE_GEN_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
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
    psycopg = pytest.importorskip("psycopg")
    schema = f"t_store_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(PG_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {exc}")
    with admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            yield schema
        finally:
            admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
