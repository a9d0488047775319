"""Databases for the state tests: SQLite files and PostgreSQL schemas of their own.

PostgreSQL is the real server at 127.0.0.1:5432 (database ``test``); each database gets a
fresh schema with a random name, dropped when the test ends.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from requirements import POSTGRES_URL, connect_postgres


@pytest.fixture
def postgres_url() -> Iterator[Callable[[], str]]:
    """Makes a URL to an empty PostgreSQL schema each time it is called."""
    schemas: list[str] = []

    def make() -> str:
        schema = f"t_state_{uuid.uuid4().hex[:12]}"
        with connect_postgres(POSTGRES_URL) as admin:
            admin.execute(f'CREATE SCHEMA "{schema}"')
        schemas.append(schema)
        separator = "&" if "?" in POSTGRES_URL else "?"
        return f"{POSTGRES_URL}{separator}options={quote(f'-csearch_path={schema}')}"

    yield make
    with connect_postgres(POSTGRES_URL) as admin:
        for schema in schemas:
            admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Callable[[str], str]:
    """Makes a URL to a new SQLite file of the given name."""
    return lambda name: f"sqlite:///{tmp_path / name}"
