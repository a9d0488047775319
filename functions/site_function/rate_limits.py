"""How many verified inbox requests one actor, and one domain, may send: token buckets.

A bucket holds up to `capacity` tokens and refills `capacity` per `window` seconds; each
request takes one. An empty bucket answers 429 with Retry-After (the seconds until a token is
back), which Mastodon and other senders honour by retrying later. The defaults (300 requests
per actor and 3,000 per domain every 5 minutes) are far above what honest accounts and servers
send to one person, so only a flood is slowed.

The inbox asks after the signature is verified, so a forger cannot spend a victim's budget,
and before anything is stored. The buckets live in this process: one instance enforces the
limits exactly; on several serverless instances each keeps its own buckets, so the effective
limit is the per-instance limit times the instances running. The number of buckets is
bounded (`max_buckets`): full buckets are dropped first, since a full bucket is what an
unknown key starts with anyway.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from site_core.ids import parse_http_url

__all__ = ["InboxRateLimits", "RateLimited", "TokenBuckets"]


@dataclass(frozen=True, slots=True)
class RateLimited:
    """A refusal: which limit ("actor" or "domain") and the seconds until a token is back."""

    scope: str
    retry_after: int


class TokenBuckets:
    """Buckets of one kind of key (actor ids, or domains), each `capacity` per `window` s."""

    def __init__(
        self,
        capacity: int,
        window: float,
        *,
        max_buckets: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = float(capacity)
        self.rate = capacity / window if window > 0 else math.inf  # tokens per second
        self._max_buckets = max_buckets
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)

    def tokens_at(self, key: str, now: float) -> float:
        """The tokens `key` holds at `now` (a caller checking several buckets reads the clock
        once)."""
        tokens, at = self._buckets.get(key, (self.capacity, now))
        return min(self.capacity, tokens + (now - at) * self.rate)

    def wait_of(self, tokens: float) -> float:
        """0 if a bucket holding `tokens` may send now, else the seconds until it may."""
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate

    def wait_for(self, key: str) -> float:
        """0 if `key` may send now (nothing is taken), else the seconds until it may."""
        return self.wait_of(self.tokens_at(key, self._clock()))

    def take(self, key: str) -> None:
        """Spend one token of `key` (callers ask `wait_for` first)."""
        now = self._clock()
        self.spend(key, self.tokens_at(key, now), now)

    def spend(self, key: str, tokens: float, now: float) -> None:
        """Store `key`'s bucket with one token less than `tokens` (its count at `now`)."""
        self._buckets.pop(key, None)  # re-inserted last: dict order is least recently used
        self._buckets[key] = (max(tokens - 1.0, 0.0), now)
        if len(self._buckets) > self._max_buckets:
            self._prune(now)

    def _prune(self, now: float) -> None:
        full = [key for key in self._buckets if self.tokens_at(key, now) >= self.capacity]
        for key in full:
            del self._buckets[key]
        while len(self._buckets) > self._max_buckets:  # oldest first
            del self._buckets[next(iter(self._buckets))]

    def __len__(self) -> int:
        return len(self._buckets)


class InboxRateLimits:
    """The inbox's two limits: per signing actor and per actor's domain."""

    def __init__(
        self,
        per_actor: int,
        per_domain: int,
        window: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.actors = TokenBuckets(per_actor, window, clock=clock)
        self.domains = TokenBuckets(per_domain, window, clock=clock)
        self.enabled = per_actor > 0 and per_domain > 0 and window > 0
        self._clock = clock

    def admit(self, actor_id: str) -> RateLimited | None:
        """None, and one token of the actor and of its domain spent; or why not (nothing
        spent: a refused request costs no budget, so a sender that waits gets through).
        Every inbox request asks: one clock read and one count per bucket."""
        if not self.enabled:
            return None
        url = parse_http_url(actor_id)
        domain = url.host if url is not None else (urlsplit(actor_id).hostname or "").lower()
        now = self._clock()
        own = self.actors.tokens_at(actor_id, now)
        shared = self.domains.tokens_at(domain, now)
        for scope, buckets, tokens in (
            ("actor", self.actors, own),
            ("domain", self.domains, shared),
        ):
            wait = buckets.wait_of(tokens)
            if wait > 0:
                return RateLimited(scope, max(1, math.ceil(wait)))
        self.actors.spend(actor_id, own, now)
        self.domains.spend(domain, shared, now)
        return None
