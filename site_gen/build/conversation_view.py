"""A post's approved conversation as the templates see it: a thread, counts and faces.

Pure: the checked `ConversationFile`, our own posts that answer it and the owner's policy in,
plain dicts out. Only approved items are ever read here, so a pending or rejected reply (and
its pictures) can never reach a page. Replies nest by `in_reply_to`, oldest first; below
`MAX_DEPTH` levels the rest of a branch is listed flat under the last level, each entry
naming whom it answers. A reply whose parent is not shown (pending, rejected, empty, another
thread) and every reply of an `in_reply_to` cycle stand at the top level; the cycle is
named by `thread_warnings`, which the build shows.

Every image comes from the site: avatars and attachments are the copies under
`conversations/media/` (URLs from `UrlScheme`), an attachment without a copy is left out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from markupsafe import Markup

from site_core.urls import UrlScheme
from site_gen.build.views import display_date, iso_date
from site_gen.config_conversation import ConversationPolicy
from site_gen.federation.conversation_collections import ConversationIds

if TYPE_CHECKING:  # the model loads only for a site with conversations
    from site_gen.conversations.data_files import Author, ConversationFile, ConversationItem

__all__ = [
    "MAX_DEPTH",
    "OwnReply",
    "conversation_ids",
    "conversation_view",
    "own_replies_by_slug",
    "own_replies_in",
    "published_media",
    "reply_count",
    "reply_keys",
    "thread_parents",
    "thread_warnings",
    "visible_replies",
]

MAX_DEPTH = 3
AVATAR_SIZE = 48  # displayed size; the copies are 96 px, sharp on dense screens


class OwnReply(NamedTuple):
    """One of our posts whose `in_reply_to` is a shown reply of another post's thread."""

    slug: str
    parent: str  # the id of the reply it answers
    published: datetime
    summary: str


def visible_replies(conversation: ConversationFile) -> list[ConversationItem]:
    """The replies a page shows: approved, with content left after sanitizing."""
    return [
        item
        for item in conversation.items
        if item.kind == "reply" and item.status == "approved" and (item.content or "").strip()
    ]


def reply_count(conversation: ConversationFile | None) -> int:
    """What listings show next to a post: every shown reply, nested ones included."""
    return len(visible_replies(conversation)) if conversation is not None else 0


def _approved(conversation: ConversationFile, kind: str) -> list[ConversationItem]:
    return [i for i in conversation.items if i.kind == kind and i.status == "approved"]


def published_media(conversation: ConversationFile, policy: ConversationPolicy) -> set[str]:
    """The copied files ("media/<name>") that the post's page shows, and only those: a
    rejected reply's picture is never published."""
    files: set[str] = set()
    for item in visible_replies(conversation):
        files.update(a.file for a in item.attachments if a.file)
        if item.author.avatar:
            files.add(item.author.avatar)
    if policy.show_faces:
        for item in (*_approved(conversation, "like"), *_approved(conversation, "boost")):
            if item.author.avatar:
                files.add(item.author.avatar)
    return files


def thread_parents(
    conversation: ConversationFile, own: Sequence[OwnReply] = ()
) -> dict[str, str | None]:
    """Each shown reply's parent among the shown replies (None: top level); an item of a
    cycle stands at the top level."""
    parents: dict[str, str | None] = {r.id: r.in_reply_to for r in visible_replies(conversation)}
    parents.update({_own_id(reply): reply.parent for reply in own})
    known = {key: value if value in parents else None for key, value in parents.items()}
    cycles = _cycle_members(known)
    return {key: None if key in cycles else value for key, value in known.items()}


def _cycle_members(parents: Mapping[str, str | None]) -> set[str]:
    """The ids on a cycle of parent links (walks each chain once)."""
    done: set[str] = set()
    members: set[str] = set()
    for start in parents:
        path: list[str] = []
        on_path: set[str] = set()
        node: str | None = start
        while node is not None and node not in done and node not in on_path:
            path.append(node)
            on_path.add(node)
            node = parents[node]
        if node is not None and node in on_path:
            members.update(path[path.index(node) :])
        done.update(path)
    return members


