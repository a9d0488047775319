"""The posts of a build: rendered in the worker pool, collected, sorted into the model.

The workers read the changed sources and write each post's page and object into the
staging folder themselves; the main process collects only what they report back (a
`PostEntry` without HTML, and file records), checks slugs, and raises a worker's content
error here, where the build stops. The model is what every later stage reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

from site_core.errors import ContentError
from site_gen.build.build_inputs import SourceChanges
from site_gen.build.conversation_inputs import ConversationInputs
from site_gen.build.object_proofs import BuildProofKey
from site_gen.build.post_rendering import POOL_THRESHOLD, PostEntry, RenderPool, RenderSettings
from site_gen.build.staged_output import StagedOutput
from site_gen.config import SiteConfig
from site_gen.content.model import Mention, Post, RepliedPost

__all__ = ["BuildModel", "CollectedPosts", "collect_posts", "render_settings", "start_pool"]


def render_settings(
    config: SiteConfig,
    sources: SourceChanges,
    mentions: Mapping[str, Mention],
    drafts: bool,
    output: StagedOutput,
    replies: Mapping[str, RepliedPost] | None = None,
    conversations: ConversationInputs | None = None,
    proof_key: BuildProofKey | None = None,
    code_languages: frozenset[str] = frozenset(),
) -> RenderSettings:
    """What every worker process needs (inherited on fork, never sent per task)."""
    return RenderSettings(
        config,
        mentions,
        drafts,
        sources.post_fingerprint,
        sources.site_fingerprint,
        sources.post_cache_path,
        output.staging,
        output.previous_files,
        dict(replies or {}),
        conversations or ConversationInputs(),
        proof_key,
        code_languages,
    )


def start_pool(
    settings: RenderSettings, jobs: int, sources: SourceChanges, first_build: bool
) -> RenderPool:
    """A pool of `jobs` workers when the work is large enough to pay for it, else in-process.

    A first build counts every source: its page tasks follow, even if the post cache
    spares the Markdown.
    """
    use_pool = jobs > 1 and (
        len(sources.tasks) >= POOL_THRESHOLD
        or (first_build and sources.source_count >= POOL_THRESHOLD)
    )
    return RenderPool(settings, jobs if use_pool else 0, sources.theme)


class CollectedPosts(NamedTuple):
    entries: dict[str, PostEntry]  # file name -> entry, of every source
    rendered_keys: set[str]  # posts whose page and object the workers wrote
    rendered: int  # posts rendered from Markdown (the rest came from the cache)


def collect_posts(
    pool: RenderPool,
    sources: SourceChanges,
    output: StagedOutput,
    page_hashes: dict[str, str],
) -> CollectedPosts:
    """Run the changed sources through the pool; claim the files the workers wrote."""
    entries = dict(sources.known)
    rendered_keys: set[str] = set()
    rendered = 0
    by_slug = {entry.post.slug: entry.source for entry in sources.known.values()}
    if len(by_slug) != len(sources.known):  # a slug twice: the loop names both files
        by_slug = {}
        for entry in sources.known.values():
            _claim_slug(by_slug, entry)
    for result in pool.sources(sources.tasks):
        if result.error is not None:
            message, where, line = result.error
            raise ContentError(message, where, line)
        assert result.entry is not None
        _claim_slug(by_slug, result.entry)
        entries[result.path.name] = result.entry
        rendered += result.rendered
        rendered_keys.add(result.entry.key)
        for record in result.files:
            output.record(record)
            page_hashes[record.path] = record.page_hash
    return CollectedPosts(entries, rendered_keys, rendered)


@dataclass(frozen=True)
class BuildModel:
    """The posts that are built, newest first: immutable, and the same for the same input."""

    entries: tuple[PostEntry, ...]  # drafts only when they are built
    published: tuple[Post, ...]  # without drafts: what the public documents list
    drafts_left_out: tuple[str, ...]  # the source files of drafts not built, sorted
    _drafts: bool = field(default=False, compare=False, repr=False)  # built with drafts?

    @classmethod
    def of(
        cls, entries: Iterable[PostEntry], drafts: bool, last: BuildModel | None = None
    ) -> BuildModel:
        """`last` (the preview's previous model) is reused when the entries differ from
        its own only in posts that keep their place: same slug, date and draft flag."""
        every = list(entries)
        if last is not None and (reused := last._replaced(every, drafts)) is not None:
            return reused
        model = tuple(_sorted_entries(e for e in every if drafts or not e.post.draft))
        left_out = tuple(sorted(e.source for e in every if e.post.draft and not drafts))
        published = tuple(entry.post for entry in model if not entry.post.draft)
        return cls(model, published, left_out, drafts)

    def _replaced(self, every: list[PostEntry], drafts: bool) -> BuildModel | None:
        """This model with some entries replaced in place, or None if the order, the
        drafts left out or the set of posts could differ."""
        if self.drafts_left_out or len(every) != len(self.entries) or self._drafts != drafts:
            return None
        place = self._places
        changed = [entry for entry in every if place.get(entry.source, (None,))[0] is not entry]
        if len(changed) > 100:
            return None
        entries, published, places = list(self.entries), list(self.published), dict(place)
        for entry in changed:
            found = place.get(entry.source)
            if found is None:
                return None
            old, at, published_at = found
            if (old.post.slug, old.post.published, old.post.draft) != (
                entry.post.slug,
                entry.post.published,
                entry.post.draft,
            ):
                return None
            entries[at], places[entry.source] = entry, (entry, at, published_at)
            if published_at >= 0:
                published[published_at] = entry.post
        model = BuildModel(tuple(entries), tuple(published), (), drafts)
        model.__dict__["_places"] = places  # the next build's look-up, without a loop
        return model

    @cached_property
    def _places(self) -> dict[str, tuple[PostEntry, int, int]]:
        """source -> (entry, index in `entries`, index in `published` or -1)."""
        places: dict[str, tuple[PostEntry, int, int]] = {}
        published = 0
        for at, entry in enumerate(self.entries):
            if entry.post.draft:
                places[entry.source] = (entry, at, -1)
            else:
                places[entry.source] = (entry, at, published)
                published += 1
        return places


def _claim_slug(by_slug: dict[str, str], entry: PostEntry) -> None:
    """Slugs are unique: the error names both files, in a stable order."""
    other = by_slug.get(entry.post.slug)
    if other is not None:
        first, second = sorted([Path(other), Path(entry.source)])
        raise ContentError(f"duplicate slug '{entry.post.slug}' (also in {first})", second)
    by_slug[entry.post.slug] = entry.source


def _sorted_entries(entries: Iterable[PostEntry]) -> list[PostEntry]:
    """Newest first; the slug breaks ties so the order never depends on the file system."""
    ordered = sorted(entries, key=lambda entry: entry.post.slug)
    ordered.sort(key=lambda entry: entry.post.published, reverse=True)
    return ordered
