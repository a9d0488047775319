"""The conversations of the posts: a build input read from the site's data files only.

`conversations/<slug>.yaml` files (written by `site-gen conversations pull`, moderated in
git) are read once per build, before anything is rendered: a bad file stops the build with
its file, line and reason, and the previous output stays as it was. The build never asks the
function, so it stays offline and deterministic.

A post's conversation is an input of that post's page and object: its digest joins their
page hash, so an edited `status:` line re-renders that post alone. A post without a
conversation keeps the hash it always had, so a site without the folder builds exactly as
before. A file whose slug the site does not build is reported, not an error (a post renamed
or turned back into a draft).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from site_gen.build.conversation_cache import load_checked_conversations
from site_gen.build.conversation_view import (
    OwnReply,
    own_replies_by_slug,
    reply_count,
    thread_warnings,
)
from site_gen.conversations.data_files import CONVERSATIONS_DIR, ConversationFile

if TYPE_CHECKING:
    from site_gen.build.post_rendering import PostEntry

__all__ = ["ConversationInputs", "read_conversations"]


@dataclass(frozen=True)
class ConversationInputs:
    """Every post's checked conversation by slug, the digest of each, and the warnings of
    reading them (cycles, media left out under `--allow-missing-media`)."""

    files: Mapping[str, ConversationFile] = field(default_factory=dict)
    digests: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def page_hash(self, slug: str, post_digest: str, own: Sequence[OwnReply] = ()) -> str:
        """The input hash of a post's page and object: the post's digest alone without a
        conversation (as before conversations existed), else joined with its digest and
        our own posts that answer its thread."""
        conversation = self.digests.get(slug)
        if conversation is None:
            return post_digest
        joined = f"{post_digest}\x1fconversation\x1f{conversation}\x1f{own!r}".encode()
        return hashlib.blake2b(joined, digest_size=16).hexdigest()

    def reply_count(self, slug: str) -> int:
        """The approved replies listings show next to the post."""
        return reply_count(self.files.get(slug))

    def own_replies(self, entries: Iterable[PostEntry]) -> dict[str, tuple[OwnReply, ...]]:
        """Our published posts that answer a shown reply, by the slug of its thread."""
        posts = (
            (e.post.slug, e.post.in_reply_to, e.post.published, e.post.summary)
            for e in entries
            if not e.post.draft and e.post.in_reply_to
        )
        return own_replies_by_slug(self.files, posts) if self.files else {}

    def unbuilt(self, built_slugs: Iterable[str]) -> tuple[str, ...]:
        """Warnings for the files of slugs the site does not build, sorted."""
        missing = sorted(self.files.keys() - set(built_slugs))
        return tuple(
            f"{CONVERSATIONS_DIR}/{slug}.yaml: no post '{slug}' is built; "
            "its conversation is not shown"
            for slug in missing
        )


def read_conversations(
    site_dir: Path, *, allow_missing_media: bool = False, cache_dir: Path | None = None
) -> ConversationInputs:
    """The site's conversations, checked; a bad file is a `ConfigError` (file, line)."""
    files, warnings = load_checked_conversations(
        site_dir, allow_missing_media=allow_missing_media, cache_dir=cache_dir
    )
    # The digest is of the checked model, not of the bytes: an edit the model does not see
    # (a comment, a reordering) renders nothing again.
    digests = {
        slug: hashlib.blake2b(repr(conversation).encode(), digest_size=16).hexdigest()
        for slug, conversation in files.items()
    }
    cycles = (
        w for slug, conversation in files.items() for w in thread_warnings(slug, conversation)
    )
    return ConversationInputs(files, digests, (*warnings, *cycles))
