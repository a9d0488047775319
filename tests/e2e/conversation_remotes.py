"""Remote accounts of the conversation end-to-end test, and the activities they send.

Each `Account` is one server of its own on a loopback port (`e2e_remotes.Remote`: real
signatures, a GoToSocial account refuses unsigned GETs), with a username, a display name and
an avatar served by that server (its fetches counted). The activities keep the shapes of the
real documents in tests/fixtures (Mastodon's Create, Like, Announce and Undo; GoToSocial's
Note and its Delete that names the Note by a bare id), with ids, times and text rewritten.
Every id and `published` time is fixed, and `StepClock` is the one clock of the function and
the remotes: what the pull writes depends on nothing but the ports.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from e2e_remotes import AS_JSON, Remote
from fixtures_path import FIXTURES
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from site_core.signatures import SigningKey, sign_request

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


class StepClock:
    """A fixed time that moves only when the test says (one minute per `tick`)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def tick(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


def fixture(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return document


@dataclass
class Account(Remote):
    """One account (`username`) on a server of `kind` (mastodon or gotosocial)."""

    username: str = "someone"
    display_name: str = "Someone"
    avatar: tuple[str, bytes] | None = None  # (media type, bytes)
    avatar_fetches: int = 0

    @property
    def id(self) -> str:
        return f"{self.origin}/users/{self.username}"

    @property
    def avatar_url(self) -> str:
        return f"{self.origin}/fileserver/{self.username}/avatar/original/1"

    def document(self) -> dict[str, Any]:
        doc = super().document()
        doc.update(
            preferredUsername=self.username,
            name=self.display_name,
            url=f"{self.origin}/@{self.username}",
        )
        doc.pop("image", None)  # the fixture's header lives on a real host: never served
        doc.pop("icon", None)
        if self.avatar is not None:
            doc["icon"] = {"type": "Image", "mediaType": self.avatar[0], "url": self.avatar_url}
        return doc

    async def serve_avatar(self, request: Request) -> Response:
        self.avatar_fetches += 1
        if self.avatar is None:
            return Response(status_code=404)
        return Response(self.avatar[1], media_type=self.avatar[0])

    def app(self) -> Starlette:
        routes = [
            Route(f"/users/{self.username}", self.actor, methods=["GET"]),
            Route(f"/users/{self.username}/inbox", self.inbox_post, methods=["POST"]),
            Route(f"/fileserver/{self.username}/avatar/original/1", self.serve_avatar),
        ]
        if self.shared_inbox:
            routes.append(Route("/inbox", self.inbox_post, methods=["POST"]))
        return Starlette(routes=routes)

    def deliver(self, http: httpx.Client, inbox: str, activity: dict[str, Any]) -> None:
        """POST `activity` to our inbox, signed by this account's key; it must be taken."""
        body = json.dumps(activity).encode()
        headers = sign_request(
            "POST", inbox, key=SigningKey(f"{self.id}#main-key", self.key),
            now=self.clock(), body=body,
        )  # fmt: skip
        headers["Content-Type"] = AS_JSON
        response = http.post(inbox, content=body, headers=headers)
        assert response.status_code == 202, (activity.get("type"), response.text)

    def status(self, number: int) -> str:
        return f"{self.id}/statuses/{number}"

    def reply(self, number: int, in_reply_to: str, content: str, **extra: Any) -> dict[str, Any]:
        """A Create of a Note answering `in_reply_to`, as this server kind sends one."""
        if self.kind == "gotosocial":
            return self._gotosocial_create(number, in_reply_to, content, extra)
        create = fixture("mastodon/create_note.json")
        note = create["object"]
        note_id = self.status(number)
        note.pop("conversation")
        note.update(
            id=note_id, url=f"{self.origin}/@{self.username}/{number}", attributedTo=self.id,
            inReplyTo=in_reply_to, inReplyToAtomUri=in_reply_to, atomUri=note_id,
            to=[PUBLIC], cc=[f"{self.id}/followers"], content=content,
            contentMap={"en": content}, tag=[],
            replies={"id": f"{note_id}/replies", "type": "Collection"}, **extra,
        )  # fmt: skip
        create.update(
            id=f"{note_id}/activity", actor=self.id, published=note["published"],
            to=note["to"], cc=note["cc"],
        )  # fmt: skip
        return create

    def _gotosocial_create(
        self, number: int, in_reply_to: str, content: str, extra: dict[str, Any]
    ) -> dict[str, Any]:
        note = fixture("gotosocial/note.json")
        note_id = self.status(number)
        note.pop("@context")
        note.update(
            id=note_id, url=f"{self.origin}/@{self.username}/statuses/{number}",
            attributedTo=self.id, inReplyTo=in_reply_to, cc=f"{self.id}/followers",
            content=content, contentMap={"en": content}, sensitive=False, summary="",
            replies={"id": f"{note_id}/replies", "type": "Collection"}, **extra,
        )  # fmt: skip
        return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{note_id}/activity",
                "type": "Create", "actor": self.id, "published": note["published"],
                "to": note["to"], "cc": note["cc"], "object": note}  # fmt: skip

    def like(self, number: int, post: str) -> dict[str, Any]:
        """Mastodon's Like (`mastodon/like.json`): an id under the actor, a fragment."""
        like = fixture("mastodon/like.json")
        like.update(id=f"{self.id}#likes/{number}", actor=self.id, object=post)
        return like

    def announce(self, number: int, post: str, published: str) -> dict[str, Any]:
        """Mastodon's Announce (`mastodon/announce.json`), without its LD signature."""
        boost = fixture("mastodon/announce.json")
        boost.pop("signature")
        boost.update(
            id=f"{self.status(number)}/activity", atomUri=f"{self.status(number)}/activity",
            actor=self.id, object=post, published=published,
            cc=[post.rsplit("/ap/", 1)[0] + "/ap/actor", f"{self.id}/followers"],
        )  # fmt: skip
        return boost

    def undo(self, inner: dict[str, Any]) -> dict[str, Any]:
        """Mastodon's Undo of a Like (`mastodon/undo_like.json`): the Like embedded."""
        undo = fixture("mastodon/undo_like.json")
        undo.pop("signature")
        undo.pop("nickname")
        embedded = {key: inner[key] for key in ("type", "object", "id", "actor")}
        undo.update(id=f"{inner['id']}/undo", actor=self.id, object=copy.deepcopy(embedded))
        return undo

    def delete(self, note_id: str) -> dict[str, Any]:
        """GoToSocial's Delete (`gotosocial/delete_note.json`): the Note by its bare id."""
        delete = fixture("gotosocial/delete_note.json")
        delete.update(actor=self.id, object=note_id, cc=f"{self.id}/followers")
        return delete


def start_time() -> datetime:
    return datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
