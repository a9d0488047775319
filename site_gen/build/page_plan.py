"""Which pages a build must render, each with the hash of exactly its inputs.

The main process plans from the posts' metadata only. A page whose input hash equals the
one the previous build recorded, and whose file the output still holds, is kept as it is:
editing one post re-renders its page, its object and the few listing pages that show it,
not the thousands of others. Pages that show post content (index, outbox) hash the posts'
full digests; pages that list posts by title (tags, archive) hash only their metadata.

A process that builds again and again (the preview) passes a `PlanMemory`: the last plan's
hash and paths of every post page and listing page, so a rebuild after one edit plans
only what that post touches instead of walking 10,000 posts and 70,000 paths. Reuse is
exact: a remembered result stands only for the very same inputs (the same `PostEntry`
objects, fingerprint and conversations) and the very manifest it was checked against.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from urllib.parse import urlsplit

from site_core.urls import output_path_for_url
from site_gen.build.conversation_inputs import ConversationInputs
from site_gen.build.conversation_view import OwnReply
from site_gen.build.listing_pages import index_order
from site_gen.build.outbox_pages import outbox_chunks
from site_gen.build.post_rendering import PageTask, PostEntry, page_hash
from site_gen.build.writer import Manifest
from site_gen.config import SiteConfig

__all__ = ["PagePlan", "PlanMemory", "plan_pages", "post_paths"]


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


def post_paths(
    config: SiteConfig, replies_pages: Callable[[str], int] = lambda _slug: 1
) -> Callable[[PostEntry], list[str]]:
    """The files `render_post_artifacts` makes for a post: its page and, unless a draft,
    its object and collections (`replies_pages(slug)` pages of replies)."""
    urls = config.urls
    page, post_object = path_template(urls.post_page), path_template(urls.post_object)
    collections = [
        path_template(url_of)
        for url_of in (urls.replies_collection, urls.likes_collection, urls.shares_collection)
    ]
    context = path_template(urls.context_collection)
    numbered: dict[int, Callable[[object], str]] = {}  # page n of replies, for any slug

    def replies_page(slug: str, number: int) -> str:
        if number not in numbered:
            numbered[number] = path_template(lambda value: urls.replies_page(str(value), number))
        return numbered[number](slug)

    def paths(entry: PostEntry) -> list[str]:
        slug = entry.post.slug
        if entry.post.draft:
            return [page(slug)]
        found = [page(slug), post_object(slug), *(path(slug) for path in collections)]
        found += [replies_page(slug, n) for n in range(1, replies_pages(slug) + 1)]
        found.append(context(slug))
        return found

    return paths


@dataclass
class PagePlan:
    """The pages to render and those to keep, with the hash of every page's inputs."""

    tasks: list[PageTask] = field(default_factory=list)  # for the workers
    kept: list[str] = field(default_factory=list)  # pages still valid
    hashes: dict[str, str] = field(default_factory=dict)  # path -> input hash, every page...
    # ...but the pages of the posts the memory holds unchanged: path -> hash and digest
    remembered: dict[str, str] = field(default_factory=dict)
    remembered_files: dict[str, str] = field(default_factory=dict)


_Post = tuple[PostEntry, str, list[str]]  # an entry, its pages' hash and their paths
_Listing = tuple[tuple[PostEntry, ...], tuple[int, ...], str, str]  # shown, numbers, hash, path


@dataclass
class _Remembered:
    """One plan's results, and what they were computed from."""

    site_fingerprint: str
    conversations: Mapping[str, object]  # the summaries (compared by value)
    own: Mapping[str, tuple[OwnReply, ...]]
    posts: dict[str, _Post]  # slug -> its post pages, every one of them held by the output
    post_hashes: dict[str, str]  # path -> hash of those pages...
    post_files: dict[str, str]  # ...and path -> digest of their files
    listings: dict[tuple[str, int], _Listing] = field(default_factory=dict)
    unchecked: list[str] = field(default_factory=list)  # slugs in `posts` not yet checked


