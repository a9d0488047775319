"""One store per backend for the contract suite: SQLite in a temporary file, PostgreSQL in a
schema of its own.

PostgreSQL is the real server at 127.0.0.1:5432 (database ``test``), shared with other test
sessions: every test gets a fresh schema with a random name, reached through
``options=-csearch_path=<schema>`` in the URL, and dropped when the test ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from site_function.store import Store
from store_backends import PG_URL, Backend, postgres_schema


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """An empty database of each kind (not yet migrated)."""
    if request.param == "sqlite":
        found = Backend("sqlite", f"sqlite://{tmp_path / 'state.sqlite3'}")
        try:
            yield found
        finally:
            found.close_all()
        return
    for schema in postgres_schema():
        separator = "&" if "?" in PG_URL else "?"
        url = f"{PG_URL}{separator}options={quote(f'-csearch_path={schema}')}"
        found = Backend("postgres", url)
        try:
            yield found
        finally:
            found.close_all()


@pytest.fixture
def store(backend: Backend) -> Store:
    """A migrated store on a fresh database."""
    return backend.open()
