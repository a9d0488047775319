"""The storage contract for the inbox's per-actor caps, on SQLite and PostgreSQL: one Like or
Announce per actor and object (a new id replaces the one held), and counts per actor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from site_function.store import Store
from site_function.store.base import Interaction, InteractionKind

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
ANN = "https://m.example/users/ann"
POST_A = "https://site.test/ap/posts/a"
POST_B = "https://site.test/ap/posts/b"


def _made(activity_id: str, kind: InteractionKind, obj: str, at: datetime = NOW) -> Interaction:
    return Interaction(activity_id, kind, ANN, obj, {"id": activity_id}, "pending", at, at)


def test_a_new_like_of_the_same_post_replaces_the_one_held(store: Store) -> None:
    assert store.save_interaction(_made("https://m.example/likes/1", "like", POST_A)) is True
    store.set_moderation("https://m.example/likes/1", "approved")
    assert store.save_interaction(_made("https://m.example/likes/2", "like", POST_A)) is False
    [held] = store.list_interactions(POST_A)
    assert (held.activity_id, held.state) == ("https://m.example/likes/2", "approved")
    assert held.activity == {"id": "https://m.example/likes/2"}
    # an Announce and a Like of another post are rows of their own
    assert store.save_interaction(_made("https://m.example/boosts/1", "announce", POST_A))
    assert store.save_interaction(_made("https://m.example/likes/3", "like", POST_B))
    assert len(store.list_interactions()) == 3
    assert store.remove_interaction("https://m.example/likes/2", ANN) is True


def test_replies_are_counted_per_actor_post_and_time(store: Store) -> None:
    for number, (obj, hours) in enumerate([(POST_A, 30), (POST_A, 1), (POST_B, 0)]):
        at = NOW - timedelta(hours=hours)
        reply = _made(f"https://m.example/notes/{number}", "reply", obj, at)
        assert store.save_interaction(reply) is True
    assert len(store.list_interactions()) == 3  # replies are never replaced
    assert store.count_interactions(ANN, "reply") == 3
    assert store.count_interactions(ANN, "reply", object_id=POST_A) == 2
    assert store.count_interactions(ANN, "reply", since=NOW - timedelta(days=1)) == 2
    assert store.count_interactions(ANN, "like") == 0
    assert store.count_interactions("https://m.example/users/bob", "reply") == 0
