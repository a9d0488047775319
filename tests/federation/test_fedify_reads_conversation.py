"""Fedify looks up a built post object and walks its conversation collections: `replies` (every
page), `likes`, `shares` and the thread's `context` (FEP-7888), and finds exactly the approved
items of the post's data file.

Fedify, the JavaScript ActivityPub library, runs from tests/federation/fedify/ (installed from
its lock file by `scripts/setup --system`, or `npm ci` there) on Node. The sample site is built
for a loopback origin and served as a static host serves it; the Node script fetches only from
that origin and Fedify's preloaded contexts. The copy of the sample gets enough extra approved
replies to push the first post's replies onto a second page.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from requirements import require
from static_host import static_host

from site_gen.build.pipeline import build_site
from site_gen.cli.keys_commands import generate_site_keys
from site_gen.config import load_config
from site_gen.federation.conversation_collections import REPLIES_PAGE_SIZE

REPO = Path(__file__).resolve().parents[2]
FEDIFY = Path(__file__).resolve().parent / "fedify"
SCRIPT = FEDIFY / "walk_conversation.mjs"
FEDIFY_FIX = "run scripts/setup --system, or `npm ci` in tests/federation/fedify"
SAMPLE_ORIGIN = "http://localhost:8000"
PAGED_POST = "static-sites"
POSTS = ("hello-fediverse", PAGED_POST)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def node() -> str:
    """The `node` program, with Fedify installed (checked before the site is built)."""
    node = shutil.which("node")
    require(node, "Node.js is not installed", FEDIFY_FIX)
    require(
        (FEDIFY / "node_modules/@fedify/fedify").is_dir(), "Fedify is not installed", FEDIFY_FIX
    )
    assert node is not None
    return node


def _extra_replies(post_object: str) -> list[dict[str, Any]]:
    """Approved direct replies enough to need a second page of the post's replies."""
    return [
        {
            "id": f"https://many.example/users/u{n}/statuses/{n}",
            "kind": "reply",
            "status": "approved",
            "received": f"2024-05-01T10:{n:02d}:00Z",
            "author": {
                "id": f"https://many.example/users/u{n}",
                "name": f"Reader {n}",
                "handle": f"@u{n}@many.example",
                "url": f"https://many.example/@u{n}",
            },
            "url": f"https://many.example/@u{n}/{n}",
            "in_reply_to": post_object,
            "published": f"2024-05-01T10:{n:02d}:00Z",
            "language": "en",
            "content": f"<p>Reply number {n}.</p>",
        }
        for n in range(REPLIES_PAGE_SIZE)
    ]


def _sample_site_at(root: Path, origin: str) -> None:
    """The sample site as if published at `origin`: its base URL and the data files' links to
    its post objects name that origin; one post gets the extra replies."""
    shutil.copytree(REPO / "content", root, ignore=shutil.ignore_patterns("public", ".site-gen"))
    for name in ["site.yaml", *(f"conversations/{post}.yaml" for post in POSTS)]:
        path = root / name
        path.write_text(path.read_text("utf-8").replace(SAMPLE_ORIGIN, origin), "utf-8")
    paged = root / "conversations" / f"{PAGED_POST}.yaml"
    extra = yaml.safe_dump(_extra_replies(f"{origin}/ap/posts/{PAGED_POST}"), sort_keys=False)
    paged.write_text(paged.read_text("utf-8") + extra, "utf-8")  # `items:` is the last key
    generate_site_keys(load_config(root), force=True)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(origin, site folder) of the sample site, built and served on loopback."""
    root = tmp_path_factory.mktemp("fedify") / "site"
    with static_host(root / "public") as origin:
        _sample_site_at(root, origin)
        report = build_site(load_config(root), offline=True, jobs=1)
        assert report.output == root / "public"
        yield origin, root


def _walk(node: str, url: str) -> dict[str, Any]:
    """What the Fedify script finds from the post object at `url`."""
    done = subprocess.run(
        [node, str(SCRIPT), url], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def _front_matter(path: Path) -> dict[str, Any]:
    head = path.read_text("utf-8").split("---", 2)[1]
    matter: dict[str, Any] = yaml.safe_load(head) or {}
    return matter


def _published(item: dict[str, Any]) -> datetime:
    """An item's time, whether YAML read it as a timestamp or (quoted) as a string."""
    return datetime.fromisoformat(str(item["published"]))


def _expected(root: Path, origin: str, post: str) -> dict[str, Any]:
    """The post's collections as its data file (and the owner's own replies) say they are."""
    items = yaml.safe_load((root / "conversations" / f"{post}.yaml").read_text("utf-8"))["items"]
    approved = [i for i in items if i["status"] == "approved"]
    replies = sorted((i for i in approved if i["kind"] == "reply"), key=_published)
    addresses = {i["id"] for i in replies} | {i["url"] for i in replies}
    own = [
        f"{origin}/ap/posts/{path.stem[11:]}"
        for path in sorted((root / "posts").glob("*.md"))
        if _front_matter(path).get("in_reply_to") in addresses
    ]
    post_object = f"{origin}/ap/posts/{post}"
    return {
        "direct": [i["id"] for i in replies if i["in_reply_to"] == post_object] + own,
        "thread": [i["id"] for i in replies],
        "own": own,
        "likes": sum(i["kind"] == "like" for i in approved),
        "shares": sum(i["kind"] == "boost" for i in approved),
        "hidden": {i["id"] for i in items if i["status"] != "approved"},
    }


@pytest.mark.parametrize("post", POSTS)
def test_fedify_walks_the_collections_of_a_post(
    node: str, site: tuple[str, Path], post: str
) -> None:
    origin, root = site
    found = _walk(node, f"{origin}/ap/posts/{post}")
    expected = _expected(root, origin, post)
    assert found["id"] == f"{origin}/ap/posts/{post}"
    replies = found["replies"]
    assert replies["items"] == expected["direct"]
    assert replies["totalItems"] == len(expected["direct"])
    pages = -(-len(expected["direct"]) // REPLIES_PAGE_SIZE)
    assert replies["pages"] == [
        f"{origin}/ap/replies-pages/{post}/{n}" for n in range(1, pages + 1)
    ]
    assert pages > 1 or post != PAGED_POST  # the extra replies do need a second page
    assert (found["likes"]["totalItems"], found["shares"]["totalItems"]) == (
        expected["likes"],
        expected["shares"],
    )
    [context] = found["contexts"]
    assert context["id"] == f"{origin}/ap/contexts/{post}"
    assert context["items"][0] == found["id"]
    thread = context["items"][1:]
    assert sorted(thread) == sorted(expected["thread"] + expected["own"])
    assert [i for i in thread if i in expected["thread"]] == expected["thread"]  # oldest first
    assert context["totalItems"] == len(context["items"])
    listed = {i for c in (replies, found["likes"], found["shares"], context) for i in c["items"]}
    assert listed.isdisjoint(expected["hidden"])
    assert set(found["local"]) == {found["id"], *expected["own"]}
    assert all(found["local"][own]["inReplyTo"] for own in expected["own"])
