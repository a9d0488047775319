"""The inbox's first stage: who signed this request, and does the activity speak for them.

In order (the order is the contract, FEDERATION.md#inbox-rules):

1. Content-Type must be ActivityPub JSON (415; GoToSocial answers 406, 415 is the HTTP status
   that names the problem).
2. A signature must be present and readable, its keyId an http(s) URL (401).
3. Before any key fetch: a keyId on a blocked domain, or a body whose actor is blocked, is
   refused (403, nothing stored, no outgoing request); a Delete{actor == object} of an actor
   we never knew is answered 202 without a fetch (FEDERATION.md#unknown-actor-delete).
4. The key: in-process cache, store, then a signed fetch (FEDERATION.md#key-resolution);
   failure is 401, or 503 with Retry-After when the key's server failed only for now.
5. Verify; after BAD_SIGNATURE with a key we had cached, refetch it once, rate-limited
   (FEDERATION.md#key-refetch). The signed host must be ours (`our_authorities`): a request
   signed for another server is a replay. Any failure is 401 with the reason.
6. Parse the JSON (400: invalid, too deep, no type or actor); the key's owner must be the
   activity's actor (401, FEDERATION.md#key-owner-is-actor), unless another server relays it:
   then neither the signer's key nor the actor may be blocked (403, before any fetch), and the
   activity must carry the actor's own integrity proof (`inbox_proofs`,
   FEDERATION.md#integrity-proofs), else 401 `actor_mismatch` saying why.

The common case (a key in the in-process cache, signed by the actor) does no store read here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from site_core.ids import is_http_url
from site_function.activity_parsing import ParseFailure, activity_type, first_id, parse_activity
from site_function.inbox_outcome import RETRY_AFTER_SECONDS, InboxOutcome, blocked
from site_function.inbox_proofs import refuse_relayed, verify_relayed
from site_function.inbox_request import (
    InboxRequest,
    is_activity_content_type,
    signature_code,
    verify_received,
)
from site_function.key_resolver import KeyFailure, ResolvedKey
from site_function.runtime import FunctionRuntime
from site_function.store.base import Store

if TYPE_CHECKING:
    from site_core.signatures import SignatureInput, VerificationFailure, VerifiedSignature

__all__ = ["Authenticated", "authenticate"]

Parsed = dict[str, Any] | ParseFailure


@dataclass(frozen=True)
class Authenticated:
    """A verified activity whose actor holds the key that signed it."""

    activity: dict[str, Any]
    actor_id: str


async def authenticate(
    runtime: FunctionRuntime, request: InboxRequest
) -> Authenticated | InboxOutcome:
    """Stages 1-6 of the module docstring: the verified activity, or the answer that ends it."""
    signature = _read_signature(request)
    if isinstance(signature, InboxOutcome):
        return signature
    early: Parsed | None = None  # the body, parsed only when a key must be found first
    key = runtime.keys.cached(signature.key_id)
    fresh = key is None
    if key is None:
        early = parse_activity(request.body)
        found = await _find_key(runtime, signature.key_id, early)
        if isinstance(found, InboxOutcome):
            return found
        key = found
    verified = await _verify_with_refetch(runtime, request, signature, key, fresh)
    if isinstance(verified, InboxOutcome):
        return verified
    # 6. the activity; its actor signed it (the common case), or another server relays it
    activity = early if early is not None else parse_activity(request.body)
    if isinstance(activity, ParseFailure):
        return InboxOutcome(400, "malformed_activity", activity.detail)
    actor_id = first_id(activity.get("actor"))
    if actor_id is not None and actor_id == verified.owner:
        return Authenticated(activity, actor_id)
    return await _relayed(runtime, activity, actor_id, verified)


def _read_signature(request: InboxRequest) -> SignatureInput | InboxOutcome:
    """Stages 1-2: an ActivityPub body with a readable signature naming an http(s) keyId."""
    if not is_activity_content_type(request.headers.get("content-type", "")):
        return InboxOutcome(415, "unsupported_media_type", "send application/activity+json")
    code = signature_code()
    signature = code.parse_signature(request.method, request.path, request.query, request.headers)
    if isinstance(signature, code.failure):
        return InboxOutcome(401, signature.reason, signature.detail)
    if not is_http_url(signature.key_id):  # refused before it meets the store or the network
        return InboxOutcome(401, "bad_key_id", "keyId must be an http(s) URL")
    return signature


async def _find_key(
    runtime: FunctionRuntime, key_id: str, early: Parsed
) -> ResolvedKey | InboxOutcome:
    """Stages 3-4 for a key not in the in-process cache."""
    claimed = None if isinstance(early, ParseFailure) else first_id(early.get("actor"))
    # Blocked domains and actors get nothing, not even a fetch of a key.
    if await runtime.call(_any_blocked, runtime.store, key_id, claimed):
        return blocked()
    # An account deletion from someone we never knew: nothing to verify it against.
    deleted = _self_delete_actor(early)
    if deleted is not None and await _is_unknown(runtime, deleted, key_id):
        return InboxOutcome(202, "unknown_actor_deleted")
    resolved = await runtime.keys.resolve(key_id)
    if not isinstance(resolved, KeyFailure):
        return resolved
    if resolved.transient:
        return InboxOutcome(
            503, "key_unavailable", resolved.detail, retry_after=RETRY_AFTER_SECONDS
        )
    return InboxOutcome(401, resolved.reason, resolved.detail)


async def _verify_with_refetch(
    runtime: FunctionRuntime,
    request: InboxRequest,
    signature: SignatureInput,
    key: ResolvedKey,
    fresh: bool,
) -> ResolvedKey | InboxOutcome:
    """Stage 5: the key that verified the signature, refetched once if a cached one failed
    (the sender may have rotated it)."""
    failure = signature_code().failure
    verified = _verify(runtime, request, signature, key)
    key_id = signature.key_id
    if (
        isinstance(verified, failure)
        and verified.reason == signature_code().bad_signature
        and not fresh
        and runtime.keys.may_refetch(key_id)
    ):
        if await runtime.call(_any_blocked, runtime.store, key_id, None):
            return blocked()  # a refetch is a key fetch too: never towards a blocked domain
        refetched = await runtime.keys.refetch(key_id)
        if not isinstance(refetched, KeyFailure):
            key = refetched
            verified = _verify(runtime, request, signature, key)
    if isinstance(verified, failure):
        return InboxOutcome(401, verified.reason, verified.detail)
    return key


async def _relayed(
    runtime: FunctionRuntime, activity: dict[str, Any], actor_id: str | None, signer: ResolvedKey
) -> Authenticated | InboxOutcome:
    """Stage 6 when the signer is not the actor: the signer speaks only for itself, so the
    activity counts as its actor's only on the actor's own proof (`inbox_proofs`)."""
    if actor_id is None:
        return refuse_relayed("the activity names no actor")
    # Checked here too: a cached signer key skipped stage 3, and nothing is fetched for a
    # blocked actor, whoever relays it.
    if await runtime.call(_any_blocked, runtime.store, signer.key_id, actor_id):
        return blocked()
    refused = await verify_relayed(runtime, activity, actor_id)
    return refused if refused is not None else Authenticated(activity, actor_id)


def _verify(
    runtime: FunctionRuntime, request: InboxRequest, signature: SignatureInput, key: ResolvedKey
) -> VerifiedSignature | VerificationFailure:
    """The signature checked against `key`, for the URL and hosts the sender could have used."""
    return verify_received(runtime.settings, request, signature, key.public_key, runtime.clock())


def _any_blocked(store: Store, key_id: str, actor_id: str | None) -> bool:
    """The keyId's account or domain, or the claimed actor's, in one store call."""
    return store.is_blocked(key_id) or (actor_id is not None and store.is_blocked(actor_id))


def _self_delete_actor(document: Parsed) -> str | None:
    """The actor of a self-Delete (an account deletion), else None; read before verifying."""
    if isinstance(document, ParseFailure) or activity_type(document) != "Delete":
        return None
    actor = first_id(document.get("actor"))
    return actor if actor is not None and first_id(document.get("object")) == actor else None


async def _is_unknown(runtime: FunctionRuntime, actor_id: str, key_id: str) -> bool:
    """Neither the actor nor the key is known here (cache or store)."""
    store = runtime.store

    def unknown() -> bool:
        return store.get_actor(actor_id) is None and store.get_key(key_id) is None

    return runtime.keys.cached(key_id) is None and await runtime.call(unknown)
