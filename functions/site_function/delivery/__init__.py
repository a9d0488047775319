"""The delivery engine: a durable queue drained to a time budget, signed, retried, paused.

`drain(store, sender, signing_key, budget=...)` is the one entry point; `AiohttpSender` sends
through the guarded aiohttp session of `site_remote`. Importing this package imports
neither aiohttp nor the signing code (both are loaded on first send), so the function can
import it at cold start.
"""

from __future__ import annotations

from site_function.delivery.engine import DrainReport, DrainSettings, drain
from site_function.delivery.policy import BreakerPolicy, RetryPolicy
from site_function.delivery.sender import AiohttpSender, Sender, SendResult, Verdict, judge

__all__ = [
    "AiohttpSender",
    "BreakerPolicy",
    "DrainReport",
    "DrainSettings",
    "RetryPolicy",
    "SendResult",
    "Sender",
    "Verdict",
    "drain",
    "judge",
]
