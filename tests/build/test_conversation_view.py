"""The thread of a post as the page shows it: nesting, depth, cycles, orphans, empty replies,
counts and faces, and which copied pictures are published."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from site_core.urls import UrlScheme
from site_gen.build.conversation_view import (
    OwnReply,
    conversation_ids,
    conversation_view,
    own_replies_by_slug,
    published_media,
    thread_warnings,
)
from site_gen.config_conversation import ConversationPolicy
from site_gen.conversations.data_files import (
    Attachment,
    Author,
    ConversationFile,
    ConversationItem,
)

URLS = UrlScheme("https://blog.example", "alice")
POST = URLS.post_object("hello")
START = datetime(2024, 5, 1, tzinfo=UTC)


def _item(n: int, parent: str | None = POST, **fields: Any) -> ConversationItem:
    values: dict[str, Any] = {
        "kind": "reply",
        "status": "approved",
        "content": f"<p>reply {n}</p>",
        "author": Author(f"https://r.example/u/{n}", f"U{n}", avatar=f"media/a{n}.webp"),
    }
    values.update(fields)
    return ConversationItem(
        id=f"https://r.example/s/{n}",
        received=START + timedelta(minutes=n),
        in_reply_to=parent,
        **values,
    )


def _ids(views: list[dict[str, Any]]) -> list[Any]:
    """The thread as nested lists of author names."""
    return [
        [v["author"]["name"], _ids(v["children"])] if v["children"] else v["author"]["name"]
        for v in views
    ]


def _view(
    *items: ConversationItem, own: tuple[OwnReply, ...] = (), **policy: Any
) -> dict[str, Any]:
    view = conversation_view(
        ConversationFile("hello", items), own, ConversationPolicy(**policy), URLS
    )
    assert view is not None
    return view


def test_replies_nest_oldest_first_and_deep_levels_are_flattened_under_the_third() -> None:
    s = "https://r.example/s/"
    items = [
        _item(5),
        _item(1),
        _item(2, s + "1"),
        _item(3, s + "2"),
        _item(4, s + "3"),
        _item(6, s + "4"),
    ]
    view = _view(*items)
    assert _ids(view["replies"]) == [["U1", [["U2", ["U3", "U4", "U6"]]]], "U5"]
    third = view["replies"][0]["children"][0]["children"]
    assert [v["replying_to"] for v in third] == [None, "U3", "U4"]
    assert view["reply_count"] == 6


def test_pending_rejected_and_empty_replies_are_not_shown_and_their_children_stand_at_the_top() -> (
    None
):
    s = "https://r.example/s/"
    items = [
        _item(1, status="pending"),
        _item(
            2,
            status="rejected",
            attachments=(Attachment("https://r.example/x.png", file="media/x.webp"),),
        ),
        _item(3, content="  "),
        _item(4, s + "1"),
        _item(5, s + "3"),
        _item(6, s + "4"),
    ]
    view = _view(*items)
    assert _ids(view["replies"]) == [["U4", ["U6"]], "U5"]
    assert published_media(ConversationFile("hello", tuple(items)), ConversationPolicy()) == {
        "media/a4.webp", "media/a5.webp", "media/a6.webp"
    }  # fmt: skip


def test_a_cycle_is_shown_flat_and_named_in_a_warning() -> None:
    s = "https://r.example/s/"
    items = (_item(1, s + "2"), _item(2, s + "1"), _item(3, s + "1"), _item(4))
    view = _view(*items)
    assert _ids(view["replies"]) == [["U1", ["U3"]], "U2", "U4"]
    (warning,) = thread_warnings("hello", ConversationFile("hello", items))
    assert warning == (
        "conversations/hello.yaml: the replies https://r.example/s/1, https://r.example/s/2 "
        "answer each other in a cycle; they are shown flat"
    )
    assert thread_warnings("hello", ConversationFile("hello", (_item(1),))) == ()


def test_our_own_reply_joins_the_thread_under_the_reply_it_answers() -> None:
    items = (_item(1), _item(2, url="https://r.example/@u2/2"))
    conversation = ConversationFile("hello", items)
    own = own_replies_by_slug(
        {"hello": conversation},
        [("answer", "https://r.example/@u2/2", START + timedelta(hours=1), "Thanks!"),
         ("other", "https://elsewhere.example/1", START, "Not here")],
    )  # fmt: skip
    assert list(own) == ["hello"]
    view = _view(*items, own=own["hello"])
    child = view["replies"][1]["children"][0]
    assert child["own"] is True
    assert child["link"] == "https://blog.example/posts/answer/"
    ids = conversation_ids("hello", conversation, own["hello"], ConversationPolicy(), URLS)
    assert ids.replies == (items[0].id, items[1].id, URLS.post_object("answer"))
    assert ids.thread[-1] == URLS.post_object("answer")


def test_images_come_from_the_site_and_need_a_copy() -> None:
    reply = _item(
        1,
        sensitive=True,
        attachments=(
            Attachment(
                "https://r.example/a.png", alt="A cat", file="media/c.webp", width=4, height=3
            ),
            Attachment("https://r.example/b.png", alt="not copied"),
        ),
    )
    (shown,) = _view(reply)["replies"]
    assert shown["images"] == [
        {
            "url": "https://blog.example/conversations/media/c.webp",
            "alt": "A cat",
            "width": 4,
            "height": 3,
        }
    ]
    assert shown["author"]["avatar"] == "https://blog.example/conversations/media/a1.webp"
    assert shown["sensitive"] is True


def test_counts_and_faces_follow_the_policy_and_count_approved_items_only() -> None:
    likes = (
        _item(1, kind="like", content=None),
        _item(2, kind="like", content=None),
        _item(3, kind="like", content=None, status="pending"),
        _item(4, kind="boost", content=None),
    )
    view = _view(*likes, show_counts=True, show_faces=True)
    assert view["likes"]["count"] == 2
    assert [f["name"] for f in view["likes"]["faces"]] == ["U1", "U2"]
    assert view["boosts"]["count"] == 1
    hidden = _view(*likes, show_counts=True, show_faces=False)
    assert hidden["likes"]["faces"] == []
    assert published_media(ConversationFile("hello", likes), ConversationPolicy()) == set()
    assert (
        conversation_view(ConversationFile("hello", likes[2:3]), (), ConversationPolicy(), URLS)
        is None
    )
    ids = conversation_ids(
        "hello", ConversationFile("hello", likes), (), ConversationPolicy(show_counts=False), URLS
    )
    assert (ids.likes, ids.shares) == (None, None)
