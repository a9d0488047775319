"""End to end on loopback: quote consent (FEP-044f) and reply approval, against servers of
the test's own that follow Mastodon's and GoToSocial's documented flows.

Mastodon's: a `QuoteRequest` for one of our posts is answered with an `Accept` whose `result`
is a `QuoteAuthorization`; Mastodon fetches it and checks it field by field
(`VerifyQuoteService`: same host as the quoted actor, `id` equal to the URL, the type, the
quoting and quoted posts, the author). A post nobody may quote gets a `Reject`; a blocked
account gets 403 and nothing; a post deleted, or made unquotable, revokes the authorization
with a `Delete` delivered to the quoter. GoToSocial's: a reply waiting for review, approved by
the owner, brings its author an `Accept` with a `ReplyAuthorization` it can dereference; a
rejected one brings a `Reject`. Every delivery is verified by the receiving server's own
signature check (`Remote.refused` stays empty).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from e2e_remotes import AS_JSON, Remote
from test_delivery_e2e import World, world  # noqa: F401 (the fixture)

from site_core.signatures import SigningKey, sign_request

pytestmark = pytest.mark.slow
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def _deliver(world: World, remote: Remote, activity: dict[str, Any]) -> int:  # noqa: F811
    """POST `activity` to our inbox, signed by `remote`'s account; the status."""
    body = json.dumps(activity).encode()
    inbox = world.config.urls.inbox
    key = SigningKey(f"{remote.id}#main-key", remote.key)
    headers = sign_request("POST", inbox, key=key, now=remote.clock(), body=body)
    headers["Content-Type"] = AS_JSON
    return world.http.post(inbox, content=body, headers=headers).status_code


def _quote_request(remote: Remote, number: int, post: str) -> dict[str, Any]:
    """A QuoteRequest as Mastodon 4.5 sends it, the quoting post embedded as `instrument`."""
    quote = f"{remote.id}/statuses/{number}"
    return {
        "@context": [
            "https://www.w3.org/ns/activitystreams",
            {"QuoteRequest": "https://w3id.org/fep/044f#QuoteRequest"},
        ],
        "id": f"{remote.id}#quote_requests/{number}",
        "type": "QuoteRequest",
        "actor": remote.id,
        "object": post,
        "instrument": {
            "id": quote,
            "type": "Note",
            "attributedTo": remote.id,
            "content": "<p>Look at this</p>",
            "quote": post,
            "to": [PUBLIC],
        },
    }


def _answer_to(remote: Remote, kind: str, request_id: str) -> dict[str, Any]:
    [answer] = [a for a in remote.activities(kind) if a["object"].get("id") == request_id]
    return answer


def _verified_quote_authorization(world: World, url: str, quote: str, post: str) -> None:  # noqa: F811
    """What Mastodon checks before it shows a quote as accepted."""
    urls = world.config.urls
    assert urlsplit(url).netloc == urlsplit(urls.actor).netloc
    response = world.http.get(url, headers={"Accept": AS_JSON})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(AS_JSON)
    document = response.json()
    assert "https://www.w3.org/ns/activitystreams" in document["@context"]
    assert document["id"] == url
    assert document["type"] == "QuoteAuthorization"
    assert document["attributedTo"] == urls.actor
    assert document["interactingObject"] == quote
    assert document["interactionTarget"] == post


def _set_front_matter(world: World, name: str, line: str) -> None:  # noqa: F811
    path = world.config.posts_dir / name
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("---\n", f"---\n{line}\n", 1), encoding="utf-8")


