"""The inbox, stage by stage (FEDERATION.md#inbox-rules): from raw request to a status, a reason
and, for an accepted activity, the typed event its handler returned.

`receive` spells the stages out; each either answers (an `InboxOutcome`) or hands a typed value
on:

1. authenticate (`inbox_authentication`): media type (415), a readable signature (401), blocked
   senders refused before any key fetch (403), the key (401, 503), the signature for one of
   our hosts (401), the JSON (400), the key's owner is the actor (401).
2. authorize: the actor's and its domain's request rate (429 with Retry-After, `rate_limits`),
   and the activity id scoped to the actor's origin for the idempotency record.
3. dispatch: what the handler needs besides the store (the owner's settings are read only for
   the types they steer).
4. store: ONE store transaction (`Store.receive_activity`): a blocked actor or domain gets 403
   and nothing is stored; an activity id seen before is 202 (FEDERATION.md#idempotent-inbox);
   else the handler runs and its effect and the activity id are committed together, then 202.
   A handler that needs a remote actor (a Follow's follower, a Move's target) rolls back, the
   actor is fetched, and the transaction runs again with it. If that fetch fails transiently
   the answer is 503 with Retry-After (the sender retries); permanently, 400 (403 for an address
   we refuse); nothing is stored either way.
5. settle: what must follow the commit (forget the keys of an actor that changed or left),
   then 202 with the event.

Verification always finishes before the answer (FEDERATION.md#verify-on-arrival). The size
limit (413) is enforced while reading the body, before stage 1 (`routes.inbox`).
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING, Any, NamedTuple

from site_function.activity_parsing import activity_type, first_id
from site_function.inbox_authentication import Authenticated, authenticate
from site_function.inbox_handlers import Handled, HandlerContext, NeedsActor, handle_activity
from site_function.inbox_outcome import (
    RETRY_AFTER_SECONDS,
    InboxOutcome,
    actor_fetch_failed,
    blocked,
)
from site_function.inbox_request import InboxRequest, is_activity_content_type, our_authorities
from site_function.remote_actors import same_origin
from site_function.runtime import FunctionRuntime
from site_function.store.base import InboxItem, InboxVerdict, RemoteActor, Store

if TYPE_CHECKING:
    from site_function.notifications.notifier import Notifier

__all__ = [
    "InboxOutcome",
    "InboxRequest",
    "is_activity_content_type",
    "our_authorities",
    "receive",
]

log = logging.getLogger("site_function.inbox")
_OWNER_DECIDES = frozenset({"Follow", "Move"})  # types whose handling the owner's settings steer
_DUPLICATE = InboxOutcome(202, "duplicate")
_RETRY = InboxOutcome(503, "retry", "try again later", retry_after=RETRY_AFTER_SECONDS)


class Admitted(NamedTuple):
    """An authenticated activity let in, with the id its idempotency record is kept under
    (a NamedTuple: one per request, built in C)."""

    activity: dict[str, Any]
    actor_id: str
    record_id: str | None


async def receive(runtime: FunctionRuntime, request: InboxRequest) -> InboxOutcome:
    """Run the inbox stages in order; see the module docstring."""
    # 1. authenticate: the signature, its key and host, the activity, signer == actor
    signed = await authenticate(runtime, request)
    if isinstance(signed, InboxOutcome):
        return signed
    # 2. authorize: rate limits; the activity id as this actor's
    admitted = authorize(runtime, signed)
    if isinstance(admitted, InboxOutcome):
        return admitted
    # 3. dispatch: the handler's context (the owner's settings only when they steer it)
    context = await dispatch_context(runtime, admitted)
    # 4. store: blocks, idempotency and the handler in one transaction
    handled = await store_activity(runtime, admitted, context)
    if isinstance(handled, InboxOutcome):
        return handled
    # 5. settle: after the commit
    return settle(runtime, admitted, handled)


def authorize(runtime: FunctionRuntime, signed: Authenticated) -> Admitted | InboxOutcome:
    """Verified, not yet stored: within the actor's and its domain's rate (`rate_limits`).
    Blocks are checked again inside the store transaction (`store_activity`)."""
    actor_id = signed.actor_id
    limited = runtime.rate_limits.admit(actor_id)
    if limited is not None:
        detail = f"too many requests from this {limited.scope}"
        return InboxOutcome(429, "rate_limited", detail, retry_after=limited.retry_after)
    record_id = first_id(signed.activity.get("id"))
    if record_id is not None and not same_origin(record_id, actor_id):
        # Ids are the sender's text: one naming another server's URL is remembered as this
        # actor's, so it cannot make that server's real activity look like a duplicate.
        record_id = f"{actor_id} {record_id}"
    return Admitted(signed.activity, actor_id, record_id)


async def dispatch_context(runtime: FunctionRuntime, admitted: Admitted) -> HandlerContext:
    """What the handler knows besides the store. The owner's settings as the build states them
    count until a publish stored them; only Follow and Move look at them, so a Like never
    waits for that read."""
    needs_owner = activity_type(admitted.activity) in _OWNER_DECIDES
    fallback = await runtime.owner_fallback() if needs_owner else None
    return HandlerContext(
        runtime.urls,
        fallback,
        runtime.clock(),
        limits=runtime.interaction_limits,
        stamp_key=runtime.stamp_key,
    )


async def store_activity(
    runtime: FunctionRuntime, admitted: Admitted, context: HandlerContext
) -> Handled | InboxOutcome:
    """The handler's effect and the activity id committed together, or the answer why not.
    A handler that needs a remote actor gets one more run, with the actor fetched."""
    result = await _run_transaction(runtime, admitted, context, None)
    if isinstance(result, NeedsActor):
        lookup = await runtime.fetch_actor(result.actor_id)
        if lookup.actor is None:
            return actor_fetch_failed(lookup)
        again = context._replace(fetched=lookup.actor, fetch_tried=True)
        result = await _run_transaction(runtime, admitted, again, lookup.actor)
    if isinstance(result, Handled):
        return result
    if result is InboxVerdict.BLOCKED:
        return blocked()
    if result is InboxVerdict.DUPLICATE:
        return _DUPLICATE
    return _RETRY  # the target changed between two fetches: the sender retries


async def _run_transaction(
    runtime: FunctionRuntime,
    admitted: Admitted,
    context: HandlerContext,
    fetched: RemoteActor | None,
) -> Handled | NeedsActor | InboxVerdict:
    handle = functools.partial(
        _run_handler, context, admitted.activity, admitted.actor_id, fetched, runtime.notifier
    )
    item = InboxItem(admitted.actor_id, admitted.record_id, context.now, handle)
    result: Handled | NeedsActor | InboxVerdict = await runtime.receive_activity(item)
    return result


def _run_handler(
    context: HandlerContext,
    activity: dict[str, Any],
    actor_id: str,
    fetched: RemoteActor | None,
    notifier: Notifier | None,
    store: Store,
) -> tuple[Handled | NeedsActor, bool]:
    """The handler inside `Store.receive_activity`: keep its effect only when it is done.
    The owner's notice of the event is queued in the same transaction: committed with the
    event or not at all, sent later by the drain (never while the sender waits)."""
    if fetched is not None:
        store.save_actor(fetched)  # the fetched copy is cached in the same transaction
    result = handle_activity(store, context, activity, actor_id)
    if not isinstance(result, Handled):
        return result, False
    if notifier is not None and notifier.queue_event(store, result.event, context.now):
        result = result._replace(queued=True)  # wake the drainer
    return result, True


def settle(runtime: FunctionRuntime, admitted: Admitted, handled: Handled) -> InboxOutcome:
    """After the commit: forget the cached keys of an actor that changed or left, log the
    event, and answer 202 with it."""
    if handled.forget_keys_of is not None:
        runtime.keys.forget_owner(handled.forget_keys_of)
    event = handled.event
    if log.isEnabledFor(logging.DEBUG):
        log.debug(
            "inbox %s from %s: %s %s",
            activity_type(admitted.activity),
            admitted.actor_id,
            type(event).__name__,
            event.describe(),
        )
    # Every field by position (status, reason, detail, queued, retry_after, event): the
    # record's quickest construction, on every accepted request.
    return InboxOutcome(202, "accepted", event.describe(), handled.queued, None, event)
