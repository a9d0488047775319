"""The static ActivityPub and discovery documents, as artifacts at their URL paths.

The documents themselves come from `site_gen.federation` (pure builders); this module only
reads the public key, asks each builder, and places every document at the path of its id,
so that a fetched document's `id` equals its URL (FEDERATION.md#id-is-url).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from site_core.errors import KeyMaterialError
from site_core.urls import media_type_for_path, output_path_for_url
from site_gen.build.artifacts import Artifact
from site_gen.config import SiteConfig
from site_gen.content.model import Mention, Post

__all__ = ["read_public_key", "render_federation_documents"]


def read_public_key(path: Path) -> str:
    """The committed public key PEM; the private key never comes near the output."""
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise KeyMaterialError(
            f"{path} is missing: run 'site-gen keys generate' to make the site's key pair"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyMaterialError(f"{path} cannot be read: {exc}") from None
    if "PRIVATE KEY" in text:
        raise KeyMaterialError(
            f"{path} holds a PRIVATE key: it would be published. Move it to .site-gen/ and"
            " run 'site-gen keys generate' to write the public half"
        )
    if "-----BEGIN PUBLIC KEY-----" not in text:
        raise KeyMaterialError(f"{path} is not a PEM public key")
    return text


def _artifact(config: SiteConfig, url: str, data: bytes) -> Artifact:
    path = config.urls.path_of(url)
    media_type = media_type_for_path(path) or "application/json"
    return Artifact(output_path_for_url(path), data, media_type)


def render_federation_documents(
    posts: Sequence[Post],
    config: SiteConfig,
    public_key_pem: str,
    resolved: Mapping[str, Mention] | None = None,
    *,
    pinned: Sequence[Post] | None = None,
    assertion_key: str | None = None,
) -> list[Artifact]:
    """Actor, outbox root, collections, WebFinger, host-meta and NodeInfo.

    `assertion_key`: the site's Ed25519 key (`z6Mk...`) for the actor (FEDERATION.md#multikey).

    `posts` need only their metadata (their HTML may be empty); `pinned` are the full
    pinned posts for the featured collection (default: taken from `posts`). The outbox
    pages are rendered one by one elsewhere (`site_gen.build.outbox_pages`).
    """
    from site_core.serialize import serialize
    from site_gen.build.outbox_pages import outbox_chunks, outbox_root
    from site_gen.federation.actor import build_actor
    from site_gen.federation.collections import (
        build_featured,
        build_featured_tags,
        build_followers_placeholder,
        build_following,
    )
    from site_gen.federation.discovery import (
        build_host_meta,
        build_nodeinfo,
        build_nodeinfo_links,
        build_webfinger,
    )
    from site_gen.federation.objects import published_posts

    urls = config.urls
    visible = published_posts(posts)
    featured = pinned if pinned is not None else [post for post in visible if post.pinned]
    documents: list[tuple[str, dict[str, Any]]] = [
        (urls.actor, build_actor(config, public_key_pem, posts, resolved, assertion_key)),
        (urls.outbox, outbox_root(len(visible), len(outbox_chunks(visible)), config)),
        (urls.featured, build_featured(featured, config)),
        (urls.featured_tags, build_featured_tags(posts, config)),
        (urls.following, build_following(config)),
        (urls.webfinger, build_webfinger(config)),
        (urls.nodeinfo_links, build_nodeinfo_links(config)),
        (urls.nodeinfo("2.1"), build_nodeinfo("2.1", config, posts)),
        (urls.nodeinfo("2.0"), build_nodeinfo("2.0", config, posts)),
    ]
    # The live followers collection is the function's; a static copy only where the function
    # shares the site's host, in case the host serves files before the function.
    if urls.followers.startswith(urls.base_url + "/"):
        documents.append((urls.followers, build_followers_placeholder(config)))
    artifacts = [_artifact(config, url, serialize(doc)) for url, doc in documents]
    artifacts.append(_artifact(config, urls.host_meta, build_host_meta(config).encode("utf-8")))
    return artifacts
