"""What every route shares for the life of the app: settings, store, clock, outgoing HTTP.

One object, built by `create_app`, holding the seams (store, session factory, clock) so routes
and handlers never reach for globals. Store calls run in a thread pool of the store's own
size (`Store.worker_threads`: ONE thread for SQLite, whose single writer would otherwise make
dozens of threads queue on its lock and fight over the GIL), and inbox batches where the
store says (`batch_runner`: PostgreSQL's run on the loop's thread, their waits awaited);
the aiohttp session is made on first use inside the running loop and closed at shutdown;
deliveries queued by requests are drained by one background drainer (`background_drain`),
never one drain per request.
The owner's settings come from the store (what the last publish stated); before the first
publish, from the build if the function can see it (`build_owner`).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from site_function.actor_lookup import ActorLookup, actor_lookup_from
from site_function.background_drain import BackgroundDrainer
from site_function.build_owner import BuildOwnerSettings, Loader, actor_file, read_actor_file
from site_function.inbox_batches import InboxBatcher
from site_function.interaction_records import InteractionLimits
from site_function.key_resolver import KeyResolver
from site_function.rate_limits import InboxRateLimits, TokenBuckets
from site_function.settings import Settings
from site_function.store.base import InboxItem, OwnerSettings, RemoteActor, Store

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

    import aiohttp

    from site_core.integrity_proofs import ProofKey
    from site_core.signatures import SigningKey
    from site_function.delivery.notices import DrainNotices
    from site_function.notifications.notifier import Notifier
    from site_remote.client import FetchResult

__all__ = ["Clock", "FunctionRuntime", "SessionFactory", "utc_now"]

T = TypeVar("T")
Clock = Callable[[], datetime]
SessionFactory = Callable[[Settings], "aiohttp.ClientSession"]
log = logging.getLogger("site_function")


def utc_now() -> datetime:
    return datetime.now(UTC)


def default_session_factory(settings: Settings) -> aiohttp.ClientSession:
    from site_remote.client import make_session

    return make_session(settings.client)


class FunctionRuntime:
    """The shared state of one app instance."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        session_factory: SessionFactory = default_session_factory,
        clock: Clock = utc_now,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.urls = settings.urls
        self._session_factory = session_factory
        self._session: aiohttp.ClientSession | None = None
        threads = int(getattr(store, "worker_threads", 8))
        self._threads = threads
        self._executor: ThreadPoolExecutor | None = None  # made by the first store call
        self.keys = KeyResolver(self.call, store, self.fetch, clock)
        writers = int(getattr(store, "inbox_writers", threads))  # inbox batches at once
        self._batch_runner: Callable[[Callable[[], Any]], Awaitable[Any]] | None = getattr(
            store, "batch_runner", None
        )
        self._batcher = InboxBatcher(store, self._submit, max_in_flight=writers)
        self._drainer = BackgroundDrainer(self._drain_once)
        self.drain_reports: list[Any] = []
        self._build_owner = BuildOwnerSettings(self.urls, self._build_actor_loader())
        self.rate_limits = InboxRateLimits(
            settings.actor_rate_limit, settings.domain_rate_limit, settings.rate_window
        )
        # Per client address; the route skips it when the limit is 0 (`interact_rate_limit`).
        self.interact_limits = TokenBuckets(
            max(settings.interact_rate_limit, 1), settings.rate_window or 1.0
        )
        self.interaction_limits = InteractionLimits(
            settings.replies_per_post, settings.replies_per_day
        )
        self.notifier: Notifier | None = None
        if settings.notify is not None:
            # Imported only when configured: the notifier brings the delivery engine with it.
            from site_function.notifications.notifier import Notifier
            from site_function.notifications.notify_settings import check_receiver

            # A receiver on an internal address is refused here, before anything is queued.
            check_receiver(settings.notify, allow_private=settings.allow_private_addresses)
            self.notifier = Notifier(settings.notify, settings.base_url)

    @functools.cached_property
    def stamp_key(self) -> bytes:
        """The key of quote authorizations, derived once, by the first request that stamps or
        reads one: deriving it from the private key imports cryptography's serialization."""
        return self.settings.stamp_key

    @functools.cached_property
    def signing_key(self) -> SigningKey:
        """Our key, built on first use: the signing code is not needed to answer a health check,
        so a cold start does not import it."""
        return self.settings.signing_key

    @property
    def proof_key(self) -> ProofKey | None:
        """Our Ed25519 key for the proofs of what we send; None when the host has none."""
        key = self.settings.proof_key
        if key is None:
            return None
        from site_core.integrity_proofs import ProofKey

        return ProofKey(self.urls.ed25519_key_id, key)

    def _pool(self) -> ThreadPoolExecutor:
        """The store's thread pool, made on first use: a cold start does not import it."""
        if self._executor is None:
            from concurrent.futures import ThreadPoolExecutor

            self._executor = ThreadPoolExecutor(
                max_workers=self._threads, thread_name_prefix="site-store"
            )
        return self._executor

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a synchronous store call in the store's thread pool."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool(), functools.partial(fn, *args))

    def _submit(self, fn: Callable[[], T]) -> asyncio.Future[T]:
        if self._batch_runner is not None:  # the store's own way (PostgreSQL: on the loop)
            return asyncio.ensure_future(self._batch_runner(fn))
        return asyncio.get_running_loop().run_in_executor(self._pool(), fn)

    async def receive_activity(self, item: InboxItem) -> Any:
        """`Store.receive_activity` for one verified activity, group-committed with the
        others arriving at the same time (`inbox_batches`)."""
        return await self._batcher.receive(item)

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = self._session_factory(self.settings)
        return self._session

    async def fetch(self, url: str) -> FetchResult:
        """A signed GET of an ActivityPub document (never raises for remote trouble)."""
        from site_remote.client import fetch_json

        return await fetch_json(self.session, url, self.signing_key, self.clock())

    async def fetch_actor(self, actor_id: str) -> ActorLookup:
        """A signed fetch of an actor, not stored: the actor, or whether the failure may pass."""
        return actor_lookup_from(await self.fetch(actor_id), actor_id, self.clock())

    async def actor(self, actor_id: str, *, refresh: bool = False) -> RemoteActor | None:
        """The actor from the store, or fetched (and stored) if unknown or `refresh`."""
        if not refresh:
            known = await self.call(self.store.get_actor, actor_id)
            if known is not None:
                return known
        actor = (await self.fetch_actor(actor_id)).actor
        if actor is not None:
            await self.call(self.store.save_actor, actor)
        return actor

    # --- the owner's settings -------------------------------------------------------------

    def _build_actor_loader(self) -> Loader | None:
        """How to read the build's actor document: from the folder, the origin, or not."""
        folder, origin = self.settings.documents_dir, self.settings.documents_origin
        if folder is not None:
            path = actor_file(folder, self.urls)

            async def from_folder() -> dict[str, Any] | None:
                return await self.call(read_actor_file, path)

            return from_folder
        if origin is not None:
            url = origin.rstrip("/") + self.urls.path_of(self.urls.actor)

            async def from_origin() -> dict[str, Any] | None:
                result = await self.fetch(url)
                return result.document if result.ok else None

            return from_origin
        return None

    async def owner_fallback(self) -> OwnerSettings | None:
        """The owner's settings as the deployed build states them (None if it cannot be
        read); they count only while no publish has stored the settings."""
        return await self._build_owner.get()

    def seed_owner_settings(self) -> None:
        """Store the settings known at start (`site-gen serve`: site.yaml's), as a publish
        would; a later publish replaces them. Synchronous: call it before serving."""
        if self.settings.owner is not None:
            self.store.save_owner_settings(self.settings.owner)

    # --- background delivery ---------------------------------------------------------------

    def kick_drain(self) -> None:
        """Drain the queue soon, in the background (synchronous, cheap: it wakes the one
        drainer; calls made while it runs coalesce into one more drain)."""
        if self.settings.drain_after_inbox:
            self._drainer.wake()

    @property
    def drain_busy(self) -> bool:
        """True while a background drain is asked for or running."""
        return self._drainer.busy

    @property
    def drain_error(self) -> BaseException | None:
        """The exception of the last failed background drain, if any."""
        return self._drainer.error

    @property
    def drain_notices(self) -> DrainNotices | None:
        """What a drain needs to send the owner's notifications (None: not configured)."""
        if self.notifier is None:
            return None
        return self.notifier.for_drain(self.session, self.clock)

    async def _drain_once(self) -> None:
        from site_function.owner.draining import drain_queue

        report = await drain_queue(self, self.settings.drain_budget)
        self.drain_reports.append(report)
        del self.drain_reports[:-10]

    async def wait_for_drain(self) -> None:
        """Wait for the background drain to be idle (tests, an owner's drain, shutdown)."""
        await self._drainer.wait_idle()

    async def close(self) -> None:
        await self._drainer.close()
        if self._session is not None and not self._session.closed:
            await self._session.close()
        try:
            await self.call(self.store.close)
        finally:
            if self._executor is not None:
                self._executor.shutdown(wait=False)
