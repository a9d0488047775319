"""Integrity proofs on the activities we send, made as they go out (FEDERATION.md#integrity-proofs).

A receiver reads a proof's `created` as the moment the activity was vouched for, and may refuse
an old one as a replay; so, like the `Date` of the HTTP signature, the proof is made by the
drain that sends, never when the activity was queued (the queue keeps the unsigned body). A
Create goes to many inboxes with the same bytes: one drain signs each distinct body once and
sends that signed copy to the other inboxes for at most `reuse_for` seconds. A body that is not
a JSON object with an `@context`, or that carries a proof already, is sent as it is.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from site_core.context import with_proof_terms
from site_core.integrity_proofs import ProofKey, add_proof
from site_core.serialize import serialize
from site_function.delivery.sender import Sender, SendResult

if TYPE_CHECKING:
    from site_core.signatures import SigningKey

__all__ = ["ProvingSender", "prove_body"]


def prove_body(body: bytes, key: ProofKey, now: datetime) -> bytes:
    """`body` with an `eddsa-jcs-2022` proof dated `now`; unchanged if it cannot carry one."""
    try:
        document = json.loads(body)
    except ValueError:
        return body
    if not isinstance(document, dict) or "@context" not in document or "proof" in document:
        return body
    document["@context"] = with_proof_terms(document["@context"])
    created = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return serialize(add_proof(document, key.private_key, key.verification_method, created))


class ProvingSender:
    """A `Sender` that adds our proof to each body, then hands it to the sender it wraps."""

    def __init__(
        self,
        inner: Sender,
        key: ProofKey,
        *,
        clock: Callable[[], datetime],
        reuse_for: float = 60.0,
        remember: int = 16,
    ) -> None:
        self._inner, self._key, self._clock = inner, key, clock
        self._reuse_for, self._remember = reuse_for, remember
        self._signed: OrderedDict[bytes, tuple[datetime, bytes]] = OrderedDict()

    def prove(self, body: bytes) -> bytes:
        """The signed copy of `body`: made now, or the one made in the last `reuse_for` s."""
        digest = hashlib.sha256(body).digest()
        now = self._clock()
        known = self._signed.get(digest)
        if known is not None and 0 <= (now - known[0]).total_seconds() < self._reuse_for:
            return known[1]
        signed = prove_body(body, self._key, now)
        self._signed[digest] = (now, signed)
        self._signed.move_to_end(digest)
        while len(self._signed) > self._remember:
            self._signed.popitem(last=False)
        return signed

    async def send(
        self, inbox: str, body: bytes, key: SigningKey, headers: Mapping[str, str] | None = None
    ) -> SendResult:
        # The HTTP signature's Digest covers the signed body: the proof goes in first.
        return await self._inner.send(inbox, self.prove(body), key, headers)
