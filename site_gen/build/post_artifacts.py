"""The files that belong to one post alone: its HTML page, its ActivityPub object and the
collections of its conversation.

They depend on nothing but the post, its conversation (the approved items and our own
posts that answer them), the configuration and the theme, which is what lets the worker
processes render them and lets a rebuild skip the posts that did not change.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from site_core.context import POST_CONTEXT
from site_core.serialize import Encoded, encode, serialize_spliced
from site_core.urls import ACTIVITY_JSON, output_path_for_url
from site_gen.build.artifacts import Artifact, html_artifact
from site_gen.build.conversation_view import (
    OwnReply,
    conversation_ids,
    conversation_view,
    reply_count,
)
from site_gen.build.object_proofs import BuildProofKey, prove_object
from site_gen.build.theme import Theme
from site_gen.build.views import post_view, site_view
from site_gen.config import SiteConfig
from site_gen.content.model import Post

if TYPE_CHECKING:
    from site_gen.conversations.data_files import ConversationFile

__all__ = ["encoded_note", "render_post_artifacts"]


def render_post_artifacts(
    post: Post,
    config: SiteConfig,
    theme: Theme,
    conversation: ConversationFile | None = None,
    own: Sequence[OwnReply] = (),
    proof_key: BuildProofKey | None = None,
    note: dict[str, Any] | None = None,
) -> list[Artifact]:
    """The page `/posts/<slug>/` and, unless a draft, the object `/ap/posts/<slug>` (with its
    integrity proof when `proof_key` can sign) and its collections (`/ap/replies/<slug>`, ...).

    `note` is the post's `build_object` when the caller has made it already (for the outbox),
    maybe with its HTML encoded already (`encoded_note`).
    """
    urls = config.urls
    view = post_view(post, config, reply_count(conversation))
    page = theme.render(
        "post.html",
        site=site_view(config),
        post=view,
        conversation=conversation_view(conversation, own, config.conversation, urls),
        canonical=view["url"],
        has_code='class="highlight"' in post.html,
    )
    artifacts = [html_artifact(output_path_for_url(urls.path_of(view["url"])), page)]
    if not post.draft:
        artifacts += _federation_artifacts(post, config, conversation, own, proof_key, note)
    return artifacts


def _federation_artifacts(
    post: Post,
    config: SiteConfig,
    conversation: ConversationFile | None,
    own: Sequence[OwnReply],
    proof_key: BuildProofKey | None,
    note: dict[str, Any] | None = None,
) -> list[Artifact]:
    """The object, with its `replies` first page embedded and then its proof (the proof
    covers the whole document as published), and each collection's document."""
    from site_gen.federation.conversation_collections import (
        conversation_documents,
        embedded_replies,
    )
    from site_gen.federation.objects import build_object

    urls = config.urls
    ids = conversation_ids(post.slug, conversation, own, config.conversation, urls)
    document = dict(note) if note is not None else build_object(post, config)
    document["replies"] = embedded_replies(post.slug, ids, urls)
    found = [(urls.post_object(post.slug), prove_object(document, post, proof_key))]
    found += conversation_documents(post.slug, ids, urls)
    return [
        Artifact(
            output_path_for_url(urls.path_of(url)),
            serialize_spliced(_with_encoded_context(body)),
            ACTIVITY_JSON,
        )
        for url, body in found
    ]


@functools.cache
def _encoded_context() -> Encoded:
    return encode(POST_CONTEXT)


def _with_encoded_context(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with the usual `@context` encoded once for every document of the build."""
    if document.get("@context") is POST_CONTEXT:
        return {**document, "@context": _encoded_context()}
    return document


def encoded_note(note: dict[str, Any]) -> dict[str, Any]:
    """`note` (a `build_object`) whose HTML, the bulk of its JSON, is encoded once for the
    documents that carry it (the object's own and its Create in the outbox, each twice:
    `content` and `contentMap`): for `serialize_spliced`, never for a proof (`plain`)."""
    content = note.get("content")
    if not isinstance(content, str):
        return note
    html = encode(content)
    shared = {**note, "content": html}
    content_map = note.get("contentMap")
    if isinstance(content_map, dict):
        shared["contentMap"] = {
            lang: html if text == content else text for lang, text in content_map.items()
        }
    return _with_encoded_context(shared)