def thread_warnings(slug: str, conversation: ConversationFile) -> tuple[str, ...]:
    """A warning naming the replies of each `in_reply_to` cycle (they are shown flat)."""
    parents = {r.id: r.in_reply_to for r in visible_replies(conversation)}
    known = {key: value if value in parents else None for key, value in parents.items()}
    members = _cycle_members(known)
    if not members:
        return ()
    names = ", ".join(sorted(members))
    return (
        f"conversations/{slug}.yaml: the replies {names} answer each other in a cycle; "
        "they are shown flat",
    )


def own_replies_by_slug(
    conversations: Mapping[str, ConversationFile],
    posts: Iterable[tuple[str, str | None, datetime, str]],
) -> dict[str, tuple[OwnReply, ...]]:
    """Our posts (slug, in_reply_to, published, summary) that answer a shown reply, by the
    slug of the thread they join."""
    threads = {slug: reply_keys(conversation) for slug, conversation in conversations.items()}
    return own_replies_in(threads, posts)


def reply_keys(conversation: ConversationFile) -> tuple[tuple[str, str | None], ...]:
    """The (id, url) of each shown reply: what our own posts may answer."""
    return tuple((item.id, item.url) for item in visible_replies(conversation))


def own_replies_in(
    threads: Mapping[str, Iterable[tuple[str, str | None]]],
    posts: Iterable[tuple[str, str | None, datetime, str]],
) -> dict[str, tuple[OwnReply, ...]]:
    """`own_replies_by_slug` from each thread's `reply_keys` alone."""
    where: dict[str, tuple[str, str]] = {}  # reply id or url -> (thread slug, reply id)
    for slug, keys in threads.items():
        for reply_id, url in keys:
            where[reply_id] = (slug, reply_id)
            if url:
                where.setdefault(url, (slug, reply_id))
    found: dict[str, list[OwnReply]] = {}
    for slug, in_reply_to, published, summary in posts:
        if in_reply_to in where:
            thread, parent = where[in_reply_to]
            found.setdefault(thread, []).append(OwnReply(slug, parent, published, summary))
    return {
        slug: tuple(sorted(r, key=lambda o: (o.published, o.slug))) for slug, r in found.items()
    }


def _own_id(reply: OwnReply) -> str:
    return f"own:{reply.slug}"


@dataclass
class _Node:
    """A reply or one of our posts, placed in the thread."""

    id: str
    when: datetime
    item: ConversationItem | None = None
    own: OwnReply | None = None
    children: list[_Node] = field(default_factory=list)

    def order(self) -> tuple[datetime, str]:
        return (self.when, self.id)


def _thread(conversation: ConversationFile, own: Sequence[OwnReply]) -> list[_Node]:
    """The top-level nodes, each with its children, every list oldest first."""
    nodes = {
        r.id: _Node(r.id, r.published or r.received, item=r) for r in visible_replies(conversation)
    }
    nodes.update({_own_id(o): _Node(_own_id(o), o.published, own=o) for o in own})
    roots: list[_Node] = []
    for key, parent in thread_parents(conversation, own).items():
        (nodes[parent].children if parent is not None else roots).append(nodes[key])
    for node in nodes.values():
        node.children.sort(key=_Node.order)
    return sorted(roots, key=_Node.order)


def _descendants(node: _Node) -> list[tuple[_Node, _Node]]:
    """Every (descendant, its parent) below `node`, oldest first."""
    found: list[tuple[_Node, _Node]] = []
    stack = [node]
    while stack:
        parent = stack.pop()
        found.extend((child, parent) for child in parent.children)
        stack.extend(parent.children)
    return sorted(found, key=lambda pair: pair[0].order())


def _media_url(urls: UrlScheme, file: str | None) -> str | None:
    """The site's copy of a file ("media/<name>"): never the remote URL."""
    return urls.conversation_media(file.removeprefix("media/")) if file else None


def _author_view(author: Author, urls: UrlScheme) -> dict[str, Any]:
    return {
        "name": author.name or author.handle or author.id,
        "handle": author.handle,
        "url": author.url or author.id,
        "avatar": _media_url(urls, author.avatar),
    }


def _anchor(key: str) -> str:
    """A stable HTML id for a reply (its URL is no valid fragment)."""
    return "reply-" + hashlib.blake2b(key.encode(), digest_size=6).hexdigest()


