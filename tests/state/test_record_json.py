"""Records as JSON and back: every record of the scenario round-trips, and every ill-formed
field is refused with its name, whichever path (plain type tests or field by field) reads it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from site_function.owner.state_archive.record_json import (
    RecordError,
    record_from_json,
    record_to_json,
)
from site_function.store import open_store
from site_function.store.transfer import TRANSFER_KINDS, TransferKind
from state_scenario import fill

FOLLOWER: dict[str, Any] = {
    "actor_id": "https://m.example/users/ann", "follow_id": "https://m.example/f/1",
    "inbox": "https://m.example/users/ann/inbox", "shared_inbox": None, "state": "accepted",
    "follow_activity": {"type": "Follow"}, "created_at": "2026-03-01T12:00:00+00:00",
    "updated_at": "2026-03-01T12:00:00+00:00",
}  # fmt: skip


def test_every_record_of_the_scenario_reads_back_equal(sqlite_url: Callable[[str], str]) -> None:
    store = open_store(sqlite_url("scenario.sqlite3"))
    try:
        fill(store)
        read = 0
        with store.read_state() as snapshot:
            for kind in TRANSFER_KINDS:
                for page in snapshot.pages(kind):
                    for record in page:
                        line = json.dumps(record_to_json(record), ensure_ascii=False)
                        assert record_from_json(kind, json.loads(line)) == record
                        read += 1
    finally:
        store.close()
    assert read > 30


@pytest.mark.parametrize(
    ("kind", "change", "message"),
    [
        ("followers", {"extra": 1}, "unknown field 'extra'"),
        ("followers", {"inbox": None}, "field 'inbox': expected text"),
        ("followers", {"state": "friend"}, "field 'state': expected one of"),
        ("followers", {"follow_activity": []}, "field 'follow_activity': expected an object"),
        ("followers", {"shared_inbox": 7}, "field 'shared_inbox': expected text"),
        ("followers", {"created_at": "2026-03-01T12:00:00"}, "'created_at': .*no UTC offset"),
        ("followers", {"updated_at": "yesterday"}, "field 'updated_at': Invalid isoformat"),
        ("followers", {"created_at": 1}, "field 'created_at': expected an ISO 8601 time"),
        ("seen", {"key": "not base64!"}, "field 'key': expected base64"),
        ("queue", {"attempts": True}, "field 'attempts': expected a whole number"),
        ("queue", {"attempts": 1.5}, "field 'attempts': expected a whole number"),
        ("actors", {"also_known_as": ["a", 2]}, "field 'also_known_as': expected a list of text"),
        ("blocks", {"reject_media": 0}, "field 'reject_media': expected true or false"),
        ("policies", {"allowed": "yes"}, "field 'allowed': expected true or false"),
        ("policies", {"domain": None}, "field 'domain': expected text"),
        ("severed", {"severed_at": "2026-03-01"}, "'severed_at': .*no UTC offset"),
        ("severed", {"reason": "block"}, "unknown field 'reason'"),
    ],
)
def test_an_ill_formed_field_is_refused_by_name(
    kind: TransferKind, change: dict[str, Any], message: str, sqlite_url: Callable[[str], str]
) -> None:
    good = _one_of(kind, sqlite_url("one.sqlite3")) if kind != "followers" else FOLLOWER
    record_from_json(kind, good)
    with pytest.raises(RecordError, match=message):
        record_from_json(kind, {**good, **change})


def test_a_missing_field_or_a_non_object_is_refused() -> None:
    with pytest.raises(RecordError, match="missing field 'updated_at'"):
        record_from_json("followers", {k: v for k, v in FOLLOWER.items() if k != "updated_at"})
    with pytest.raises(RecordError, match="must be a JSON object"):
        record_from_json("followers", [FOLLOWER])


def _one_of(kind: TransferKind, url: str) -> dict[str, Any]:
    store = open_store(url)
    try:
        fill(store)
        with store.read_state() as snapshot:
            record = next(iter(snapshot.pages(kind)))[0]
    finally:
        store.close()
    found: dict[str, Any] = json.loads(json.dumps(record_to_json(record)))
    return found


def test_a_record_writes_back_as_it_was_read() -> None:
    first = record_from_json("followers", dict(FOLLOWER))
    assert record_from_json("followers", dict(FOLLOWER)) == first
    assert record_to_json(first) == FOLLOWER
