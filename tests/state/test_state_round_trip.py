"""A store moved SQLite -> archive -> PostgreSQL -> archive -> SQLite, and copied directly,
holds exactly what it held: every list method answers the same (the domain policies,
allow-only mode and the severed followers' record included)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from site_function.owner.state_archive import copy_state, export_state, import_state
from site_function.store import open_store
from state_scenario import SITE, T0, every_list, fill

pytestmark = pytest.mark.postgres


def test_archive_round_trip_sqlite_postgres_sqlite(
    tmp_path: Path, sqlite_url: Callable[[str], str], postgres_url: Callable[[], str]
) -> None:
    first = open_store(sqlite_url("first.sqlite3"))
    middle = open_store(postgres_url())
    last = open_store(sqlite_url("last.sqlite3"))
    try:
        fill(first)
        expected = every_list(first)
        assert all(expected[name] for name in ("queue", "interactions", "hosts", "seen"))
        assert len(expected["policies"].policies) == 3
        assert len(expected["severed"]) == 2
        assert expected["policies"].allow_only
        assert expected["settings"]["domains.allow_only"] == "on"
        written = export_state(first, tmp_path / "one.tar", SITE, T0)
        loaded = import_state(middle, tmp_path / "one.tar", SITE)
        assert loaded.counts.counts == written.counts == loaded.counts.added
        assert every_list(middle) == expected
        assert middle.domain_policies().allow_only  # the meta row travelled with the settings
        export_state(middle, tmp_path / "two.tar.gz", SITE, T0)
        import_state(last, tmp_path / "two.tar.gz", SITE)
        assert every_list(last) == expected
        assert last.state_counts() == first.state_counts()
    finally:
        for store in (first, middle, last):
            store.close()


def test_copy_streams_one_store_into_another(
    sqlite_url: Callable[[str], str], postgres_url: Callable[[], str]
) -> None:
    source = open_store(sqlite_url("source.sqlite3"))
    target = open_store(postgres_url())
    try:
        fill(source)
        counts = copy_state(source, target)
        assert counts.added == counts.counts == source.state_counts()
        assert counts.added["policies"] == 3
        assert counts.added["severed"] == 2
        assert every_list(target) == every_list(source)
    finally:
        source.close()
        target.close()
