"""A `Collection-Synchronization` header on a delivery to us: FEP-8fcf's receiving end.

The header speaks of the SENDER's followers collection: which accounts of ours follow the
sender, in the sender's view. A site is one person who follows nobody, so our view is always
the empty set (digest `EMPTY_DIGEST`). When the sender's digest differs, it believes our actor
follows it (a follow left over from earlier software on this domain, or a lost `Undo`) and
keeps sending us what its followers see. As the FEP says, we then fetch the partial collection
it names (signed GET) and, if it lists our actor, send `Undo{Follow}` so it stops; we never
adopt a follow. Checks before any fetch (FEDERATION.md#follower-sync): the header is covered by
a valid signature, its `collectionId` is the signer's own `followers`, its `url` is on the
signer's origin, and one sender is fetched at most once per `RECHECK_SECONDS`.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from site_core.follower_sync import EMPTY_DIGEST, HEADER, authority_of, parse_header
from site_core.serialize import serialize
from site_function.inbox_outcome import InboxOutcome
from site_function.inbox_request import InboxRequest
from site_function.runtime import FunctionRuntime
from site_function.signed_requests import Signer, signer_of
from site_function.store.base import NewDelivery

__all__ = ["RECHECK_SECONDS", "SyncCheck", "check_collection_sync", "wants_check"]

log = logging.getLogger("site_function.follower_sync")
RECHECK_SECONDS = 3600.0
_NAME = HEADER.lower()
_AS = "https://www.w3.org/ns/activitystreams"
_checked: OrderedDict[str, float] = OrderedDict()  # sender -> monotonic time of the last fetch


@dataclass(frozen=True)
class SyncCheck:
    """What the check came to (`outcome`), for logs and tests."""

    outcome: str
    sender: str | None = None


def wants_check(outcome: object, request: InboxRequest) -> bool:
    """Only an accepted delivery that carries the header is looked at."""
    return (
        isinstance(outcome, InboxOutcome)
        and outcome.status == 202
        and outcome.reason != "unknown_actor_deleted"  # answered without a verified signature
        and _NAME in request.headers
    )


async def check_collection_sync(runtime: FunctionRuntime, request: InboxRequest) -> SyncCheck:
    """Verify the header and repair the sender's view if it lists us (module docstring)."""
    header = parse_header(request.headers.get(_NAME, ""))
    if header is None:
        return SyncCheck("malformed")
    signer = await signer_of(runtime, request)
    if not isinstance(signer, Signer) or _NAME not in signer.covered:
        return SyncCheck("unsigned")  # FEP-8fcf: only a signed header counts
    sender = signer.owner
    actor = await runtime.actor(sender)
    if actor is None or actor.document.get("followers") != header.collection_id:
        return SyncCheck("not_their_followers", sender)
    if authority_of(header.url) != authority_of(sender):
        return SyncCheck("foreign_url", sender)
    if header.digest == EMPTY_DIGEST:
        return SyncCheck("in_sync", sender)
    if not _may_fetch(sender):
        return SyncCheck("checked_recently", sender)
    listed = await _partial_items(runtime, header.url)
    if listed is None:
        return SyncCheck("unreadable", sender)
    if runtime.urls.actor not in listed:
        return SyncCheck("not_listed", sender)
    await _queue_undo_follow(runtime, sender, actor.inbox)
    log.info("follower sync: %s lists us as a follower; Undo{Follow} queued", sender)
    return SyncCheck("undo_queued", sender)


def _may_fetch(sender: str) -> bool:
    now = time.monotonic()
    last = _checked.get(sender)
    if last is not None and now - last < RECHECK_SECONDS:
        return False
    _checked[sender] = now
    _checked.move_to_end(sender)
    while len(_checked) > 10_000:
        _checked.popitem(last=False)
    return True


async def _partial_items(runtime: FunctionRuntime, url: str) -> set[str] | None:
    """The ids of the partial collection (inline, or its `first` page on the same origin)."""
    result = await runtime.fetch(url)
    document = result.document if result.ok else None
    if isinstance(document, dict) and "orderedItems" not in document and "items" not in document:
        first = document.get("first")
        if isinstance(first, str) and authority_of(first) == authority_of(url):
            page = await runtime.fetch(first)
            document = page.document if page.ok else None
        elif isinstance(first, dict):
            document = first
    if not isinstance(document, dict):
        return None
    items: Any = document.get("orderedItems", document.get("items"))
    if not isinstance(items, list):
        return None
    return {item if isinstance(item, str) else str(item.get("id")) for item in items if item}


async def _queue_undo_follow(runtime: FunctionRuntime, sender: str, inbox: str) -> None:
    """`Undo{Follow}` of `sender` by our actor; the Follow has no id we know, so it is named by
    actor and object, which is how Mastodon matches it."""
    urls, now = runtime.urls, runtime.clock()
    tag = hashlib.sha256(f"{sender}|{now.isoformat()}".encode()).hexdigest()[:16]
    undo_id = urls.function_activity(f"undo-follow-{tag}")
    undo: dict[str, Any] = {
        "@context": _AS,
        "id": undo_id,
        "type": "Undo",
        "actor": urls.actor,
        "to": [sender],
        "object": {"type": "Follow", "actor": urls.actor, "object": sender},
    }
    delivery = NewDelivery(undo_id, inbox, serialize(undo))
    await runtime.call(runtime.store.enqueue, [delivery], now)
    runtime.kick_drain()
