"""Digest mode: several notices folded into one summary (sans-IO).

A digest opens with the first notice after a quiet time and is due `digest_seconds` later;
every notice until it is first attempted is folded into it: a count per kind and the latest
few notices in full. The next notice after that opens the next digest, due a whole period
later, so the receiver hears at most once per period.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from site_function.notifications.notices import ID_PREFIX, Notice, envelope
from site_function.store.base import DigestSlot

__all__ = ["DIGEST_PREFIX", "LATEST_KEPT", "digest_slot", "fold_into_digest"]

DIGEST_PREFIX = f"{ID_PREFIX}digest:"
LATEST_KEPT = 5


def digest_slot(receiver: str, now: datetime, seconds: float) -> DigestSlot:
    """Where a notice goes in digest mode: the open digest, or a new one due a period on."""
    return DigestSlot(
        receiver,
        DIGEST_PREFIX,
        f"{DIGEST_PREFIX}{uuid.uuid4().hex}",
        now + timedelta(seconds=seconds),
    )


def fold_into_digest(body: bytes | None, notice: Notice, site: str, new_id: str) -> bytes:
    """The digest `body` (None: a new one, with id `new_id`) with `notice` counted and kept
    among the latest."""
    item = envelope(notice, site)
    if body is None:
        digest: dict[str, Any] = {
            "event": "digest",
            "id": new_id,
            "time": item["time"],
            "site": site,
            "data": {"since": item["time"], "counts": {}, "latest": []},
        }
    else:
        digest = json.loads(body)
    data = digest["data"]
    data["counts"][notice.kind] = int(data["counts"].get(notice.kind, 0)) + 1
    latest = [*data["latest"], {key: item[key] for key in ("event", "id", "time", "data")}]
    data["latest"] = latest[-LATEST_KEPT:]
    digest["time"] = item["time"]
    return json.dumps(digest, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