def test_a_quote_is_authorized_refused_and_revoked(world: World) -> None:  # noqa: F811
    urls = world.config.urls
    quoter = world.remotes["mastodon"]
    _set_front_matter(world, "2024-04-01-static-sites.md", "quotes: nobody")
    world.rebuild()
    garden, static, chain = (
        urls.post_object(s) for s in ("spring-garden", "static-sites", "chain-accident")
    )
    assert "First publish" in world.publish()

    # --- everyone may quote (site.yaml's default): Accept, and an authorization that verifies
    asked = _quote_request(quoter, 1, garden)
    assert _deliver(world, quoter, asked) == 202
    world.drain()
    accept = _answer_to(quoter, "Accept", asked["id"])
    assert accept["actor"] == urls.actor
    assert accept["object"]["instrument"] == asked["instrument"]["id"]
    _verified_quote_authorization(world, accept["result"], asked["instrument"]["id"], garden)
    forged = accept["result"].replace("/quote/", "/quote/x")
    assert world.http.get(forged).status_code == 404
    assert quoter.refused == []

    # --- a post whose front matter says nobody: Reject, no result
    refused = _quote_request(quoter, 2, static)
    assert _deliver(world, quoter, refused) == 202
    world.drain()
    reject = _answer_to(quoter, "Reject", refused["id"])
    assert "result" not in reject

    # --- another authorization, then that post is deleted: its authorization is revoked
    second = _quote_request(quoter, 3, chain)
    assert _deliver(world, quoter, second) == 202
    world.drain()
    second_result = _answer_to(quoter, "Accept", second["id"])["result"]
    (world.config.posts_dir / "2024-03-15-chain-accident.md").unlink()
    world.rebuild()
    world.publish()
    world.drain()
    deletes = {d["object"]: d for d in quoter.activities("Delete") if isinstance(d["object"], str)}
    assert deletes[second_result]["actor"] == urls.actor
    assert world.http.get(second_result).status_code == 404
    assert accept["result"] not in deletes  # the garden post still may be quoted

    # --- site.yaml says nobody now: the garden's authorization is revoked too
    config_file = world.config.root / "site.yaml"
    config_file.write_text(config_file.read_text() + "quotes: nobody\n", encoding="utf-8")
    world.rebuild()
    world.publish()
    world.drain()
    deletes = {d["object"] for d in quoter.activities("Delete") if isinstance(d["object"], str)}
    assert accept["result"] in deletes
    assert world.http.get(accept["result"]).status_code == 404
    assert quoter.refused == []


def test_a_blocked_account_gets_no_authorization(world: World) -> None:  # noqa: F811
    urls = world.config.urls
    quoter = world.remotes["gotosocial"]
    assert "First publish" in world.publish()
    garden = urls.post_object("spring-garden")
    asked = _quote_request(quoter, 1, garden)
    assert _deliver(world, quoter, asked) == 202
    world.drain()
    granted = _answer_to(quoter, "Accept", asked["id"])["result"]
    assert world.http.get(granted).status_code == 200

    assert world.admin("POST", "/blocks", json={"target": quoter.id}).status_code == 200
    assert _deliver(world, quoter, _quote_request(quoter, 2, garden)) == 403
    world.drain()
    assert len(quoter.activities("Accept")) == 1
    assert quoter.activities("Reject") == []
    assert world.http.get(granted).status_code == 404  # no longer verifies for anyone


def _reply(remote: Remote, number: int, post: str) -> dict[str, Any]:
    """A Create of a reply as GoToSocial sends one without asking first."""
    note_id = f"{remote.id}/statuses/{number}"
    note = {
        "id": note_id, "type": "Note", "attributedTo": remote.id, "inReplyTo": post,
        "content": f"<p>Reply number {number}</p>", "to": [PUBLIC],
        "cc": [f"{remote.id}/followers"], "published": "2026-01-15T09:00:00Z",
    }  # fmt: skip
    return {
        "@context": "https://www.w3.org/ns/activitystreams", "id": f"{note_id}/activity",
        "type": "Create", "actor": remote.id, "to": note["to"], "cc": note["cc"], "object": note,
    }  # fmt: skip


def test_an_approved_reply_gets_its_authorization(world: World) -> None:  # noqa: F811
    urls = world.config.urls
    author = world.remotes["gotosocial"]
    assert "First publish" in world.publish()
    garden = urls.post_object("spring-garden")
    kept, dropped = _reply(author, 1, garden), _reply(author, 2, garden)
    for reply in (kept, dropped):
        assert _deliver(world, author, reply) == 202
    world.drain()
    assert author.activities("Accept") == []  # held for review (show_without_review: nobody)

    decisions = {kept["object"]["id"]: "approved", dropped["object"]["id"]: "rejected"}
    response = world.admin("POST", "/conversations/decisions", json={"decisions": decisions})
    assert response.status_code == 200, response.text
    world.drain()
    [accept] = author.activities("Accept")
    [reject] = author.activities("Reject")
    assert (accept["object"], accept["target"]) == (kept["object"]["id"], garden)
    assert (reject["object"], "result" in reject) == (dropped["object"]["id"], False)
    assert author.refused == []  # both signed by our key, verified by the author's server

    response = world.http.get(accept["result"], headers={"Accept": AS_JSON})
    assert response.status_code == 200, response.text
    authorization = response.json()
    assert authorization["id"] == accept["result"]
    assert authorization["type"] == "ReplyAuthorization"
    assert authorization["attributedTo"] == urls.actor
    assert authorization["interactingObject"] == kept["object"]["id"]
    assert authorization["interactionTarget"] == garden

    # The owner changes their mind: the authorization stops verifying, and a Reject follows.
    world.admin(
        "POST", "/interactions/moderate", json={"id": kept["object"]["id"], "state": "rejected"}
    )
    world.drain()
    assert world.http.get(accept["result"]).status_code == 404
    assert {r["object"] for r in author.activities("Reject")} == set(decisions)
