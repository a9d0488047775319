"""`site-gen conversations pull`: mirror the function's interactions into the data files.

A stateless, resumable mirror. One `conversation_index()` call, compared with pulled.json,
says what is new or changed (fetched in batches of `ITEMS_BATCH`) and what the function no
longer lists (deleted or undone by the author, or blocked by the owner: removed from the
files). Only the files of the posts concerned are read and rewritten; a pull that finds
nothing changed writes nothing. The order of the writes makes a crash harmless: media first,
then each data file, then the unused media go, and pulled.json last; a pull after a crash
redoes the same work and reaches the same files, with no duplicate.

Status is merged three ways, the base being the state pulled.json recorded: a file whose
`status:` differs from it holds the owner's decision, not yet pushed, and keeps it;
otherwise the function's state wins.

With a `propose` policy (the workflow's pull request: merging it is the approval), a new item
the function holds as pending is written `approved` unless the owner's hold words or hold
domains keep it back; pulled.json still records `pending`, so it is the owner's decision
(sent by `push` once merged), and one edited to `rejected` in the pull request is refused.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from site_core.publish.owner_settings import ReviewPolicy
from site_core.review_holds import holds, reply_text
from site_core.urls import UrlScheme
from site_gen.conversations.data_files import (
    ConversationFile,
    ConversationItem,
    Status,
    conversation_path,
    load_conversation_file,
    write_conversation_file,
)
from site_gen.conversations.item_mapping import (
    item_from_full,
    kind_of,
    media_wanted,
    post_slug,
    status_of,
)
from site_gen.conversations.pull_media import (
    MediaOutcome,
    MediaSettings,
    collect_unused_media,
    copy_media,
)
from site_gen.conversations.pulled_state import PulledItem, PulledState, load_pulled, save_pulled
from site_gen.conversations.sync_report import PullReport

__all__ = ["ITEMS_BATCH", "ConversationSource", "MediaSettings", "pull_conversations"]

ITEMS_BATCH = 500
log = logging.getLogger(__name__)


class ConversationSource(Protocol):
    """Where the interactions come from: the owner controls (admin API or a database)."""

    def conversation_index(self) -> list[dict[str, Any]]: ...
    def conversation_items(self, ids: list[str]) -> list[dict[str, Any]]: ...


@dataclass
class _Pull:
    """One pull's working set: the record being updated and the files being merged."""

    site_dir: Path
    urls: UrlScheme
    pulled: PulledState
    report: PullReport
    files: dict[str, dict[str, ConversationItem]] = field(default_factory=dict)
    known: dict[str, ConversationItem] = field(default_factory=dict)
    placed: dict[str, tuple[str, ConversationItem]] = field(default_factory=dict)
    dropped: set[str] = field(default_factory=set)
    propose: ReviewPolicy | None = None

    def load(self, slugs: Iterable[str]) -> None:
        """Read the files of these posts once (absent file: no items yet)."""
        for slug in sorted(set(slugs) - set(self.files)):
            path = conversation_path(self.site_dir, slug)
            items = load_conversation_file(path).items if path.is_file() else ()
            self.files[slug] = {item.id: item for item in items}
            self.known.update(self.files[slug])

    def in_files(self, item_id: str) -> ConversationItem | None:
        return self.known.get(item_id)


def _changed_ids(index: dict[str, dict[str, Any]], pulled: PulledState) -> list[str]:
    """Ids the function lists with another version than recorded, or never recorded, or
    whose media copy failed last time for a reason that may pass."""
    changed = []
    for item_id, row in index.items():
        seen = pulled.items.get(item_id)
        if seen is None or seen.version != str(row.get("version")) or seen.retry:
            changed.append(item_id)
    return sorted(changed)


def _fetch(source: ConversationSource, ids: list[str]) -> list[dict[str, Any]]:
    fulls: list[dict[str, Any]] = []
    for start in range(0, len(ids), ITEMS_BATCH):
        fulls += source.conversation_items(ids[start : start + ITEMS_BATCH])
    return fulls


def _proposed(pull: _Pull, full: dict[str, Any], function_state: Status) -> Status:
    """A new pending item as the pull request proposes it (see the module docstring)."""
    if pull.propose is None or function_state != "pending":
        return function_state
    author = full.get("author")
    actor = str(author.get("id", "")) if isinstance(author, dict) else ""
    record = full.get("object")
    text = reply_text(record) if isinstance(record, dict) else ""
    return "pending" if holds(pull.propose, actor, text) else "approved"


