"""The numbered schema migrations, one dialect-aware list for both backends.

Each migration is SQL with type tokens (``{time}``, ``{json}``, ``{bytes}``, ``{bool}``,
``{serial}``, ``{without_rowid}``, ``{seen_key}``) that each backend fills in, so the two
schemas cannot drift apart. Applied
migrations are recorded in ``schema_migrations``; a migration is never edited once released,
only followed by a new one. Indexes serve the hot paths: ``is_blocked`` (primary key of
blocks), ``remember_activity`` (primary key: a fixed-size hash, see migration 2),
``claim_due`` (partial index on queued rows by due time) and followers by state. A step that
only one dialect can say (a trigger) gives each backend its own statements (``by_dialect``).
"""

from __future__ import annotations

import hashlib
from typing import Literal

from site_function.frozen_record import FrozenRecord
from site_function.store._follower_tally import TALLY_STATEMENTS

__all__ = ["MIGRATIONS", "Dialect", "Migration", "seen_activity_key", "statements_for"]

Dialect = Literal["sqlite", "postgres"]

_TYPES: dict[Dialect, dict[str, str]] = {
    # SQLite keeps times as fixed-width ISO-8601 UTC text, which sorts and compares correctly.
    "sqlite": {
        "time": "TEXT",
        "json": "TEXT",
        "bytes": "BLOB",
        "bool": "INTEGER",
        "serial": "INTEGER PRIMARY KEY AUTOINCREMENT",
        # A table clustered on its primary key: one b-tree per row instead of two.
        "without_rowid": " WITHOUT ROWID",
        # `seen_key(activity_id)` in SQL: the SQLite store registers this function on every
        # connection (``seen_activity_key`` below, the same bytes as PostgreSQL's).
        "seen_key": "site_seen_key(activity_id)",
    },
    "postgres": {
        "time": "TIMESTAMPTZ",
        "json": "JSONB",
        "bytes": "BYTEA",
        "bool": "BOOLEAN",
        "serial": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
        "without_rowid": "",
        "seen_key": "substring(sha256(convert_to(activity_id, 'UTF8')) from 1 for 16)",
    },
}


