"""Read what a build put in the output folder: the actor and every post's Create in the outbox.

The outbox is followed from its first page through `next` links, as a remote server would;
the documents become the core's `BuiltSite` (`site_core.publish.built_site`), which the
publish plan compares with the ledger.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from site_core.errors import OutputError
from site_core.publish.built_site import BuiltPost, BuiltSite, post_from_create
from site_core.urls import UrlScheme, output_path_for_url

__all__ = ["read_built_site"]

_MAX_PAGES = 100_000


def _load(output_dir: Path, urls: UrlScheme, url: str) -> dict[str, Any]:
    path = output_dir / output_path_for_url(urls.path_of(url))
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OutputError(
            f"{path} is missing: run 'site-gen build' before 'site-gen publish'"
        ) from None
    except (OSError, ValueError) as exc:
        raise OutputError(f"{path} cannot be read as JSON: {exc}") from None
    if not isinstance(document, dict):
        raise OutputError(f"{path} is not a JSON object")
    return document


def read_built_site(output_dir: Path, urls: UrlScheme) -> BuiltSite:
    """The actor and the outbox's posts from a build output folder (OutputError if absent)."""
    actor = _load(output_dir, urls, urls.actor)
    outbox = _load(output_dir, urls, urls.outbox)
    posts: list[BuiltPost] = []
    seen: set[str] = set()
    page_url = outbox.get("first")
    for _ in range(_MAX_PAGES):
        if not isinstance(page_url, str):
            break
        page = _load(output_dir, urls, page_url)
        for item in page.get("orderedItems", []):
            post = post_from_create(item, page.get("@context", outbox.get("@context")), urls)
            if post.object_id not in seen:
                seen.add(post.object_id)
                posts.append(post)
        page_url = page.get("next")
    return BuiltSite(actor=actor, posts=tuple(posts))
