"""Which pages a build must render, each with the hash of exactly its inputs.

The main process plans from the posts' metadata only. A page whose input hash equals the
one the previous build recorded, and whose file the output still holds, is kept as it is:
editing one post re-renders its page, its object and the few listing pages that show it,
not the thousands of others. Pages that show post content (index, outbox) hash the posts'
full digests; pages that list posts by title (tags, archive) hash only their metadata.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from site_core.urls import output_path_for_url
from site_gen.build.listing_pages import index_order
from site_gen.build.outbox_pages import outbox_chunks
from site_gen.build.post_rendering import PageTask, PostEntry, page_hash
from site_gen.config import SiteConfig

__all__ = ["PagePlan", "plan_pages", "post_paths"]


_MARK = "0slugmark0"  # a slug (or number) no URL of ours holds otherwise


def path_template(url_of: Callable[[str], str]) -> Callable[[object], str]:
    """`url_of` turned into a fast `value -> output path`: parsing 20,000 URLs costs 0.8 s.

    Valid because slugs (lowercase letters, digits, dashes) and numbers go into the path
    unchanged; the last occurrence of the mark is the value's place.
    """
    head, _, tail = output_path_for_url(urlsplit(url_of(_MARK)).path or "/").rpartition(_MARK)

    def path(value: object) -> str:
        return f"{head}{value}{tail}"

    return path


def post_paths(config: SiteConfig) -> Callable[[PostEntry], list[str]]:
    """The files `render_post_artifacts` makes for a post (page, and object unless a draft)."""
    page, post_object = path_template(config.urls.post_page), path_template(config.urls.post_object)

    def paths(entry: PostEntry) -> list[str]:
        slug = entry.post.slug
        return [page(slug)] if entry.post.draft else [page(slug), post_object(slug)]

    return paths


@dataclass
class PagePlan:
    tasks: list[PageTask] = field(default_factory=list)  # for the workers
    kept: list[tuple[str, str]] = field(default_factory=list)  # (path, hash) still valid
    hashes: dict[str, str] = field(default_factory=dict)  # path -> input hash, every page


def plan_pages(
    model: Sequence[PostEntry],
    rendered: set[str],
    config: SiteConfig,
    site_fingerprint: str,
    is_kept: Callable[[str, str], bool],
) -> PagePlan:
    """Post pages not rendered yet (keys in `rendered` were), index and outbox pages.

    `model` is newest first, drafts included only when they are built; `is_kept(path,
    hash)` says whether the output already holds that page made from those inputs.
    """
    plan = PagePlan()
    urls = config.urls

    def add(kind: str, path: str, hash_: str, posts: Sequence[PostEntry], *numbers: int) -> None:
        plan.hashes[path] = hash_
        if is_kept(path, hash_):
            plan.kept.append((path, hash_))
            return
        pairs = tuple((e.key, e.source) for e in posts)
        number, count, total = numbers
        plan.tasks.append(PageTask(kind, number, count, total, pairs, hash_))

    paths_of = post_paths(config)
    kept, hashes, tasks = plan.kept, plan.hashes, plan.tasks
    for entry in model:  # 10,000 posts on every rebuild: kept lean
        if entry.key in rendered:
            continue
        hash_ = entry.digest  # as the worker records it (see post_rendering._post_files)
        paths = paths_of(entry)
        if is_kept(paths[0], hash_) and (len(paths) == 1 or is_kept(paths[1], hash_)):
            kept.extend((path, hash_) for path in paths)
        else:
            tasks.append(PageTask("post", 0, 0, 0, ((entry.key, entry.source),), hash_))
        for path in paths:
            hashes[path] = hash_

    ordered = [model[i] for i in index_order([e.post for e in model])]
    size = config.posts_per_page
    count = max(1, -(-len(ordered) // size))
    for number in range(1, count + 1):
        shown = ordered[(number - 1) * size : number * size]
        hash_ = page_hash(site_fingerprint, "index", number, count, *(e.digest for e in shown))
        add("index", _path(config, urls.index_page(number)), hash_, shown, number, count, 0)

    published = [entry for entry in model if not entry.post.draft]
    chunks = outbox_chunks(published)
    last, total = len(chunks), len(published)
    for number, chunk in enumerate(chunks, start=1):
        digests = (e.digest for e in chunk)
        hash_ = page_hash(site_fingerprint, "outbox", number, last, total, *digests)
        path = _path(config, urls.outbox_page(number))
        add("outbox", path, hash_, chunk, number, last, total)
    return plan


def listing_hash(site_fingerprint: str, kind: str, rows: Sequence[str], *extra: object) -> str:
    return page_hash(site_fingerprint, kind, *extra, *rows)


def _path(config: SiteConfig, url: str) -> str:
    return output_path_for_url(config.urls.path_of(url))


def previous_pages_checker(
    previous_pages: Mapping[str, str], previous_files: Mapping[str, str], incremental: bool
) -> Callable[[str, str], bool]:
    def is_kept(path: str, hash_: str) -> bool:
        return incremental and previous_pages.get(path) == hash_ and path in previous_files

    return is_kept
