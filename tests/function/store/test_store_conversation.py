"""The conversation sync's store methods on both backends: the index (without records), the
batch read, batch decisions, revisions that change with the row, blocks filtered out, and the
migration that adds authors and revisions to an existing database."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from requirements import connect_postgres
from site_function.store import Store
from site_function.store.base import Block, Interaction, RemoteActor
from site_function.store.migrations import MIGRATIONS, seen_activity_key, statements_for
from store_backends import NOW, Backend

POST = "https://site.test/ap/posts/a"
ANN = "https://m.example/users/ann"
BOB = "https://spam.example/users/bob"


def _reply(actor: str, n: int, *, at: int = 0, author: dict[str, str] | None = None) -> Interaction:
    note_id = f"{actor}/notes/{n}"
    moment = NOW + timedelta(seconds=at)
    return Interaction(note_id, "reply", actor, POST, {"id": note_id, "content": f"<p>{n}</p>"},
                       "pending", moment, moment, author or {"id": actor})  # fmt: skip


def _actor(actor_id: str, name: str) -> RemoteActor:
    document = {"id": actor_id, "type": "Person", "name": name, "preferredUsername": "ann",
                "icon": {"type": "Image", "url": f"{actor_id}/avatar.png"}}  # fmt: skip
    return RemoteActor(actor_id, f"{actor_id}/inbox", None, None, None, (), document, NOW)


def test_index_lists_rows_without_records_oldest_first(store: Store) -> None:
    store.save_interaction(_reply(ANN, 2, at=5))
    store.save_interaction(_reply(ANN, 1))
    rows = store.interaction_index()
    assert [(r.activity_id, r.kind, r.object_id, r.state) for r in rows] == [
        (f"{ANN}/notes/1", "reply", POST, "pending"),
        (f"{ANN}/notes/2", "reply", POST, "pending"),
    ]
    assert not hasattr(rows[0], "activity")  # the records stay in the database
    assert rows[0].version != rows[1].version


def test_batch_read_leaves_out_unknown_ids_and_repeats(store: Store) -> None:
    store.save_interaction(_reply(ANN, 1))
    store.save_interaction(_reply(ANN, 2, at=1))
    found = store.get_interactions([f"{ANN}/notes/2", "https://x.test/none", f"{ANN}/notes/1",
                                    f"{ANN}/notes/2"])  # fmt: skip
    assert [i.activity_id for i in found] == [f"{ANN}/notes/1", f"{ANN}/notes/2"]
    assert found[0].author == {"id": ANN}
    assert found[0].activity["content"] == "<p>1</p>"
    assert len(store.get_interactions([f"{ANN}/notes/{n}" for n in range(1200)])) == 2


def test_every_change_makes_a_new_version(store: Store) -> None:
    store.save_interaction(_reply(ANN, 1))
    [first] = store.interaction_index()
    store.save_interaction(_reply(ANN, 1))  # the same again: nothing changed
    assert store.interaction_index()[0].version == first.version
    edited = _reply(ANN, 1)
    store.save_interaction(Interaction(**{**_fields(edited), "activity": {"content": "new"}}))
    [after_edit] = store.interaction_index()
    assert after_edit.version != first.version
    assert store.get_interaction(edited.activity_id).state == "pending"  # kept
    store.set_moderation(edited.activity_id, "approved")
    [after_decision] = store.interaction_index()
    assert after_decision.version != after_edit.version
    store.set_moderation(edited.activity_id, "approved")  # the same decision: no change
    assert store.interaction_index()[0].version == after_decision.version


def _fields(interaction: Interaction) -> dict[str, object]:
    return {name: getattr(interaction, name) for name in Interaction.__match_args__}


def test_a_refreshed_actor_refreshes_its_authors(store: Store) -> None:
    store.save_interaction(_reply(ANN, 1))
    store.save_interaction(_reply(BOB, 1, at=1))
    before = {r.activity_id: r.version for r in store.interaction_index()}
    store.save_actor(_actor(ANN, "Ann"))
    held = store.get_interaction(f"{ANN}/notes/1")
    assert held.author == {"id": ANN, "name": "Ann", "handle": "@ann@m.example",
                           "avatar": f"{ANN}/avatar.png"}  # fmt: skip
    after = {r.activity_id: r.version for r in store.interaction_index()}
    assert after[f"{ANN}/notes/1"] != before[f"{ANN}/notes/1"]
    assert after[f"{BOB}/notes/1"] == before[f"{BOB}/notes/1"]  # another actor's: untouched
    store.save_actor(_actor(ANN, "Ann"))  # fetched again, unchanged: no new version
    assert {r.activity_id: r.version for r in store.interaction_index()} == after
    store.save_actor(_actor(ANN, "Ann B."))
    assert store.get_interaction(f"{ANN}/notes/1").author["name"] == "Ann B."
    assert store.interaction_index()[0].version != after[f"{ANN}/notes/1"]


@pytest.mark.parametrize("blocked", [Block("account", BOB, NOW), Block("domain", "example", NOW)])
def test_blocked_accounts_and_domains_are_left_out(store: Store, blocked: Block) -> None:
    store.save_interaction(_reply(ANN, 1))
    store.save_interaction(_reply(BOB, 1, at=1))
    store.add_block(blocked, now=NOW)
    shown = [r.activity_id for r in store.interaction_index()]
    by_domain = blocked.kind == "domain"
    assert shown == ([] if by_domain else [f"{ANN}/notes/1"])
    assert [i.actor_id for i in store.get_interactions([f"{BOB}/notes/1"])] == []
    result = store.moderate_many({f"{BOB}/notes/1": "approved"})
    assert result.missing == [f"{BOB}/notes/1"]
    assert store.get_interaction(f"{BOB}/notes/1").state == "pending"


def test_moderate_many_sorts_ids_into_changed_unchanged_missing(store: Store) -> None:
    for n in range(3):
        store.save_interaction(_reply(ANN, n, at=n))
    store.set_moderation(f"{ANN}/notes/1", "approved")
    decisions = {f"{ANN}/notes/0": "approved", f"{ANN}/notes/1": "approved",
                 f"{ANN}/notes/2": "rejected", "https://x.test/n": "approved"}  # fmt: skip
    result = store.moderate_many(decisions)  # type: ignore[arg-type]
    assert result.changed == [f"{ANN}/notes/0", f"{ANN}/notes/2"]
    assert result.unchanged == [f"{ANN}/notes/1"]
    assert result.missing == ["https://x.test/n"]
    states = {i.activity_id: i.state for i in store.list_interactions()}
    assert states == {f"{ANN}/notes/0": "approved", f"{ANN}/notes/1": "approved",
                      f"{ANN}/notes/2": "rejected"}  # fmt: skip


def test_index_leaves_out_blocked_accounts_and_domains_at_scale(store: Store) -> None:
    """Many rows over many actors: the blocks are applied to each (the speed is bench/'s)."""
    with store.transaction():
        for n in range(2_000):
            actor = f"https://h{n % 50}.example/users/u{n % 200}"
            store.save_interaction(_reply(actor, n, at=n))
    store.add_block(Block("domain", "h7.example", NOW), now=NOW)
    store.add_block(Block("account", "https://h3.example/users/u3", NOW), now=NOW)
    rows = store.interaction_index()
    assert len(rows) == 2_000 - 40 - 10  # a 50th of them on h7, 10 by u3 of h3
    assert not any("h7.example" in row.activity_id for row in rows)


# --- migration from a database made before authors and revisions ------------------------------


def _old_schema(backend: Backend) -> None:
    """The schema as migrations 1 to 3 left it, with one interaction stored."""
    dialect = "sqlite" if backend.name == "sqlite" else "postgres"
    steps = [s for m in MIGRATIONS if m.version <= 3 for s in statements_for(m, dialect)]
    steps.append("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                 " applied_at TEXT NOT NULL)")  # fmt: skip
    steps += [f"INSERT INTO schema_migrations VALUES ({m.version}, 'old', '2026-01-01')"
              for m in MIGRATIONS if m.version <= 3]  # fmt: skip
    stamp = "2026-03-01T12:00:00.000000+00:00"
    steps.append("INSERT INTO interactions (activity_id, kind, actor_id, object_id, activity,"
                 f" state, created_at, updated_at) VALUES ('{ANN}/notes/old', 'reply', '{ANN}',"
                 f" '{POST}', '{{\"id\": \"x\"}}', 'approved', '{stamp}', '{stamp}')")  # fmt: skip
    if backend.name == "sqlite":
        conn = sqlite3.connect(backend.url.removeprefix("sqlite://"))
        conn.create_function("site_seen_key", 1, seen_activity_key)
        with conn:
            for step in steps:
                conn.execute(step)
        conn.close()
        return
    with connect_postgres(backend.url) as conn:
        for step in steps:
            conn.execute(step.replace("applied_at TEXT", "applied_at TIMESTAMPTZ"))


def test_an_existing_database_gains_authors_and_revisions(backend: Backend) -> None:
    _old_schema(backend)
    store = backend.open()
    assert store.schema_version() == MIGRATIONS[-1].version
    held = store.get_interaction(f"{ANN}/notes/old")
    assert (held.state, held.author, held.revision) == ("approved", None, 1)
    [row] = store.interaction_index()
    assert row.version == held.version
    store.save_actor(_actor(ANN, "Ann"))  # the next refresh of the actor adds the profile
    assert store.get_interaction(f"{ANN}/notes/old").author["name"] == "Ann"