class PlanMemory:
    """The last plan of a long-running process, valid for the manifest of the build that
    made it: `begin` before planning, `settle` once that build's manifest is saved."""

    def __init__(self) -> None:
        self._settled: _Remembered | None = None
        self._manifest: Manifest | None = None  # the manifest `_settled` was checked against
        self._pending: _Remembered | None = None
        self._usable = False

    def begin(self, manifest: Manifest | None, incremental: bool) -> None:
        """A build starts from `manifest` (None: a clean build, nothing is kept)."""
        self._pending = None
        self._usable = incremental and manifest is not None and manifest is self._manifest

    def settle(self, manifest: Manifest | None) -> None:
        """The build succeeded and saved `manifest`: the new plan stands for the posts
        whose every page the manifest holds with its hash."""
        new, self._pending = self._pending, None
        if new is None or manifest is None:
            self._settled, self._manifest = None, None
            return
        pages, files = manifest.pages, manifest.files
        for slug in new.unchecked:
            _entry, hash_, paths = new.posts[slug]
            if all(pages.get(path) == hash_ for path in paths):
                new.post_hashes.update(dict.fromkeys(paths, hash_))
                new.post_files.update((path, files[path]) for path in paths)
            else:
                del new.posts[slug]
        new.unchecked = []
        self._settled, self._manifest = new, manifest

    def hold(self, plan: _Remembered) -> _Remembered:
        """The plan being made, to settle if its build succeeds."""
        self._pending = plan
        return plan

    def reusable(
        self, site_fingerprint: str, conversations: Mapping[str, object], own: object
    ) -> _Remembered | None:
        """The last plan, if it was made from the same site, conversations and answers
        and checked against the manifest this build starts from."""
        last = self._settled if self._usable else None
        if last is None or last.site_fingerprint != site_fingerprint:
            return None
        if last.conversations != conversations or last.own != own:
            return None
        return last


def plan_pages(
    model: Sequence[PostEntry],
    rendered: set[str],
    config: SiteConfig,
    site_fingerprint: str,
    is_kept: Callable[[str, str], bool],
    conversations: ConversationInputs | None = None,
    memory: PlanMemory | None = None,
) -> PagePlan:
    """Post pages not rendered yet (keys in `rendered` were), index and outbox pages.

    `model` is newest first, drafts included only when they are built; `is_kept(path,
    hash)` says whether the output already holds that page made from those inputs;
    `memory` (begun for this build) has the last plan and takes this one.
    """
    plan = PagePlan()
    conversations = conversations or ConversationInputs()
    own = conversations.own_replies(model)
    summaries = conversations.summaries
    last, new = None, None
    if memory is not None:
        last = memory.reusable(site_fingerprint, summaries, own)
        new = memory.hold(_Remembered(site_fingerprint, summaries, own, {}, {}, {}))
    _plan_post_pages(plan, model, rendered, config, is_kept, conversations, own, last, new)
    _plan_listings(plan, model, config, site_fingerprint, is_kept, conversations, last, new)
    return plan


