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

The main process keeps one small summary per file (`conversation_summary`); the changed
files are checked on every core and stored (`conversation_checks`, `conversation_cache`),
and the worker that renders a post takes its items from the store.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from site_gen.config import SiteConfig
from site_gen.conversations.data_paths import (
    CONVERSATIONS_DIR,
    SUFFIX,
    conversations_dir,
    media_names,
)

# The models, their checks and their store load only for a site with conversations: most
# sites have none, and every build would pay for importing them.
if TYPE_CHECKING:
    from site_gen.build.conversation_cache import ConversationStore, Stamp
    from site_gen.build.conversation_summary import ConversationSummary
    from site_gen.build.conversation_view import OwnReply
    from site_gen.build.post_rendering import PostEntry
    from site_gen.config_conversation import ConversationPolicy
    from site_gen.conversations.data_files import ConversationFile

__all__ = ["ConversationInputs", "read_conversations"]

_VERSION = "2"  # bump when the reader's checks, the model or the summary change


@dataclass(frozen=True)
class ConversationInputs:
    """Every post's checked conversation by slug, as a summary (the items stay in the
    store until the worker rendering that post reads them), and the warnings of reading
    them (cycles, media left out under `--allow-missing-media`)."""

    summaries: Mapping[str, ConversationSummary] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    store_path: Path | None = None
    header: str = ""
    folder: Path | None = None

    def page_hash(self, slug: str, post_digest: str, own: Sequence[OwnReply] = ()) -> str:
        """The input hash of a post's page and object: the post's digest alone without a
        conversation (as before conversations existed), else joined with its digest and
        our own posts that answer its thread."""
        summary = self.summaries.get(slug)
        if summary is None:
            return post_digest
        joined = f"{post_digest}\x1fconversation\x1f{summary.digest}\x1f{own!r}".encode()
        return hashlib.blake2b(joined, digest_size=16).hexdigest()

    def reply_count(self, slug: str) -> int:
        """The approved replies listings show next to the post."""
        summary = self.summaries.get(slug)
        return summary.reply_count if summary is not None else 0

    def replies_pages(self, slug: str, own: Sequence[OwnReply]) -> int:
        """How many pages of replies the post's collection has."""
        summary = self.summaries.get(slug)
        return summary.replies_pages(len(own)) if summary is not None else 1

    def media(self, slug: str, policy: ConversationPolicy) -> set[str]:
        """The copied files ("media/<name>") the post's page shows."""
        summary = self.summaries.get(slug)
        return summary.media(policy) if summary is not None else set()

    def own_replies(self, entries: Iterable[PostEntry]) -> dict[str, tuple[OwnReply, ...]]:
        """Our published posts that answer a shown reply, by the slug of its thread."""
        posts = (
            (e.post.slug, e.post.in_reply_to, e.post.published, e.post.summary)
            for e in entries
            if not e.post.draft and e.post.in_reply_to
        )
        threads = {slug: summary.reply_keys for slug, summary in self.summaries.items()}
        if not threads:
            return {}
        from site_gen.build.conversation_view import own_replies_in

        return own_replies_in(threads, posts)

    def open_store(self) -> ConversationStore | None:
        """The store of the checked models (one connection per process, after forking)."""
        if self.store_path is None or not self.summaries:
            return None
        from site_gen.build.conversation_cache import ConversationStore

        return ConversationStore(self.store_path, self.header)

    def conversation(self, slug: str, store: ConversationStore | None) -> ConversationFile | None:
        """The checked conversation of `slug`, from the store (read again if it lost it)."""
        if slug not in self.summaries:
            return None
        found = store.model(f"{slug}{SUFFIX}") if store is not None else None
        if found is None and self.folder is not None:
            from site_gen.conversations.file_reader import read_conversation_file

            media = media_names(self.folder.parent)
            found = read_conversation_file(self.folder / f"{slug}{SUFFIX}", media, [])
        return found

    def unbuilt(self, built_slugs: Iterable[str]) -> tuple[str, ...]:
        """Warnings for the files of slugs the site does not build, sorted."""
        if not self.summaries:
            return ()
        missing = sorted(self.summaries.keys() - set(built_slugs))
        return tuple(
            f"{CONVERSATIONS_DIR}/{slug}.yaml: no post '{slug}' is built; "
            "its conversation is not shown"
            for slug in missing
        )


def read_conversations(
    config: SiteConfig, cache_dir: Path, *, allow_missing_media: bool = False, jobs: int = 1
) -> ConversationInputs:
    """The site's conversations, checked (the changed files on `jobs` processes); a bad
    file is a `ConfigError` (file, line)."""
    folder = conversations_dir(config.root)
    if not folder.is_dir():
        return ConversationInputs()
    from site_gen.build.conversation_cache import STORE_NAME, ConversationStore
    from site_gen.build.conversation_checks import CheckSettings, check_files

    media = media_names(config.root)
    header = _header(folder, media, allow_missing_media, config)
    store_path = cache_dir / STORE_NAME
    files = _data_files(folder)
    store = ConversationStore(store_path, header)
    try:  # closed before the checking workers fork
        store.keep_only([name for name, _stamp in files])
        known = store.summaries()
    finally:
        store.close()
    changed = [(name, stamp) for name, stamp in files if known.get(name, (None,))[0] != stamp]
    settings = CheckSettings(folder, media, allow_missing_media, config.urls, store_path, header)
    fresh = check_files(settings, changed, jobs)
    summaries = {
        name.removesuffix(SUFFIX): fresh[name] if name in fresh else known[name][1]
        for name, _stamp in files
    }
    warnings = tuple(w for summary in summaries.values() for w in summary.warnings)
    return ConversationInputs(summaries, warnings, store_path, header, folder)


def _data_files(folder: Path) -> list[tuple[str, Stamp]]:
    """(name, (size, mtime_ns)) of each data file, sorted by name."""
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.endswith(SUFFIX) and not entry.name.startswith("."):
                stat = entry.stat()
                found.append((entry.name, (stat.st_size, stat.st_mtime_ns)))
    return sorted(found)


def _header(
    folder: Path, media: frozenset[str], allow_missing_media: bool, config: SiteConfig
) -> str:
    """What a stored row was checked against besides its file: the reader, the media
    folder, the owner's choice, the folder (warnings name it) and the site's URLs."""
    listing = hashlib.blake2b("\n".join(sorted(media)).encode()).hexdigest()
    urls = config.urls
    where = f"{folder}|{urls.post_object('_')}|{urls.post_page('_')}"
    return f"{_VERSION}|{allow_missing_media}|{listing}|{where}"
