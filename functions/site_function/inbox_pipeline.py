"""The inbox, stage by stage (FEDERATION.md#inbox-rules): from raw request to a status and a reason.

The order is the contract; each stage either answers or hands on:

1. Content-Type must be ActivityPub JSON (415; GoToSocial answers 406, 415 is the HTTP
   status that names the problem).
2. A signature must be present and readable, its keyId an http(s) URL (401).
3. A keyId on a blocked domain, or a body whose actor is blocked, is refused before any
   fetch (403, nothing stored, no outgoing request).
4. Delete{actor == object} of an actor we never knew: 202 without a key fetch
   (FEDERATION.md#unknown-actor-delete).
5. The key: in-process cache, store, then a signed fetch (FEDERATION.md#key-resolution);
   failure is 401.
6. Verify (FEDERATION.md#inbox-rules); after BAD_SIGNATURE with a key we had cached, refetch
   it once, rate-limited (FEDERATION.md#key-refetch). The signed host must be ours
   (`our_authorities`): a request signed for another server is a replay. Any failure is 401
   with the reason.
7. Parse the JSON (400: invalid, too deep, no type or actor).
8. The key's owner must be the activity's actor (401, FEDERATION.md#key-owner-is-actor); then
   the actor's and its domain's request rate (429 with Retry-After, `rate_limits`).
9-10. ONE store transaction (`Store.receive_activity`): a blocked actor or domain gets 403 and
   nothing is stored; an activity id seen before is 202 (FEDERATION.md#idempotent-inbox); else the
   handler runs and its effect and the activity id are committed together, then 202. A handler that
   needs a remote actor (a Follow's follower, a Move's target) rolls back, the actor is fetched, and
   the transaction runs again with it. If that fetch fails transiently the answer is 503 with
   Retry-After (the sender retries); permanently, 400 (403 for an address we refuse); nothing is
   stored either way. Verification always finishes before the answer
   (FEDERATION.md#verify-on-arrival).

The size limit (413) is enforced while reading the body, before stage 1.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from site_function.activity_parsing import ParseFailure, activity_type, first_id, parse_activity
from site_function.actor_lookup import ActorLookup
from site_function.inbox_handlers import Handled, HandlerContext, NeedsActor, handle_activity
from site_function.key_resolver import KeyFailure, ResolvedKey
from site_function.remote_actors import same_origin
from site_function.runtime import FunctionRuntime
from site_function.settings import Settings
from site_function.store.base import InboxItem, RemoteActor, Store
from site_gen.federation.ids import is_http_url

__all__ = [
    "InboxOutcome",
    "InboxRequest",
    "is_activity_content_type",
    "our_authorities",
    "receive",
]

log = logging.getLogger("site_function.inbox")
_AS_PROFILE = "https://www.w3.org/ns/activitystreams"
RETRY_AFTER_SECONDS = 60
_OWNER_DECIDES = frozenset({"Follow", "Move"})  # types whose handling the owner's settings steer


@dataclass(frozen=True)
class InboxRequest:
    """A POST as it arrived: raw path and query, lowercase headers, exact body bytes."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes
    scheme: str = "https"
    # The hosts (with port) a signature may name; None: those of the settings (`our_authorities`).
    authorities: frozenset[str] | None = None


@dataclass(frozen=True)
class InboxOutcome:
    """The answer: an HTTP status and a short machine reason (plus a human detail)."""

    status: int
    reason: str
    detail: str = ""
    queued: bool = False
    retry_after: int | None = None


def our_authorities(settings: Settings) -> frozenset[str]:
    """The hosts this function answers as: its public base (a rewriting proxy's, when set), the
    function's URL and the site's. A signature naming any other host was made for another server."""
    urls = (settings.public_base, settings.urls.fn, settings.base_url)
    return frozenset(urlsplit(url).netloc for url in urls if url)


def is_activity_content_type(value: str) -> bool:
    """activity+json, or ld+json with the ActivityStreams profile (FEDERATION.md#activity-json)."""
    media, _, params = value.partition(";")
    media = media.strip().lower()
    if media == "application/activity+json":
        return True
    return media == "application/ld+json" and _AS_PROFILE in params


