"""One signed POST of an activity to one inbox, and what its answer means for the queue.

The sender signs every attempt afresh, with the `Date` of the moment it sends
(FEDERATION.md#sign-each-attempt: a retried request with an old Date is refused as stale).
Signing can run in a small thread pool: `cryptography` releases the GIL while signing, yet on
a 2-core machine that buys only about 20 % at 64 requests at once (2,194 against 1,798 signed
POSTs a second over keep-alive; the event loop, not RSA, is the limit;
`bench/fanout.py --sign-threads 2` measures it here), so it is an option, not a rule. Outcomes are
values (`SendResult`, `Verdict`); the sender raises only for bugs. Extra headers a row carries
(FEP-8fcf's `Collection-Synchronization`, `delivery.follower_sync`) are signed with the rest,
as Mastodon signs every header it adds (FEDERATION.md#follower-sync).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    import aiohttp

    from site_core.signatures import SigningKey

__all__ = ["AiohttpSender", "SendResult", "Sender", "Verdict", "VerdictKind", "judge"]

VerdictKind = Literal["delivered", "retry", "failed", "gone"]

# FEDERATION.md#mastodon-retries: Mastodon retries 5xx, 401, 408 and 429 and network errors, gives
# up on the other 4xx and on 501. A 401 is retried because it is usually transient on the receiving
# side (our key being refetched after a rotation, FEDERATION.md#key-rotation).
_RETRY_4XX = frozenset({401, 408, 425, 429})
# What `sign_request` covers on a POST by default (FEDERATION.md#signed-post); extra headers
# are appended to it.
_POST_COVERED = ("(request-target)", "host", "date", "digest", "content-type")


@dataclass(frozen=True)
class SendResult:
    """What one attempt came to: an HTTP status, or no status and a network error."""

    status: int | None
    error: str | None = None
    seconds: float = 0.0


@dataclass(frozen=True)
class Verdict:
    """What the queue does with a row after an attempt."""

    kind: VerdictKind
    error: str | None


def judge(result: SendResult) -> Verdict:
    """2xx delivered; 410 gone (membership drops its followers); 5xx/408/429/401/network retry;
    else failed."""
    status = result.status
    if status is None:
        return Verdict("retry", result.error or "network error")
    if 200 <= status < 300:
        return Verdict("delivered", None)
    if status == 410:
        return Verdict("gone", "410 Gone: the inbox no longer exists")
    if status in _RETRY_4XX or (status >= 500 and status != 501):
        return Verdict("retry", result.error or f"HTTP {status}")
    if 300 <= status < 400:
        return Verdict("failed", f"HTTP {status}: redirects are not followed for deliveries")
    return Verdict("failed", result.error or f"HTTP {status}")


class Sender(Protocol):
    """The seam the engine sends through; tests and benchmarks may bring their own."""

    async def send(
        self, inbox: str, body: bytes, key: SigningKey, headers: Mapping[str, str] | None = None
    ) -> SendResult:
        """POST `body` to `inbox`, signed with `key` over `headers` too; never raises for
        network trouble."""
        ...


def _utcnow() -> datetime:
    return datetime.now(UTC)


class AiohttpSender:
    """Signs and POSTs with one shared aiohttp session (keep-alive, bounded per host).

    The session should come from `site_remote.make_session`, which refuses internal
    addresses before connecting. `executor`, if given, runs the RSA signing off the loop.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        executor: Executor | None = None,
        clock: Callable[[], datetime] = _utcnow,
        max_error_body: int = 200,
    ) -> None:
        self._session = session
        self._executor = executor
        self._clock = clock
        self._max_error_body = max_error_body

    def _sign(
        self, inbox: str, body: bytes, key: SigningKey, extra: Mapping[str, str] | None = None
    ) -> dict[str, str]:
        from site_core.signatures import sign_request

        covered = _POST_COVERED + tuple(name.lower() for name in extra) if extra else None
        # The Date is taken here, at sending time, never when the row was queued
        # (FEDERATION.md#sign-each-attempt).
        return sign_request(
            "POST", inbox, key=key, now=self._clock(), body=body, headers=extra, covered=covered
        )

    async def send(
        self, inbox: str, body: bytes, key: SigningKey, headers: Mapping[str, str] | None = None
    ) -> SendResult:
        started = time.perf_counter()
        if self._executor is None:
            signed = self._sign(inbox, body, key, headers)
        else:
            loop = asyncio.get_running_loop()
            signed = await loop.run_in_executor(
                self._executor, self._sign, inbox, body, key, headers
            )
        signed.pop("Host", None)  # aiohttp writes Host from the URL itself (same value)
        import aiohttp  # lazily: importing the engine must not cost the function's cold start

        try:
            async with self._session.post(
                inbox, data=body, headers=signed, allow_redirects=False
            ) as response:
                status = response.status
                error = None
                if not 200 <= status < 300:
                    text = await response.content.read(self._max_error_body)
                    snippet = text.decode("utf-8", "replace").strip().replace("\n", " ")
                    error = f"HTTP {status}" + (f": {snippet}" if snippet else "")
                else:
                    await response.read()
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            detail = str(exc).strip()
            message = type(exc).__name__ + (f": {detail}" if detail else "")
            return SendResult(None, message[:300], time.perf_counter() - started)
        return SendResult(status, error, time.perf_counter() - started)
