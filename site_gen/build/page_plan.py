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
from itertools import repeat
from urllib.parse import urlsplit

from site_core.urls import output_path_for_url
from site_gen.build.conversation_inputs import ConversationInputs
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
    tasks: list[PageTask] = field(default_factory=list)  # for the workers
    kept: list[tuple[str, str]] = field(default_factory=list)  # (path, hash) still valid
    hashes: dict[str, str] = field(default_factory=dict)  # path -> input hash, every page


def plan_pages(
    model: Sequence[PostEntry],
    rendered: set[str],
    config: SiteConfig,
    site_fingerprint: str,
    is_kept: Callable[[str, str], bool],
    conversations: ConversationInputs | None = None,
) -> PagePlan:
    """Post pages not rendered yet (keys in `rendered` were), index and outbox pages.

    `model` is newest first, drafts included only when they are built; `is_kept(path,
    hash)` says whether the output already holds that page made from those inputs.
    """
    plan = PagePlan()
    conversations = conversations or ConversationInputs()
    urls = config.urls

    def add(kind: str, path: str, hash_: str, posts: Sequence[PostEntry], *numbers: int) -> None:
        plan.hashes[path] = hash_
        if is_kept(path, hash_):
            plan.kept.append((path, hash_))
            return
        pairs = tuple((e.key, e.source) for e in posts)
        number, count, total = numbers
        plan.tasks.append(PageTask(kind, number, count, total, pairs, hash_))

    _plan_post_pages(plan, model, rendered, config, is_kept, conversations)

    ordered = [model[i] for i in index_order([e.post for e in model])]
    size = config.posts_per_page
    count = max(1, -(-len(ordered) // size))
    for number in range(1, count + 1):
        shown = ordered[(number - 1) * size : number * size]
        replies = (conversations.reply_count(e.post.slug) for e in shown)
        hash_ = page_hash(
            site_fingerprint, "index", number, count, *(e.digest for e in shown), *replies
        )
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


def _plan_post_pages(
    plan: PagePlan,
    model: Sequence[PostEntry],
    rendered: set[str],
    config: SiteConfig,
    is_kept: Callable[[str, str], bool],
    conversations: ConversationInputs,
) -> None:
    """Post pages not rendered by the source workers: unchanged posts whose files are gone
    or stale, and every post with a conversation (the workers leave those to this stage,
    as their thread may show our own posts that answer it)."""
    own = conversations.own_replies(model)
    paths_of = post_paths(config, lambda slug: conversations.replies_pages(slug, own.get(slug, ())))
    kept, hashes, tasks = plan.kept, plan.hashes, plan.tasks
    files = conversations.summaries
    for entry in model:  # 10,000 posts on every rebuild: kept lean
        slug = entry.post.slug
        if entry.key in rendered and slug not in files:
            continue
        answers = own.get(slug, ())
        hash_ = conversations.page_hash(slug, entry.digest, answers)
        paths = paths_of(entry)
        if all(map(is_kept, paths, repeat(hash_))):
            kept.extend(zip(paths, repeat(hash_)))
        else:
            pairs = ((entry.key, entry.source),)
            tasks.append(PageTask("post", 0, 0, 0, pairs, hash_, answers))
        hashes.update(dict.fromkeys(paths, hash_))


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