def _stale_actor_delete(document: dict[str, Any] | ParseFailure) -> str | None:
    """The actor of a self-Delete (an account deletion), else None; read before verifying."""
    if isinstance(document, ParseFailure) or activity_type(document) != "Delete":
        return None
    actor = first_id(document.get("actor"))
    return actor if actor is not None and first_id(document.get("object")) == actor else None


def _blocked() -> InboxOutcome:
    return InboxOutcome(403, "blocked", "this server does not accept your activities")


def _any_blocked(store: Store, key_id: str, actor_id: str | None) -> bool:
    """Stage 3 in one store call: the keyId's account or domain, or the claimed actor's."""
    return store.is_blocked(key_id) or (actor_id is not None and store.is_blocked(actor_id))


def _run_handler(
    context: HandlerContext,
    activity: dict[str, Any],
    actor_id: str,
    fetched: RemoteActor | None,
    store: Store,
) -> tuple[Handled | NeedsActor, bool]:
    """The handler inside `Store.receive_activity`: keep its effect only when it is done."""
    if fetched is not None:
        store.save_actor(fetched)  # the fetched copy is cached in the same transaction
    result = handle_activity(store, context, activity, actor_id)
    return result, isinstance(result, Handled)


def _fetch_failed(lookup: ActorLookup) -> InboxOutcome:
    """Nothing was stored: a transient failure asks the sender to retry (5xx is retried by
    Mastodon, GoToSocial and others); a permanent one says why with a 4xx."""
    if lookup.failure == "transient":
        return InboxOutcome(
            503, "actor_unavailable", lookup.detail, retry_after=RETRY_AFTER_SECONDS
        )
    if lookup.failure == "refused":
        return InboxOutcome(403, "actor_refused", lookup.detail)
    return InboxOutcome(400, "actor_unusable", lookup.detail)


async def _is_unknown(runtime: FunctionRuntime, actor_id: str, key_id: str) -> bool:
    store = runtime.store

    def unknown() -> bool:
        return store.get_actor(actor_id) is None and store.get_key(key_id) is None

    return runtime.keys.cached(key_id) is None and await runtime.call(unknown)


async def _verify(runtime: FunctionRuntime, request: InboxRequest, signature: Any, key: Any) -> Any:
    from site_gen.federation.signatures import verify_request

    target_uri = None
    base = runtime.settings.public_base
    if base:
        query = f"?{request.query}" if request.query else ""
        target_uri = f"{base.rstrip('/')}{request.path}{query}"
    return verify_request(
        request.method,
        request.path,
        request.query,
        request.headers,
        request.body,
        key.public_key,
        runtime.clock(),
        signature=signature,
        scheme=request.scheme,
        target_uri=target_uri,
        expected_authorities=(
            request.authorities
            if request.authorities is not None
            else our_authorities(runtime.settings)
        ),
    )


