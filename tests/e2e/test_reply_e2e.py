"""End to end on loopback: a reply from the site reaches the author it answers.

A Mastodon-like server of the test's own serves a real Mastodon status (`mastodon/note.json`,
re-homed on it) and its author; the site replies to it. The build (online, through the guarded
client) tags the author; the publish delivers the Create to the author's inbox, though the author
does not follow the site, with the Mention and a signature the server verifies
(FEDERATION.md#reply-addressing).
"""

from __future__ import annotations

import copy
import json

import pytest
from e2e_remotes import Remote
from fixtures_path import FIXTURES
from test_delivery_e2e import World, wait_for, world  # noqa: F401 (the fixture)

from site_gen.build.pipeline import build_site
from site_gen.config import load_config

pytestmark = pytest.mark.slow
REPLY_TO = "https://mastodon.e2e/users/flaky/statuses/107224289116410645"


def _status(author: Remote) -> dict[str, object]:
    """The fixture status, as `author` would serve it at REPLY_TO's path."""
    status = copy.deepcopy(json.loads((FIXTURES / "mastodon/note.json").read_text()))
    status.update(id=REPLY_TO, attributedTo=author.id, url=f"{author.origin}/@flaky/1")
    author.statuses["/users/flaky/statuses/107224289116410645"] = status
    return status


def test_a_reply_is_delivered_to_the_author_with_a_mention(world: World) -> None:  # noqa: F811
    urls = world.config.urls
    follower, author = world.remotes["mastodon"], world.remotes["flaky"]
    body, headers = follower.follow(urls.actor, urls.inbox)
    assert world.http.post(urls.inbox, content=body, headers=headers).status_code == 202
    wait_for(lambda: bool(follower.activities("Accept")), "Accept")
    assert "First publish" in world.publish()

    # The replied-to post lives on the author's server (mastodon.e2e is mapped onto it).
    _status(author)
    stamp = world.clock().strftime("%Y-%m-%d %H:%M:%S")
    post = world.config.posts_dir / "2026-11-23-re-thinkpad.md"
    post.write_text(f"---\ndate: {stamp}\nin_reply_to: {REPLY_TO}\n---\nThinkpads forever.\n")
    report = build_site(
        load_config(world.config.root), jobs=1, webfinger_origins={"mastodon.e2e": author.origin}
    )
    assert [w for w in report.warnings if "in_reply_to" in w] == []
    handle = f"@flaky@{author.host()}"

    assert "Queued 2 deliveries" in world.publish()
    world.drain()
    [create] = author.activities("Create")  # the author does not follow: the Mention brought it
    note = create["object"]
    assert note["inReplyTo"] == REPLY_TO
    assert author.id in note["cc"]
    assert author.id in create["cc"]
    assert {"type": "Mention", "href": author.id, "name": handle} in note["tag"]
    assert author.refused == []  # signature verified by the author's server
    assert [a["object"]["id"] for a in follower.activities("Create")] == [note["id"]]
    page = (report.output / "posts/re-thinkpad/index.html").read_text()
    assert f'class="u-in-reply-to">{handle}</a>' in page