def _item_view(item: ConversationItem, urls: UrlScheme) -> dict[str, Any]:
    when = item.published or item.received
    images = [
        {"url": _media_url(urls, a.file), "alt": a.alt or "", "width": a.width, "height": a.height}
        for a in item.attachments
        if a.file
    ]
    return {
        "own": False,
        "anchor": _anchor(item.id),
        "author": _author_view(item.author, urls),
        "link": item.url or item.id,
        "published_iso": iso_date(when),
        "published_display": display_date(when),
        "lang": item.language,
        "summary": item.summary,
        "sensitive": item.sensitive,
        # Sanitized on arrival and again when the file was read (file_reader).
        "content": Markup(item.content or ""),  # noqa: S704
        "images": images,
    }


def _own_view(reply: OwnReply, urls: UrlScheme) -> dict[str, Any]:
    return {
        "own": True,
        "anchor": _anchor(_own_id(reply)),
        "lang": None,
        "link": urls.post_page(reply.slug),
        "published_iso": iso_date(reply.published),
        "published_display": display_date(reply.published),
        "summary_text": reply.summary,
    }


def _node_view(node: _Node, urls: UrlScheme, replying_to: str | None) -> dict[str, Any]:
    view = _item_view(node.item, urls) if node.item is not None else None
    if view is None:
        assert node.own is not None
        view = _own_view(node.own, urls)
    view["replying_to"] = replying_to
    view["children"] = []
    return view


def _name_of(node: _Node) -> str | None:
    if node.item is None:
        return None  # our own post: the template names the owner
    author = node.item.author
    return author.name or author.handle or author.id


def _level(nodes: Sequence[_Node], depth: int, urls: UrlScheme) -> list[dict[str, Any]]:
    """One level of the thread; at `MAX_DEPTH` the rest of each branch follows flat."""
    views = []
    for node in nodes:
        view = _node_view(node, urls, None)
        if depth < MAX_DEPTH:
            view["children"] = _level(node.children, depth + 1, urls)
            views.append(view)
            continue
        views.append(view)
        for child, parent in _descendants(node):
            views.append(_node_view(child, urls, _name_of(parent) or "the author"))
    return views


def _reactions(
    items: Sequence[ConversationItem], policy: ConversationPolicy, urls: UrlScheme
) -> dict[str, Any]:
    """A count (when shown) and the faces (when shown) of approved likes or boosts."""
    faces: dict[str, dict[str, Any]] = {}
    if policy.show_faces:
        for item in items:
            if item.author.avatar and item.author.id not in faces:
                faces[item.author.id] = _author_view(item.author, urls)
    return {"count": len(items) if policy.show_counts else None, "faces": list(faces.values())}


def conversation_view(
    conversation: ConversationFile | None,
    own: Sequence[OwnReply],
    policy: ConversationPolicy,
    urls: UrlScheme,
) -> dict[str, Any] | None:
    """The view of a post's conversation; None when nothing approved is left to show."""
    if conversation is None:
        return None
    likes = _reactions(_approved(conversation, "like"), policy, urls)
    boosts = _reactions(_approved(conversation, "boost"), policy, urls)
    thread = _level(_thread(conversation, own), 1, urls)
    shown = (likes["count"] or likes["faces"]) or (boosts["count"] or boosts["faces"])
    if not thread and not shown:
        return None
    return {
        "replies": thread,
        "reply_count": reply_count(conversation),
        "likes": likes,
        "boosts": boosts,
    }


def conversation_ids(
    slug: str,
    conversation: ConversationFile | None,
    own: Sequence[OwnReply],
    policy: ConversationPolicy,
    urls: UrlScheme,
) -> ConversationIds:
    """What the post's collections list: the direct replies (and our own posts of the
    thread), the whole thread, the approved counts."""
    if conversation is None:
        return ConversationIds(
            likes=0 if policy.show_counts else None, shares=0 if policy.show_counts else None
        )
    post_ids = {None, urls.post_object(slug), urls.post_page(slug)}
    parents = thread_parents(conversation, own)
    replies = sorted(visible_replies(conversation), key=lambda i: (i.published or i.received, i.id))
    direct = [i for i in replies if parents[i.id] is None and i.in_reply_to in post_ids]
    timed = [(i.published or i.received, i.id) for i in replies]
    timed += [(o.published, urls.post_object(o.slug)) for o in own]
    counts = policy.show_counts
    return ConversationIds(
        replies=(*(i.id for i in direct), *(urls.post_object(o.slug) for o in own)),
        thread=tuple(key for _when, key in sorted(timed)),
        likes=len(_approved(conversation, "like")) if counts else None,
        shares=len(_approved(conversation, "boost")) if counts else None,
    )