def _plan_post_pages(
    plan: PagePlan,
    model: Sequence[PostEntry],
    rendered: set[str],
    config: SiteConfig,
    is_kept: Callable[[str, str], bool],
    conversations: ConversationInputs,
    own: Mapping[str, tuple[OwnReply, ...]],
    last: _Remembered | None,
    new: _Remembered | None,
) -> None:
    """Post pages not rendered by the source workers: unchanged posts whose files are gone
    or stale, and every post with a conversation (the workers leave those to this stage,
    as their thread may show our own posts that answer it). The posts `last` holds as
    they are now are kept without a look at their 70,000 paths."""
    paths_of = post_paths(config, lambda slug: conversations.replies_pages(slug, own.get(slug, ())))
    if last is not None and new is not None:
        posts = last.posts
        fresh = [e for e in model if (p := posts.get(e.post.slug)) is None or p[0] is not e]
        fresh_slugs = {entry.post.slug for entry in fresh}
        gone = [slug for slug in fresh_slugs if slug in posts]
        if len(model) - len(fresh) + len(gone) != len(posts):  # posts left the model
            gone = list(posts.keys() - ({e.post.slug for e in model} - fresh_slugs))
        kept, kept_files = dict(last.post_hashes), dict(last.post_files)
        new.posts = dict(posts)
        for slug in gone:
            for path in new.posts.pop(slug)[2]:
                del kept[path], kept_files[path]
        plan.remembered, plan.remembered_files = kept, kept_files
        # The same dicts (no copies of 70,000 paths): `settle` adds the checked new posts
        # once the build is over and the plan has been used.
        new.post_hashes, new.post_files = kept, kept_files
        model = fresh
    kept_pages, hashes, tasks = plan.kept, plan.hashes, plan.tasks
    files = conversations.summaries
    for entry in model:  # every post on a first build: kept lean
        slug = entry.post.slug
        by_source = entry.key in rendered and slug not in files
        if by_source and new is None:
            continue
        answers = own.get(slug, ())
        hash_ = conversations.page_hash(slug, entry.digest, answers)
        paths = paths_of(entry)
        if new is not None:
            new.posts[slug] = (entry, hash_, paths)
            new.unchecked.append(slug)
        if by_source:
            continue
        if all(map(is_kept, paths, repeat(hash_))):
            kept_pages.extend(paths)
        else:
            pairs = ((entry.key, entry.source),)
            tasks.append(PageTask("post", 0, 0, 0, pairs, hash_, answers))
        hashes.update(dict.fromkeys(paths, hash_))


def _plan_listings(
    plan: PagePlan,
    model: Sequence[PostEntry],
    config: SiteConfig,
    site_fingerprint: str,
    is_kept: Callable[[str, str], bool],
    conversations: ConversationInputs,
    last: _Remembered | None,
    new: _Remembered | None,
) -> None:
    """The index pages (pinned first, then newest first) and the outbox pages; a page
    that shows the very posts it showed last time keeps its hash and path."""
    urls = config.urls
    before = last.listings if last is not None else {}
    listings = new.listings if new is not None else {}

    def add(kind: str, number: int, shown: Sequence[PostEntry], numbers: tuple[int, ...]) -> None:
        shown = tuple(shown)
        found = before.get((kind, number))
        if found is not None and found[0] == shown and found[1] == numbers:
            hash_, path = found[2], found[3]
        else:
            if kind == "index":
                replies = (conversations.reply_count(e.post.slug) for e in shown)
                parts = (*(e.digest for e in shown), *replies)
                hash_ = page_hash(site_fingerprint, "index", number, numbers[0], *parts)
                path = _path(config, urls.index_page(number))
            else:
                digests = (e.digest for e in shown)
                hash_ = page_hash(site_fingerprint, "outbox", number, *numbers, *digests)
                path = _path(config, urls.outbox_page(number))
        listings[kind, number] = (shown, numbers, hash_, path)
        plan.hashes[path] = hash_
        if is_kept(path, hash_):
            plan.kept.append(path)
            return
        pairs = tuple((e.key, e.source) for e in shown)
        count, total = numbers if kind == "outbox" else (numbers[0], 0)
        plan.tasks.append(PageTask(kind, number, count, total, pairs, hash_))

    ordered = [model[i] for i in index_order([e.post for e in model])]
    size = config.posts_per_page
    count = max(1, -(-len(ordered) // size))
    for number in range(1, count + 1):
        add("index", number, ordered[(number - 1) * size : number * size], (count,))

    published = [entry for entry in model if not entry.post.draft]
    chunks = outbox_chunks(published)
    last_page, total = len(chunks), len(published)
    for number, chunk in enumerate(chunks, start=1):
        add("outbox", number, chunk, (last_page, total))


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
