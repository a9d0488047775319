"""The per-post work of a build, spread over a process pool: both cores, one `Post` each.

A worker turns a source file into its `Post` and, in the same step, renders the files that
belong to that post alone (page and object), so a post's HTML crosses between processes
once. Errors travel back as values and are raised in the parent, where the pipeline
decides; small batches run in-process, where a pool would cost more than it saves.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.pool import Pool
from pathlib import Path
from typing import TypeVar

from site_gen.build.artifacts import Artifact
from site_gen.build.post_artifacts import render_post_artifacts
from site_gen.build.theme import Theme
from site_gen.config import SiteConfig
from site_gen.content.model import Mention, Post
from site_gen.content.reader import read_post
from site_gen.errors import ContentError

__all__ = ["PostResult", "RenderSettings", "SourceFile", "render_pages", "render_sources"]

_T = TypeVar("_T")
_CHUNK = 40
_POOL_THRESHOLD = 2 * _CHUNK


@dataclass(frozen=True)
class SourceFile:
    path: Path
    data: bytes
    key: str  # the post cache key (content hash under this configuration)


@dataclass(frozen=True)
class RenderSettings:
    config: SiteConfig
    mentions: Mapping[str, Mention]
    drafts: bool  # render the pages of drafts too


@dataclass(frozen=True)
class PostResult:
    source: SourceFile
    post: Post | None
    error: tuple[str, str | None, int | None] | None  # ContentError's message, path, line
    artifacts: tuple[Artifact, ...]


_settings: RenderSettings | None = None
_theme: Theme | None = None


def _init_worker(settings: RenderSettings) -> None:
    global _settings, _theme
    _settings = settings
    _theme = Theme(settings.config.templates_dir)


def _render_source(source: SourceFile) -> PostResult:
    assert _settings is not None
    assert _theme is not None
    try:
        post = read_post(source.path, source.data, _settings.config, _settings.mentions)
    except ContentError as exc:
        where = str(exc.path) if exc.path is not None else None
        return PostResult(source, None, (exc.message, where, exc.line), ())
    if post.draft and not _settings.drafts:
        return PostResult(source, post, None, ())
    return PostResult(
        source, post, None, tuple(render_post_artifacts(post, _settings.config, _theme))
    )


def _render_source_chunk(chunk: Sequence[SourceFile]) -> list[PostResult]:
    return [_render_source(source) for source in chunk]


def _render_page_chunk(chunk: Sequence[Post]) -> list[tuple[str, tuple[Artifact, ...]]]:
    assert _settings is not None
    assert _theme is not None
    return [
        (post.slug, tuple(render_post_artifacts(post, _settings.config, _theme))) for post in chunk
    ]


def _chunks(items: Sequence[_T]) -> list[Sequence[_T]]:
    return [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)]


def _pool(jobs: int, settings: RenderSettings) -> Pool:
    # fork: the workers inherit the imported modules and settings without pickling them.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    return context.Pool(jobs, initializer=_init_worker, initargs=(settings,))


def render_sources(
    sources: Sequence[SourceFile], settings: RenderSettings, jobs: int
) -> Iterator[PostResult]:
    """Each source's result, in no particular order."""
    if jobs <= 1 or len(sources) < _POOL_THRESHOLD:
        _init_worker(settings)
        yield from (_render_source(source) for source in sources)
        return
    with _pool(jobs, settings) as pool:
        for results in pool.imap_unordered(_render_source_chunk, _chunks(sources)):
            yield from results


def render_pages(
    posts: Sequence[Post], settings: RenderSettings, jobs: int
) -> Iterator[tuple[str, tuple[Artifact, ...]]]:
    """(slug, artifacts) of posts taken from the cache whose pages must be rendered again."""
    if jobs <= 1 or len(posts) < _POOL_THRESHOLD:
        _init_worker(settings)
        yield from _render_page_chunk(posts)
        return
    with _pool(jobs, settings) as pool:
        for results in pool.imap_unordered(_render_page_chunk, _chunks(posts)):
            yield from results