def _status(pull: _Pull, full: dict[str, Any], function_state: Status) -> Status:
    """The three-way merge (see the module docstring)."""
    item_id = str(full["id"])
    seen = pull.pulled.items.get(item_id)
    in_file = pull.in_files(item_id)
    if seen is None:
        return _proposed(pull, full, function_state)
    if in_file is not None and in_file.status != seen.state:
        return in_file.status
    return function_state


def _place(pull: _Pull, full: dict[str, Any], media: MediaOutcome) -> None:
    """Map one fetched item into its post's file and record it (or skip it, recorded, when
    its post is not one of ours, so it is not fetched again while it stays the same)."""
    item_id, state = str(full["id"]), status_of(full.get("state"))
    kind, slug = kind_of(full.get("kind")), post_slug(pull.urls, str(full.get("post", "")))
    version = str(full.get("version"))
    if kind is None or slug is None:
        log.warning("%s is not on one of our posts (%s): skipped", item_id, full.get("post"))
        pull.report.skipped.append(item_id)
        pull.pulled.items[item_id] = PulledItem(None, version, state)
        return
    item = item_from_full(full, kind, _status(pull, full, state), media.lookup)
    wanted = list(media_wanted(full))
    used = sorted({r.file for key in wanted if (r := media.usable.get(key)) and r.file})
    retry = any(key in media.transient for key in wanted)
    changes = pull.report.post(slug)
    if item_id not in pull.pulled.items:
        changes.new[kind] += 1
    elif pull.in_files(item_id) != item:
        changes.updated += 1
    pull.placed[item_id] = (slug, item)
    pull.pulled.items[item_id] = PulledItem(slug, version, state, tuple(used), retry)


def _write_files(pull: _Pull) -> None:
    """Each concerned post's file: its items less the dropped and re-placed, plus the placed."""
    by_post: dict[str, list[ConversationItem]] = {slug: [] for slug in pull.files}
    for slug, item in pull.placed.values():
        by_post[slug].append(item)
    for slug in sorted(by_post):
        kept = [item for item_id, item in pull.files[slug].items()
                if item_id not in pull.dropped and item_id not in pull.placed]  # fmt: skip
        conversation = ConversationFile(slug, tuple(kept + by_post[slug]))
        if write_conversation_file(pull.site_dir, conversation):
            pull.report.files_written.append(f"{slug}.yaml")


def _remove(pull: _Pull, gone: list[str]) -> None:
    """Forget what the function no longer lists; count those that were in a file."""
    for item_id in gone:
        seen = pull.pulled.items.pop(item_id)
        pull.dropped.add(item_id)
        if seen.post is not None and item_id in pull.files.get(seen.post, {}):
            pull.report.post(seen.post).removed += 1


def pull_conversations(
    site_dir: Path, urls: UrlScheme, source: ConversationSource, settings: MediaSettings,
    *, propose: ReviewPolicy | None = None,
) -> PullReport:  # fmt: skip
    """Bring the data files up to date with the function; what changed. With `propose`, new
    pending items not held by its words or domains are written approved (a pull request)."""
    pulled = load_pulled(site_dir)
    index = {str(row["id"]): row for row in source.conversation_index()}
    report = PullReport(items=len(index))
    changed, gone = _changed_ids(index, pulled), sorted(set(pulled.items) - set(index))
    if not changed and not gone:
        return report
    fulls = [full for full in _fetch(source, changed) if str(full.get("id")) in index]
    # Listed by the index but not returned in full (deleted or blocked in between): gone too.
    returned = {str(full["id"]) for full in fulls}
    gone += [item_id for item_id in changed if item_id not in returned and item_id in pulled.items]
    pull = _Pull(site_dir, urls, pulled, report, propose=propose)
    slugs = {post_slug(urls, str(full.get("post", ""))) for full in fulls}
    seen_posts = {pulled.items[i].post for i in [*changed, *gone] if i in pulled.items}
    pull.load(slug for slug in slugs | seen_posts if slug is not None)
    wanted = [key for full in fulls if post_slug(urls, str(full.get("post", ""))) is not None
              for key in media_wanted(full)]  # fmt: skip
    media = copy_media(site_dir, settings, wanted, pulled)
    report.media_copied, report.media_refused = media.copied, media.refused
    _remove(pull, sorted(set(gone)))
    for full in fulls:
        _place(pull, full, media)
    _write_files(pull)
    report.media_deleted = collect_unused_media(site_dir, pulled)
    if save_pulled(site_dir, pulled):  # last: a crash before it makes the next pull redo this
        report.files_written.append("pulled.json")
    return report
