"""Draining the delivery queue: the one place a drain is put together.

The background drainer (`runtime.FunctionRuntime`), the owner's "drain now" (admin API) and
`site-gen deliveries drain --database` all send with the runtime's guarded session and our
key, through `drain_queue`; an owner's drain first waits for the background one and answers
with the report and what is left (`drain_now`). Failed rows go back in the queue with
`requeue_failed`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from site_core.urls import UrlScheme
from site_function.delivery.publishing import summary_as_dict
from site_function.owner.errors import OwnerRequestError
from site_function.store.base import Store

if TYPE_CHECKING:
    import aiohttp

    from site_core.integrity_proofs import ProofKey
    from site_core.signatures import SigningKey
    from site_function.delivery import DrainReport
    from site_function.delivery.notices import DrainNotices

__all__ = ["DrainContext", "drain_now", "drain_queue", "parse_budget", "requeue_failed"]

MAX_BUDGET = 600
DEFAULT_BUDGET = 20


class DrainContext(Protocol):
    """What a drain needs from the function's runtime (`FunctionRuntime` provides it)."""

    @property
    def store(self) -> Store: ...

    @property
    def urls(self) -> UrlScheme: ...

    @property
    def session(self) -> aiohttp.ClientSession: ...

    @property
    def signing_key(self) -> SigningKey: ...

    @property
    def proof_key(self) -> ProofKey | None: ...

    @property
    def drain_notices(self) -> DrainNotices | None: ...

    def clock(self) -> datetime: ...

    def call(self, fn: Callable[..., Any], *args: Any) -> Awaitable[Any]: ...

    async def wait_for_drain(self) -> None: ...


def parse_budget(value: object) -> float:
    """An owner's drain budget in seconds (0 < budget <= 600), or a 400."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= MAX_BUDGET:
        raise OwnerRequestError("'budget' must be a number of seconds from 0 to 600")
    return float(value)


async def drain_queue(
    ctx: DrainContext,
    budget: float,
    *,
    lease: timedelta | None = None,
    on_recorded: Callable[[int], None] | None = None,
) -> DrainReport:
    """Send what is due for `budget` seconds with the runtime's session and keys (with our
    Ed25519 key, each activity gets its integrity proof as it is sent; followers-addressed
    ones carry FEP-8fcf's header, FEDERATION.md#follower-sync)."""
    from site_function.delivery import AiohttpSender, DrainSettings, Sender, drain
    from site_function.delivery.follower_sync import FollowerSync
    from site_function.delivery.proofs import ProvingSender

    settings = DrainSettings() if lease is None else DrainSettings(lease=lease)
    sender: Sender = AiohttpSender(ctx.session, clock=ctx.clock)
    if ctx.proof_key is not None:
        sender = ProvingSender(sender, ctx.proof_key, clock=ctx.clock)
    return await drain(
        ctx.store,
        sender,
        ctx.signing_key,
        budget=budget,
        settings=settings,
        clock=ctx.clock,
        on_recorded=on_recorded,
        notices=ctx.drain_notices,
        follower_sync=FollowerSync(ctx.urls),
    )


async def drain_now(
    ctx: DrainContext,
    budget: float,
    *,
    lease: timedelta | None = None,
    on_recorded: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """The owner's drain: after any background drain, `drain_queue`, then the report with
    the counts left (`remaining`)."""
    await ctx.wait_for_drain()
    report = await drain_queue(ctx, budget, lease=lease, on_recorded=on_recorded)
    result: dict[str, Any] = report.as_dict()
    summary: dict[str, Any] = await ctx.call(summary_as_dict, ctx.store)
    result["remaining"] = summary["counts"]
    return result


def requeue_failed(store: Store, now: datetime, host: object) -> int:
    """Failed rows (of one host, or all) back in the queue; returns how many."""
    if host is not None and not isinstance(host, str):
        raise OwnerRequestError("'host' must be a host name")
    return store.retry_failed(now, host)
