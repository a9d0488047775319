"""`build_site` and `check_site`: the build as one visible pipeline of fixed stages.

    inputs, conversations -> mentions -> posts (pool) -> model -> listing pages (pool)
           -> site files -> feed and documents -> write -> remember

Everything is rendered into a staging folder before the output folder is touched, so a
content error stops the build with the previous output intact. The same input gives the
same bytes: no build time goes into any file, and every list is sorted.

Speed (both cores are needed: one process tops out at about 180-250 posts a second, two
reach about 390 on disk; `bench/build.py` measures it): the worker processes render AND write every
file that shows post content (post pages, objects, index and outbox pages), taking posts
from the post cache, so the main process holds only metadata. A rebuild reads only the
source files whose stat changed (`build_inputs`) and renders only the pages whose input
hash changed (`page_plan`, `previous_build`); unchanged bytes are never written again.

The mechanics live beside this module: `build_inputs` (stages 1-2), `post_collection`
(the pool, stages 3-4), `site_files` (6), `feed_and_documents` (7), `staged_output` (where
files go, build or check) and `previous_build` (the manifest and caches, stage 9).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from site_core.errors import OutputError
from site_gen.build.build_inputs import (
    ResolvedMentions,
    SourceChanges,
    cache_folder,
    fingerprint,
    read_sources,
    resolve_mentions,
)
from site_gen.build.build_memory import BuildMemory
from site_gen.build.conversation_inputs import ConversationInputs, read_conversations
from site_gen.build.federation_documents import read_public_key
from site_gen.build.feed_and_documents import feed_and_documents
from site_gen.build.object_proofs import NO_PROOF_KEY_WARNING, BuildProofKey, read_build_proof_key
from site_gen.build.page_plan import PlanMemory, plan_pages
from site_gen.build.post_collection import (
    BuildModel,
    CollectedPosts,
    collect_posts,
    render_settings,
    start_pool,
)
from site_gen.build.post_rendering import FileRecord, RenderPool, RenderSettings
from site_gen.build.previous_build import PreviousBuild
from site_gen.build.site_files import site_files, write_host_files
from site_gen.build.staged_output import StagedOutput
from site_gen.build.writer import WriteReport
from site_gen.config import SiteConfig

__all__ = ["BuildReport", "build_site", "check_site", "fingerprint"]


class BuildReport(NamedTuple):
    """What a build or check did; `warnings` are worth showing but did not stop it."""

    output: Path | None
    posts: int
    drafts: int  # drafts left out (a build with `drafts=True` leaves none out)
    files: int
    written: int
    unchanged: int
    removed: int
    rendered: int  # posts rendered from Markdown (the rest came from the cache)
    seconds: float
    warnings: tuple[str, ...] = ()
    drafts_left_out: tuple[Path, ...] = ()  # their source files


def build_site(
    config: SiteConfig,
    *,
    output: Path | None = None,
    jobs: int = 2,
    drafts: bool = False,
    offline: bool = False,
    clean: bool = False,
    webfinger_origins: Mapping[str, str] | None = None,
    allow_missing_media: bool = False,
    memory: BuildMemory | None = None,
    on_written: Callable[[], None] | None = None,
) -> BuildReport:
    """Build the site into `output` (default: the configured output folder); a data file
    naming a missing picture stops it unless `allow_missing_media`.

    `memory` carries the index and manifest from one build to the next in a process that
    builds again and again (the preview); `on_written` is called as soon as the output
    holds the new files, before the caches are saved for the next build."""
    target = (output or config.output_dir).resolve()
    _check_output_folder(config, target)
    report = _run(
        config,
        output=target,
        jobs=jobs,
        drafts=drafts,
        offline=offline,
        clean=clean,
        webfinger_origins=webfinger_origins,
        allow_missing_media=allow_missing_media,
        memory=memory,
        on_written=on_written,
    )
    if output is None:  # host files of the site folder (vercel.json, deploy/nginx.conf)
        write_host_files(config)
    return report


def check_site(
    config: SiteConfig,
    *,
    jobs: int = 2,
    drafts: bool = False,
    offline: bool = True,
    allow_missing_media: bool = False,
) -> BuildReport:
    """Read, validate and render everything, writing nothing in the site (not even its caches;
    compiled templates may be kept in the user's cache folder, see `template_cache`)."""
    return _run(
        config,
        output=None,
        jobs=jobs,
        drafts=drafts,
        offline=offline,
        clean=True,
        webfinger_origins=None,
        allow_missing_media=allow_missing_media,
    )


def _run(
    config: SiteConfig,
    *,
    output: Path | None,
    jobs: int,
    drafts: bool,
    offline: bool,
    clean: bool,
    webfinger_origins: Mapping[str, str] | None,
    allow_missing_media: bool = False,
    memory: BuildMemory | None = None,
    on_written: Callable[[], None] | None = None,
) -> BuildReport:
    """The stages, in order; `output=None` is a check: the same work, nothing written.

    long: the whole pipeline reads here in one place, one comment per stage.
    """
    started, building = time.perf_counter(), output is not None

    # 1. Inputs: the public keys first (no key, no build; a site that signs its objects must
    #    have its Ed25519 key), the conversation files (checked,
    #    unchanged ones from the cache: a bad one stops the build here), the theme, every
    #    source file's stamp; only files that changed since the last build are read.
    key_pem = read_public_key(config.public_key_path)
    proof_key = read_build_proof_key(config, os.environ, sign=building)
    keys = proof_key.fingerprint if proof_key is not None else ""
    with cache_folder(config, scratch=not building) as cache_dir:
        conversations = read_conversations(
            config, cache_dir, allow_missing_media=allow_missing_media, jobs=jobs
        )
        sources = read_sources(
            config, cache_dir, drafts=drafts, reuse=building and not clean, keys=keys,
            memory=memory,
        )  # fmt: skip

        # 2. Mentions and replied-to authors: every handle and every in_reply_to resolved once
        #    (mentions.json and replies.json, then the network unless offline); an unchanged
        #    post whose mentions or replied-to author now resolve differently is read again.
        mentions = resolve_mentions(
            config, sources, offline=offline, webfinger_origins=webfinger_origins, save=building
        )

        # 3. Posts: changed sources read and rendered in the pool, each writing its own page
        #    and object into the staging folder; the main process keeps metadata only.
        previous, staged, settings = _prepare(
            config, output, clean, drafts, sources, mentions, conversations, proof_key, memory
        )
        page_hashes: dict[str, str] = {}  # path -> hash of its inputs, for the manifest
        with _render_pool(settings, jobs, sources, previous, staged) as pool:
            posts = collect_posts(pool, sources, staged, page_hashes)

            # 4. The model: one immutable, sorted tuple of the posts that are built.
            last = memory.model if memory is not None else None
            model = BuildModel.of(posts.entries.values(), drafts, last)

            # 5. Pages whose inputs changed: post pages of unchanged posts (theme, config
            #    changed), index and outbox pages, in the pool; the rest are kept as they are.
            is_kept = previous.kept_checker(staged)
            plan_memory = memory.plan_for(previous.manifest, staged.incremental) if memory else None
            records = _start_pages(
                pool, settings, model, posts, staged, is_kept, page_hashes, plan_memory
            )

            # 6. Listings by title, site pages, the media of the conversations, robots, static and
            #    host files, rendered here
            #    while the workers render the rest; then the workers' files are claimed.
            theme, site_fingerprint = sources.theme, sources.site_fingerprint
            files = site_files(
                model, config, theme, site_fingerprint, previous, is_kept, page_hashes,
                conversations,
            )  # fmt: skip
            staged.place(files)
            _claim_pages(staged, records, pool)

            # 7. The feed and the ActivityPub documents, kept when their inputs did not
            #    change; the few full posts they embed come from the post cache.
            staged.place(
                feed_and_documents(model, settings, key_pem, previous, is_kept, page_hashes)
            )

            # 8. Write: swap the staged output in (a check has nothing to write); the
            #    preview tells its pages to reload now, while step 9 runs.
            written = staged.commit()
            if on_written is not None:
                on_written()

    # 9. Remember what was built (only what changed: a no-change rebuild writes nothing).
    _remember(previous, staged, page_hashes, sources, posts, memory, model)
    warnings = (
        *([NO_PROOF_KEY_WARNING] if proof_key is None else []),
        *mentions.warnings,
        *conversations.warnings,
        *conversations.unbuilt(e.post.slug for e in model.entries),
    )
    return _report(output, model, staged, written, posts, warnings, started)


def _prepare(
    config: SiteConfig,
    output: Path | None,
    clean: bool,
    drafts: bool,
    sources: SourceChanges,
    mentions: ResolvedMentions,
    conversations: ConversationInputs,
    proof_key: BuildProofKey | None,
    memory: BuildMemory | None = None,
) -> tuple[PreviousBuild, StagedOutput, RenderSettings]:
    """The last build's manifest, the staging folder, and what every worker needs."""
    kept = memory.manifest if memory is not None else None
    previous = PreviousBuild.load(
        config, output, clean=clean, site_fingerprint=sources.site_fingerprint, kept=kept
    )
    staged = StagedOutput(previous.writer(output) if output is not None else None)
    settings = render_settings(
        config,
        sources,
        mentions.resolved,
        drafts,
        staged,
        mentions.replies,
        conversations,
        proof_key,
        mentions.code_languages,
    )
    return previous, staged, settings


@contextmanager
def _render_pool(
    settings: RenderSettings,
    jobs: int,
    sources: SourceChanges,
    previous: PreviousBuild,
    staged: StagedOutput,
) -> Iterator[RenderPool]:
    """The worker pool of stages 3-8; on any error it stops and the staging folder goes."""
    pool = start_pool(settings, jobs, sources, previous.first_build)
    try:
        yield pool
    except BaseException:
        pool.close()
        staged.abort()
        raise


def _start_pages(
    pool: RenderPool,
    settings: RenderSettings,
    model: BuildModel,
    posts: CollectedPosts,
    staged: StagedOutput,
    is_kept: Callable[[str, str], bool],
    page_hashes: dict[str, str],
    plan_memory: PlanMemory | None = None,
) -> Iterator[FileRecord]:
    """Plan the pages, start the workers on the changed ones and keep the unchanged ones."""
    plan = plan_pages(
        model.entries,
        posts.rendered_keys,
        settings.config,
        settings.site_fingerprint,
        is_kept,
        settings.conversations,
        plan_memory,
    )
    page_hashes.update(plan.remembered)
    page_hashes.update(plan.hashes)
    page_records = pool.pages(plan.tasks)  # the workers start at once
    staged.keep_files(plan.remembered_files)
    if plan.kept:
        staged.keep_all(plan.kept)
    return page_records


def _claim_pages(
    staged: StagedOutput, page_records: Iterable[FileRecord], pool: RenderPool
) -> None:
    """Take the files the workers wrote into the staged output; the pool's work is done."""
    for record in page_records:
        staged.record(record)
    pool.close()


def _remember(
    previous: PreviousBuild,
    staged: StagedOutput,
    page_hashes: dict[str, str],
    sources: SourceChanges,
    posts: CollectedPosts,
    memory: BuildMemory | None = None,
    model: BuildModel | None = None,
) -> None:
    """Keep the manifest and caches for the next build; a check has no writer and keeps none."""
    if staged.writer is not None:
        saved = previous.remember(staged.writer, page_hashes, sources, posts.entries)
        if memory is not None:
            memory.built(sources.index, saved, model)


def _report(
    output: Path | None,
    model: BuildModel,
    staged: StagedOutput,
    written: WriteReport | None,
    posts: CollectedPosts,
    warnings: tuple[str, ...],
    started: float,
) -> BuildReport:
    """The counts of the build, in the order `BuildReport` declares them."""
    return BuildReport(
        output,
        len(model.published),
        len(model.drafts_left_out),
        staged.file_count,
        written.written if written is not None else 0,
        written.unchanged if written is not None else 0,
        written.removed if written is not None else 0,
        posts.rendered,
        time.perf_counter() - started,
        warnings,
        tuple(Path(source) for source in model.drafts_left_out),
    )


def _check_output_folder(config: SiteConfig, output: Path) -> None:
    """Refuse an output folder that would swallow the site's own files when replaced."""
    protected = [config.root, config.posts_dir, config.static_dir, config.templates_dir]
    protected.append(config.state_dir)
    for folder in protected:
        if output == folder.resolve() or folder.resolve().is_relative_to(output):
            raise OutputError(f"the output folder {output} would replace {folder}")