class Migration(FrozenRecord):
    """One schema step: a version number, a name and its statements (with type tokens),
    then those of the backend's dialect (``by_dialect``), if any."""

    version: int
    name: str
    statements: tuple[str, ...]
    by_dialect: dict[str, tuple[str, ...]] | None = None


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "initial schema",
        (
            """CREATE TABLE actors (
                id TEXT PRIMARY KEY,
                inbox TEXT NOT NULL,
                shared_inbox TEXT,
                key_id TEXT,
                public_key_pem TEXT,
                also_known_as {json} NOT NULL,
                document {json} NOT NULL,
                fetched_at {time} NOT NULL
            )""",
            """CREATE TABLE remote_keys (
                key_id TEXT PRIMARY KEY,
                owner TEXT NOT NULL,
                public_key_pem TEXT NOT NULL,
                fetched_at {time} NOT NULL
            )""",
            "CREATE INDEX remote_keys_owner ON remote_keys (owner)",
            """CREATE TABLE followers (
                actor_id TEXT PRIMARY KEY,
                follow_id TEXT NOT NULL,
                inbox TEXT NOT NULL,
                shared_inbox TEXT,
                domain TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('pending', 'accepted')),
                follow_activity {json} NOT NULL,
                created_at {time} NOT NULL,
                updated_at {time} NOT NULL
            )""",
            "CREATE INDEX followers_state ON followers (state, created_at, actor_id)",
            "CREATE INDEX followers_follow_id ON followers (follow_id)",
            "CREATE INDEX followers_domain ON followers (domain)",
            "CREATE INDEX followers_inbox ON followers (inbox)",
            "CREATE INDEX followers_shared_inbox ON followers (shared_inbox)",
            """CREATE TABLE blocks (
                kind TEXT NOT NULL CHECK (kind IN ('account', 'domain')),
                value TEXT NOT NULL,
                severity TEXT NOT NULL,
                comment TEXT NOT NULL,
                reject_media {bool} NOT NULL,
                reject_reports {bool} NOT NULL,
                obfuscate {bool} NOT NULL,
                created_at {time} NOT NULL,
                PRIMARY KEY (kind, value)
            )""",
            """CREATE TABLE interactions (
                activity_id TEXT PRIMARY KEY,
                kind TEXT NOT NULL CHECK (kind IN ('like', 'announce', 'reply')),
                actor_id TEXT NOT NULL,
                object_id TEXT NOT NULL,
                activity {json} NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected')),
                created_at {time} NOT NULL,
                updated_at {time} NOT NULL
            )""",
            "CREATE INDEX interactions_object ON interactions (object_id, created_at)",
            "CREATE INDEX interactions_actor ON interactions (actor_id)",
            """CREATE TABLE seen_activities (
                activity_id TEXT PRIMARY KEY,
                seen_at {time} NOT NULL
            )""",
            "CREATE INDEX seen_activities_seen_at ON seen_activities (seen_at)",
            """CREATE TABLE deliveries (
                id {serial},
                activity_id TEXT NOT NULL,
                inbox TEXT NOT NULL,
                host TEXT NOT NULL,
                body {bytes} NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('queued', 'done', 'failed')),
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at {time} NOT NULL,
                lease_until {time},
                last_status INTEGER,
                last_error TEXT,
                created_at {time} NOT NULL,
                updated_at {time} NOT NULL,
                UNIQUE (activity_id, inbox)
            )""",
            "CREATE INDEX deliveries_due ON deliveries (next_attempt_at, id)"
            " WHERE state = 'queued'",
            "CREATE INDEX deliveries_host_state ON deliveries (host, state)",
            "CREATE INDEX deliveries_state ON deliveries (state, id)",
            "CREATE INDEX deliveries_inbox ON deliveries (inbox)",
            """CREATE TABLE hosts (
                host TEXT PRIMARY KEY,
                consecutive_failures INTEGER NOT NULL,
                first_failure_at {time},
                paused_until {time},
                last_error TEXT
            )""",
            """CREATE TABLE published (
                object_id TEXT PRIMARY KEY,
                slug TEXT NOT NULL,
                content_hash TEXT NOT NULL,
                updated {time},
                state TEXT NOT NULL CHECK (state IN ('live', 'deleted')),
                first_sent_at {time} NOT NULL,
                last_sent_at {time} NOT NULL
            )""",
            """CREATE TABLE meta (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL
            )""",
        ),
    ),
    Migration(
        2,
        "seen activities keyed by a 16-byte hash of the id",
        (
            # The ids already seen stay seen: their rows are copied under the new key.
            """CREATE TABLE seen_activity_keys (
                activity_key {bytes} PRIMARY KEY,
                seen_at {time} NOT NULL
            ){without_rowid}""",
            "INSERT INTO seen_activity_keys (activity_key, seen_at)"
            " SELECT {seen_key}, seen_at FROM seen_activities",
            "DROP TABLE seen_activities",
            "CREATE INDEX seen_activity_keys_seen_at ON seen_activity_keys (seen_at)",
        ),
    ),
    Migration(
        3,
        "interactions by actor, kind and object (per-actor caps, one Like per post)",
        (
            "CREATE INDEX interactions_actor_kind"
            " ON interactions (actor_id, kind, object_id, created_at)",
            # The new index starts with actor_id: it serves what this one served.
            "DROP INDEX interactions_actor",
        ),
    ),
    Migration(
        4,
        "interactions carry their author's profile and a revision (the conversation sync)",
        (
            # Rows stored before: no profile yet (the next refresh of the actor adds it).
            "ALTER TABLE interactions ADD COLUMN author {json}",
            "ALTER TABLE interactions ADD COLUMN revision INTEGER NOT NULL DEFAULT 1",
        ),
    ),
    Migration(
        5,
        "the admin page's keyset pages: interactions by state, followers by state and server",
        (
            "CREATE INDEX interactions_state ON interactions (state, created_at, activity_id)",
            "CREATE INDEX followers_state_domain ON followers (state, domain)",
        ),
    ),
    Migration(
        6,
        "queue rows carry a kind: activities, or notifications to the owner",
        (
            # Every row queued before was an activity.
            "ALTER TABLE deliveries ADD COLUMN kind TEXT NOT NULL DEFAULT 'activity'"
            " CHECK (kind IN ('activity', 'notification'))",
        ),
    ),
    Migration(
        7,
        "domain policies beside blocks, and the followers a block or allow-only mode severed",
        (
            """CREATE TABLE domain_policies (
                domain TEXT PRIMARY KEY,
                require_approval {bool} NOT NULL,
                allowed {bool} NOT NULL,
                updated_at {time} NOT NULL
            )""",
            # cause: "domain:<host>", "account:<actor id>" or "allow-only".
            """CREATE TABLE severed_followers (
                cause TEXT NOT NULL,
                actor_id TEXT NOT NULL,
                severed_at {time} NOT NULL,
                PRIMARY KEY (cause, actor_id)
            )""",
        ),
    ),
    Migration(
        8,
        "followers counted by state and server, kept by triggers (the admin page's header)",
        (),
        TALLY_STATEMENTS,
    ),
)


def seen_activity_key(activity_id: str) -> bytes:
    """The seen-activities key of an activity id: the first 16 bytes of its SHA-256.

    Ids are long URLs inserted in random order; as the key of the table that every inbox
    request writes, a short fixed-size hash keeps that b-tree small and each commit's dirty
    pages few (2^-128 collision odds: no two ids are confused in practice).
    """
    return hashlib.sha256(activity_id.encode("utf-8")).digest()[:16]


def statements_for(migration: Migration, dialect: Dialect) -> list[str]:
    """The migration's statements with the dialect's column types filled in."""
    types = _TYPES[dialect]
    own = (migration.by_dialect or {}).get(dialect, ())
    return [statement.format(**types) for statement in (*migration.statements, *own)]