async def receive(runtime: FunctionRuntime, request: InboxRequest) -> InboxOutcome:
    """Run the inbox stages in order; see the module docstring."""
    from site_gen.federation.signatures import (
        BAD_SIGNATURE,
        VerificationFailure,
        parse_signature,
    )

    # 1. media type
    if not is_activity_content_type(request.headers.get("content-type", "")):
        return InboxOutcome(415, "unsupported_media_type", "send application/activity+json")
    # 2. a signature we can read
    signature = parse_signature(request.method, request.path, request.query, request.headers)
    if isinstance(signature, VerificationFailure):
        return InboxOutcome(401, signature.reason, signature.detail)
    key_id = signature.key_id
    if not is_http_url(key_id):  # refused before it meets the store or the network
        return InboxOutcome(401, "bad_key_id", "keyId must be an http(s) URL")
    store = runtime.store
    cached = runtime.keys.cached(key_id)
    early: dict[str, Any] | ParseFailure | None = None
    key: ResolvedKey
    if cached is None:
        # 3. blocked domains and actors get nothing, not even a fetch of a key
        early = parse_activity(request.body)
        claimed = None if isinstance(early, ParseFailure) else first_id(early.get("actor"))
        if await runtime.call(_any_blocked, store, key_id, claimed):
            return _blocked()
        # 4. an account deletion from someone we never knew: nothing to verify it against
        deleted = _stale_actor_delete(early)
        if deleted is not None and await _is_unknown(runtime, deleted, key_id):
            return InboxOutcome(202, "unknown_actor_deleted")
        # 5. the key
        resolved = await runtime.keys.resolve(key_id)
        if isinstance(resolved, KeyFailure):
            if resolved.transient:
                return InboxOutcome(
                    503, "key_unavailable", resolved.detail, retry_after=RETRY_AFTER_SECONDS
                )
            return InboxOutcome(401, resolved.reason, resolved.detail)
        key, fresh = resolved, True
    else:
        key, fresh = cached, False
    # 6. verify, refetching a cached key once after a bad signature (rotation)
    verified = await _verify(runtime, request, signature, key)
    if (
        isinstance(verified, VerificationFailure)
        and verified.reason == BAD_SIGNATURE
        and not fresh
        and runtime.keys.may_refetch(key_id)
    ):
        if await runtime.call(_any_blocked, store, key_id, None):
            return _blocked()  # a refetch is a key fetch too: never towards a blocked domain
        refetched = await runtime.keys.refetch(key_id)
        if not isinstance(refetched, KeyFailure):
            key = refetched
            verified = await _verify(runtime, request, signature, key)
    if isinstance(verified, VerificationFailure):
        return InboxOutcome(401, verified.reason, verified.detail)
    # 7. the activity
    activity = early if early is not None else parse_activity(request.body)
    if isinstance(activity, ParseFailure):
        return InboxOutcome(400, "malformed_activity", activity.detail)
    # 8. the signer speaks only for itself
    actor_id = first_id(activity.get("actor"))
    if actor_id is None or actor_id != key.owner:
        return InboxOutcome(401, "actor_mismatch", "the key's owner is not the activity's actor")
    # 8b. verified, not yet stored: the actor's and its domain's rate (`rate_limits`)
    limited = runtime.rate_limits.admit(actor_id)
    if limited is not None:
        detail = f"too many requests from this {limited.scope}"
        return InboxOutcome(429, "rate_limited", detail, retry_after=limited.retry_after)
    # 9-10. blocks, idempotency (FEDERATION.md#idempotent-inbox) and the handler: one store
    # transaction
    activity_id = first_id(activity.get("id"))
    if activity_id is not None and not same_origin(activity_id, actor_id):
        # Ids are the sender's text: one naming another server's URL is remembered as this
        # actor's, so it cannot make that server's real activity look like a duplicate.
        activity_id = f"{actor_id} {activity_id}"
    # The owner's settings as the build states them count until a publish stored them; only
    # Follow and Move look at them, so a Like never waits for that read.
    needs_owner = activity_type(activity) in _OWNER_DECIDES
    fallback = await runtime.owner_fallback() if needs_owner else None
    context = HandlerContext(
        runtime.urls, fallback, runtime.clock(), limits=runtime.interaction_limits
    )
    handle = functools.partial(_run_handler, context, activity, actor_id, None)
    result = await runtime.receive_activity(InboxItem(actor_id, activity_id, context.now, handle))
    if isinstance(result, NeedsActor):
        lookup = await runtime.fetch_actor(result.actor_id)
        if lookup.actor is None:
            return _fetch_failed(lookup)
        again = replace(context, fetched=lookup.actor, fetch_tried=True)
        handle = functools.partial(_run_handler, again, activity, actor_id, lookup.actor)
        result = await runtime.receive_activity(InboxItem(actor_id, activity_id, again.now, handle))
    if result == "blocked":
        return _blocked()
    if result == "duplicate":
        return InboxOutcome(202, "duplicate")
    if not isinstance(result, Handled):  # the target changed between two fetches: retry
        return InboxOutcome(503, "retry", "try again later", retry_after=RETRY_AFTER_SECONDS)
    if result.forget_keys_of is not None:
        runtime.keys.forget_owner(result.forget_keys_of)
    log.debug("inbox %s from %s: %s", activity_type(activity), actor_id, result.note)
    return InboxOutcome(202, "accepted", result.note, queued=result.queued)
