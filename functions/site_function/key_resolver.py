"""Find the public key a signature names: in-process cache, then the store, then a signed fetch.

FEDERATION.md#key-resolution: drop the fragment and fetch the key's document with a signed GET; find
the key whose `id` is the keyId; if the document is a stub (GoToSocial's `.../main-key`), fetch its
owner and require that the owner lists the same key. The key's owner and the keyId must share an
origin, so a server can only vouch for its own accounts. FEDERATION.md#key-refetch: keys are cached,
and after a failed verification the key may be refetched once per `refetch_interval` (rotation).
FEDERATION.md#integrity-proofs: the Ed25519 Multikeys an actor lists under `assertionMethod`
(controller: the actor), which sign the proofs of activities another server relays, are found
the same way from the actor's document; one the stored document lacks is refetched under the
same rate limit.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from site_function.activity_parsing import first_id
from site_function.actor_lookup import failure_kind
from site_function.frozen_record import FrozenRecord
from site_function.remote_actors import (
    actor_from_document,
    key_entry,
    same_origin,
    without_fragment,
)
from site_function.store.base import RemoteActor, RemoteKey, Store

__all__ = ["AssertionKey", "KeyFailure", "KeyResolver", "ResolvedKey"]

Fetch = Callable[[str], Awaitable[Any]]  # url -> site_remote.FetchResult
StoreCall = Callable[..., Awaitable[Any]]


class ResolvedKey(FrozenRecord):
    """A usable key: who owns it and the parsed key object, ready for `verify_request`."""

    key_id: str
    owner: str
    public_key: Any
    fetched_at: datetime


class AssertionKey(FrozenRecord):
    """An Ed25519 key an actor lists under `assertionMethod`, for `verify_proof`."""

    method: str
    owner: str
    public_key: Any
    fetched_at: datetime


class KeyFailure(FrozenRecord):
    """Why no key could be had; the inbox answers 401 with `detail`, or 503 with Retry-After
    when the key's server failed only for now (`transient`: network, timeout, 5xx, 429), as
    Mastodon 4.6 does, so the sender retries instead of dropping the activity
    (FEDERATION.md#key-unavailable)."""

    reason: str
    detail: str
    transient: bool = False


def _parse(record: RemoteKey) -> ResolvedKey | None:
    from site_core.errors import KeyMaterialError
    from site_core.keys import load_public_key

    try:
        key = load_public_key(record.public_key_pem)
    except KeyMaterialError:
        return None
    return ResolvedKey(record.key_id, record.owner, key, record.fetched_at)


class KeyResolver:
    """Resolves keyIds with an LRU in front of the store; one per app (process)."""

    def __init__(
        self,
        store_call: StoreCall,
        store: Store,
        fetch: Fetch,
        clock: Callable[[], datetime],
        *,
        cache_size: int = 4096,
        refetch_interval: timedelta = timedelta(minutes=5),
    ) -> None:
        self._call = store_call
        self._store = store
        self._fetch = fetch
        self._clock = clock
        self._cache: OrderedDict[str, ResolvedKey] = OrderedDict()
        self._cache_size = cache_size
        self._refetch_interval = refetch_interval
        self._last_refetch: dict[str, datetime] = {}
        self._assertions: OrderedDict[str, AssertionKey] = OrderedDict()

    def cached(self, key_id: str) -> ResolvedKey | None:
        """The key from the in-process cache only (no I/O): the inbox's fast path."""
        found = self._cache.get(key_id)
        if found is not None:
            self._cache.move_to_end(key_id)
        return found

    def _remember(self, key: ResolvedKey) -> ResolvedKey:
        self._cache[key.key_id] = key
        self._cache.move_to_end(key.key_id)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return key

    def forget(self, key_id: str) -> None:
        self._cache.pop(key_id, None)

    def forget_owner(self, owner: str) -> None:
        """Drop every cached key of an actor (deleted, or updated with a new key)."""
        for key_id in [k for k, v in self._cache.items() if v.owner == owner]:
            del self._cache[key_id]
        for method in [k for k, v in self._assertions.items() if v.owner == owner]:
            del self._assertions[method]

    async def resolve(self, key_id: str) -> ResolvedKey | KeyFailure:
        """Cache, then store, then fetch."""
        found = self.cached(key_id)
        if found is not None:
            return found
        record = await self._call(self._store.get_key, key_id)
        if record is not None:
            parsed = _parse(record)
            if parsed is not None:
                return self._remember(parsed)
        return await self._fetch_key(key_id)

    async def resolve_assertion(self, actor_id: str, method: str) -> AssertionKey | KeyFailure:
        """The key `method` names, if `actor_id` lists it as its own assertion key: cache, the
        stored actor document, then a signed fetch of the actor (again, rate-limited, when the
        stored document lacks it: the actor may have added the key since)."""
        found = self._assertions.get(method)
        if found is not None and found.owner == actor_id:
            self._assertions.move_to_end(method)
            return found
        record = await self._call(self._store.get_actor, actor_id)
        if record is not None:
            listed = self._listed(record.document, actor_id, method, record.fetched_at)
            if listed is not None:
                return listed
            if not self.may_refetch(method):
                return KeyFailure("key_not_listed", _NOT_LISTED + " (refetched a moment ago)")
        return await self._fetch_assertion(actor_id, method)

    def _listed(
        self, document: dict[str, Any], actor_id: str, method: str, fetched_at: datetime
    ) -> AssertionKey | None:
        from site_core.integrity_proofs import assertion_key

        if first_id(document.get("id")) != actor_id:
            return None
        public_key = assertion_key(document, method)
        if public_key is None:
            return None
        key = AssertionKey(method, actor_id, public_key, fetched_at)
        self._assertions[method] = key
        while len(self._assertions) > self._cache_size:
            self._assertions.popitem(last=False)
        return key

    async def refetch_assertion(
        self, actor_id: str, method: str
    ) -> AssertionKey | KeyFailure | None:
        """The actor again after a proof failed with the key we had for `method` (the actor
        may have rotated it under the same id), once per interval counted from the last fetch
        of that method; None when it was fetched a moment ago."""
        if not self.may_refetch(method):
            return None
        self._assertions.pop(method, None)
        return await self._fetch_assertion(actor_id, method)

    async def _fetch_assertion(self, actor_id: str, method: str) -> AssertionKey | KeyFailure:
        self._note_fetch(method)  # a key fetched just now is not fetched again at once
        result = await self._fetch(actor_id)
        if not result.ok:
            return _fetch_failure("actor", result)
        document: dict[str, Any] = result.document
        if first_id(document.get("id")) != actor_id or not same_origin(result.url, actor_id):
            return KeyFailure("actor_document", "the actor's document has another id or origin")
        now = self._clock()
        actor = actor_from_document(document, now)
        if actor is not None:
            await self._call(self._store.save_actor, actor)
        listed = self._listed(document, actor_id, method, now)
        return listed if listed is not None else KeyFailure("key_not_listed", _NOT_LISTED)

    def may_refetch(self, key_id: str) -> bool:
        """FEDERATION.md#key-refetch: at most one refetch per key per interval, so forgeries
        cannot make us hammer a server (or ourselves)."""
        last = self._last_refetch.get(key_id)
        if last is not None and self._clock() - last < self._refetch_interval:
            return False
        self._note_fetch(key_id)
        return True

    def _note_fetch(self, key_id: str) -> None:
        self._last_refetch[key_id] = self._clock()
        if len(self._last_refetch) > self._cache_size:
            self._last_refetch.pop(next(iter(self._last_refetch)))

    async def refetch(self, key_id: str) -> ResolvedKey | KeyFailure:
        """Fetch the key again after a failed verification (key rotation on the other side)."""
        self.forget(key_id)
        return await self._fetch_key(key_id)

    async def _fetch_key(self, key_id: str) -> ResolvedKey | KeyFailure:
        if not key_id.startswith(("https://", "http://")):
            return KeyFailure("unsupported_key_id", "keyId is not an http(s) URL")
        result = await self._fetch(without_fragment(key_id))
        if not result.ok:
            return _fetch_failure("key", result)
        document: dict[str, Any] = result.document
        if not same_origin(result.url, key_id):
            return KeyFailure("key_origin", "the key document was served from another origin")
        entry = key_entry(document, key_id)
        if entry is None:
            return KeyFailure("key_missing", "the document does not hold that key")
        owner = entry["owner"]
        if not isinstance(owner, str) or not same_origin(owner, key_id):
            return KeyFailure("key_owner", "the key's owner is not on the key's origin")
        now = self._clock()
        actor: RemoteActor | None = None
        if document.get("id") == owner and result.url == owner:
            actor = actor_from_document(document, now)
        else:
            # A key stub (GoToSocial's `/main-key` answers `{id: <owner>, publicKey}`), a Key
            # document, or any document served elsewhere than at the owner's URL: it may not
            # speak for the owner (a page on a shared origin could name another account), so
            # the owner itself must list this very key (FEDERATION.md#key-resolution).
            owner_result = await self._fetch(owner)
            if not owner_result.ok:
                return KeyFailure(
                    "key_owner_fetch",
                    f"fetching the owner: {owner_result.outcome}",
                    failure_kind(owner_result) == "transient",
                )
            if first_id(owner_result.document.get("id")) != owner:
                return KeyFailure("key_not_listed", "the owner's document has another id")
            listed = key_entry(owner_result.document, key_id)
            if listed is None or listed["publicKeyPem"].strip() != entry["publicKeyPem"].strip():
                return KeyFailure("key_not_listed", "the owner does not list that key")
            actor = actor_from_document(owner_result.document, now)
        record = RemoteKey(key_id, owner, entry["publicKeyPem"], now)
        parsed = _parse(record)
        if parsed is None:
            return KeyFailure("key_invalid", "the key is not a usable RSA or Ed25519 key")
        await self._call(_save_key_and_actor, self._store, record, actor)
        return self._remember(parsed)


_NOT_LISTED = "the actor lists no Multikey of its own with that id under assertionMethod"


def _fetch_failure(what: str, result: Any) -> KeyFailure:
    """A failed fetch of the key or the actor as a `KeyFailure` (transient ones answer 503)."""
    return KeyFailure(
        f"{what}_{result.outcome}",
        f"fetching the {what}: {result.outcome}",
        failure_kind(result) == "transient",
    )


def _save_key_and_actor(store: Store, record: RemoteKey, actor: RemoteActor | None) -> None:
    store.save_key(record)
    if actor is not None and actor.id == record.owner:
        store.save_actor(actor)
