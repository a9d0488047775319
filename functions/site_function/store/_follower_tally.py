"""The follower tally: how many followers each server has in each state, kept by triggers.

The admin page heads its follower list with two counts and the servers with the most
followers; counting 100,000 rows for that on every page view costs tens of milliseconds.
``follower_tally`` holds one row per (state, domain), which triggers on ``followers`` keep
exact on every insert, upsert, state change and delete, whatever store method (or a future
one) made it, in the same transaction. A count is then a sum over one row per server, and the
top servers a walk of ``follower_tally_top``.

Rows that fall to zero stay (at most one per server ever seen); readers skip them. The
PostgreSQL trigger locks the (state, domain) row until its transaction commits, so two
Follows from the same server commit one after the other: a short wait, and the count is exact.
"""

from __future__ import annotations

__all__ = ["TALLY_STATEMENTS"]

# Statements of a migration: plain strings for both backends, or one per dialect.
_COMMON = (
    """CREATE TABLE follower_tally (
        state TEXT NOT NULL,
        domain TEXT NOT NULL,
        followers INTEGER NOT NULL,
        PRIMARY KEY (state, domain)
    ){without_rowid}""",
    "CREATE INDEX follower_tally_top ON follower_tally (state, followers DESC, domain)",
)

_SQLITE_ADD = (
    "INSERT INTO follower_tally (state, domain, followers) VALUES (NEW.state, NEW.domain, 1)"
    " ON CONFLICT (state, domain) DO UPDATE SET followers = followers + 1;"
)
_SQLITE_REMOVE = (
    "UPDATE follower_tally SET followers = followers - 1"
    " WHERE state = OLD.state AND domain = OLD.domain;"
)

_SQLITE = (
    f"CREATE TRIGGER follower_tally_insert AFTER INSERT ON followers BEGIN {_SQLITE_ADD} END",
    f"CREATE TRIGGER follower_tally_delete AFTER DELETE ON followers BEGIN {_SQLITE_REMOVE} END",
    "CREATE TRIGGER follower_tally_update AFTER UPDATE OF state, domain ON followers"
    " WHEN OLD.state IS NOT NEW.state OR OLD.domain IS NOT NEW.domain"
    f" BEGIN {_SQLITE_REMOVE} {_SQLITE_ADD} END",
)

_POSTGRES = (
    """CREATE FUNCTION follower_tally_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND OLD.state = NEW.state AND OLD.domain = NEW.domain THEN
            RETURN NULL;
        END IF;
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            UPDATE follower_tally SET followers = followers - 1
            WHERE state = OLD.state AND domain = OLD.domain;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO follower_tally AS t (state, domain, followers)
            VALUES (NEW.state, NEW.domain, 1)
            ON CONFLICT (state, domain) DO UPDATE SET followers = t.followers + 1;
        END IF;
        RETURN NULL;
    END
    $$""",
    "CREATE TRIGGER follower_tally AFTER INSERT OR DELETE OR UPDATE OF state, domain"
    " ON followers FOR EACH ROW EXECUTE FUNCTION follower_tally_change()",
)

# The followers stored before the tally existed (the triggers count every change after).
_BACKFILL = (
    "INSERT INTO follower_tally (state, domain, followers)"
    " SELECT state, domain, count(*) FROM followers GROUP BY state, domain"
)

TALLY_STATEMENTS: dict[str, tuple[str, ...]] = {
    "sqlite": (*_COMMON, *_SQLITE, _BACKFILL),
    "postgres": (*_COMMON, *_POSTGRES, _BACKFILL),
}
