"""The Atom feed and the ActivityPub documents (actor, collections, discovery).

They are rendered in the main process, last, and kept as they are when their inputs did
not change. The feed and the featured collection embed full posts: only those few are
taken from the post cache (the main process holds metadata otherwise).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from site_core.urls import output_path_for_url
from site_gen.build.artifacts import Artifact
from site_gen.build.federation_documents import render_federation_documents
from site_gen.build.feeds import FEED_LENGTH, render_atom_feed
from site_gen.build.post_collection import BuildModel
from site_gen.build.post_rendering import PostEntry, RenderSettings, page_hash
from site_gen.build.previous_build import PreviousBuild
from site_gen.content.model import Post
from site_gen.content.post_cache import PostCache

__all__ = ["feed_and_documents"]


def feed_and_documents(
    model: BuildModel,
    settings: RenderSettings,
    public_key_pem: str,
    previous: PreviousBuild,
    is_kept: Callable[[str, str], bool],
    page_hashes: dict[str, str],
) -> list[Artifact | str]:
    """The feed, then the documents: a path string where the output's file stays valid."""
    config, resolved = settings.config, settings.mentions
    urls = config.urls
    shown = [entry for entry in model.entries if not entry.post.draft]
    newest, pinned = shown[:FEED_LENGTH], [e for e in shown if e.post.pinned]
    feed_path = output_path_for_url(urls.path_of(urls.atom_feed))
    feed_hash = page_hash(settings.site_fingerprint, "feed", *(e.digest for e in newest))
    documents_hash = page_hash(
        settings.site_fingerprint,
        "documents",
        public_key_pem,
        repr(sorted(resolved.items())),
        *(e.row_digest for e in shown),
        *(e.digest for e in pinned),
    )
    page_hashes[feed_path] = feed_hash
    documents = previous.pages_with(documents_hash)
    documents_kept = bool(documents) and all(is_kept(p, documents_hash) for p in documents)
    feed_kept = is_kept(feed_path, feed_hash)
    wanted = ([] if feed_kept else newest) + ([] if documents_kept else pinned)
    full = _full_posts(wanted, settings) if wanted else {}

    files: list[Artifact | str] = []
    if feed_kept:
        files.append(feed_path)
    else:
        files.append(render_atom_feed([full[e.key] for e in newest], config))
    if documents_kept:
        files += documents
        page_hashes.update(dict.fromkeys(documents, documents_hash))
    else:
        for item in render_federation_documents(
            model.published,
            config,
            public_key_pem,
            resolved,
            pinned=[full[e.key] for e in pinned],
            assertion_key=settings.proof_key.public_multibase if settings.proof_key else None,
        ):
            files.append(item)
            page_hashes[item.path] = documents_hash
    return files


def _full_posts(entries: Sequence[PostEntry], settings: RenderSettings) -> dict[str, Post]:
    """Posts with their content, from the cache (read again if the cache lost one)."""
    from site_gen.content.reader import read_post

    cache = PostCache(settings.cache_path)
    try:
        found = cache.get_many([entry.key for entry in entries])
    finally:
        cache.close()
    for entry in entries:
        if entry.key not in found:
            path = Path(entry.source)
            found[entry.key] = read_post(
                path, path.read_bytes(), settings.config, settings.mentions, settings.replies
            )
    return found
