"""The storage contract, admin page half: keyset pages of followers and of the moderation
queue walk every row once in order, search and counts by server, followers on a domain, and
the owner services on top (cursors, block previews) on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from site_function.owner import block_preview, pages
from site_function.owner.errors import OwnerRequestError
from site_function.store import Block, Follower, Interaction, Store
from site_function.store.pages import PagedReads
from store_backends import NOW


def _follower(i: int, host: str, state: str = "accepted") -> Follower:
    actor = f"https://{host}/users/u{i:02d}"
    return Follower(
        actor,
        f"{actor}#f",
        f"{actor}/inbox",
        None,
        state,
        {"id": f"{actor}#f"},
        NOW + timedelta(seconds=i // 2),
        NOW,
    )


def _seed(store: Store) -> list[Follower]:
    hosts = ["a.example", "b.example", "sub.b.example", "b_example.org"]
    made = [_follower(i, hosts[i % 4], "pending" if i % 5 == 0 else "accepted") for i in range(23)]
    for follower in made:
        store.save_follower(follower)
    return made


def test_the_store_reads_pages(store: Store) -> None:
    assert isinstance(store, PagedReads)


def test_follower_pages_walk_every_row_once_in_order(store: Store) -> None:
    made = [f for f in _seed(store) if f.state == "accepted"]
    seen, cursor = [], ""
    for _ in range(10):  # bounded
        page = pages.follower_page(store, "accepted", cursor=cursor, limit=4)
        seen += [row["actor"] for row in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    expected = [f.actor_id for f in sorted(made, key=lambda f: (f.created_at, f.actor_id))]
    assert seen == expected


def test_search_is_literal_and_case_insensitive(store: Store) -> None:
    _seed(store)
    found = store.follower_page(None, search="B_EXAMPLE", limit=50)
    assert {f.actor_id.split("/")[2] for f in found} == {"b_example.org"}
    assert store.follower_page(None, search="%", limit=50) == []


def test_counts_by_server_and_followers_on_a_domain(store: Store) -> None:
    _seed(store)
    domains = dict(store.follower_domains(None))
    assert domains["a.example"] == 6
    covered = {f.actor_id.split("/")[2] for f in store.followers_on_domain("b.example")}
    assert covered == {"b.example", "sub.b.example"}  # not b_example.org


def test_the_review_queue_pages_and_hides_blocked_accounts(store: Store) -> None:
    for i in range(7):
        actor = f"https://{'bad' if i == 3 else 'ok'}.example/users/u{i}"
        note = {"id": f"{actor}/n{i}", "type": "Note", "content": "hi"}
        store.save_interaction(
            Interaction(
                note["id"],
                "reply",
                actor,
                "https://site.test/p",
                note,
                "pending",
                NOW + timedelta(seconds=i),
                NOW,
            )
        )
    store.add_block(Block("domain", "bad.example", NOW), now=NOW)
    first = pages.review_page(store, limit=3)
    second = pages.review_page(store, cursor=first["next"], limit=3)
    third = pages.review_page(store, cursor=second["next"], limit=3)
    ids = [i["id"] for page in (first, second, third) for i in page["items"]]
    assert len(ids) == 6
    assert not any("bad.example" in i for i in ids)
    assert third["next"] is None
    assert first["pending"] == 7


@pytest.mark.parametrize("cursor", ["%%%", "bm90IGEgY3Vyc29y", "MjAyNi0wMS0wMQ", "A" * 5])
def test_a_bad_cursor_is_a_400(store: Store, cursor: str) -> None:
    with pytest.raises(OwnerRequestError) as raised:
        pages.follower_page(store, "accepted", cursor=cursor)
    assert raised.value.status == 400


def test_a_block_preview_counts_what_the_block_does(store: Store) -> None:
    _seed(store)
    actor = "https://sub.b.example/users/u02"
    note = {"id": f"{actor}/n", "type": "Note", "content": "hi"}
    store.save_interaction(
        Interaction(note["id"], "reply", actor, "https://site.test/p", note, "pending", NOW, NOW)
    )
    preview = block_preview.preview_block(store, "b.example")
    assert (preview["followers"], preview["pending_replies"]) == (12, 1)
    assert store.count_followers(None) == 23  # nothing changed
    imported = block_preview.preview_import(store, "#domain,#severity\nb.example,suspend\n", NOW)
    assert imported["followers"] == 12
