"""A relayed activity speaks for its actor only through the actor's own integrity proof.

FEDERATION.md#integrity-proofs: when the server that signed the request is not the activity's
actor (inbox forwarding of a reply, a relay, a Fedify server passing an activity on), the
activity is let in only if it carries one `eddsa-jcs-2022` DataIntegrityProof (FEP-8b32) made
with a Multikey the actor lists under `assertionMethod`, as Fedify checks proofs before HTTP
signatures and Mastodon lets a valid LD signature relay an activity. In order, so nothing is
fetched for a proof that could not count: the proof's form, then its `verificationMethod` on
the actor's origin (a server may only vouch for its own accounts), then the key (cache, the
stored actor, a signed fetch of the actor), then the signature (a key we had that fails is
fetched again once per interval: the actor may have rotated it). The caller has checked blocks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from site_function.inbox_outcome import RETRY_AFTER_SECONDS, InboxOutcome
from site_function.key_resolver import KeyFailure
from site_function.remote_actors import same_origin

if TYPE_CHECKING:
    from site_function.runtime import FunctionRuntime

__all__ = ["refuse_relayed", "verify_relayed"]


def refuse_relayed(why: str) -> InboxOutcome:
    """401 `actor_mismatch`: the signer is not the actor, and `why` the activity's proof does
    not stand in for the actor's signature."""
    detail = f"the key's owner is not the activity's actor, whose proof does not count: {why}"
    return InboxOutcome(401, "actor_mismatch", detail)


async def verify_relayed(
    runtime: FunctionRuntime, activity: dict[str, Any], actor_id: str
) -> InboxOutcome | None:
    """None if the activity's proof shows `actor_id` made it, else the answer that refuses it
    (401, or 503 with Retry-After when the actor's server failed only for now)."""
    from site_core.integrity_proofs import (
        BAD_PROOF,
        ProofFailure,
        proof_form_failure,
        proof_method,
        verify_proof,
    )

    unusable = proof_form_failure(activity)
    if unusable is not None:
        return refuse_relayed(f"{unusable.reason}: {unusable.detail}")
    method = proof_method(activity) or ""
    if not same_origin(method, actor_id):
        return refuse_relayed("the proof's verificationMethod is not on the actor's origin")
    key = await runtime.keys.resolve_assertion(actor_id, method)
    if isinstance(key, KeyFailure):
        if key.transient:
            return InboxOutcome(503, "key_unavailable", key.detail, retry_after=RETRY_AFTER_SECONDS)
        return refuse_relayed(f"{key.reason}: {key.detail}")
    checked = verify_proof(activity, key.public_key)
    if isinstance(checked, ProofFailure) and checked.reason == BAD_PROOF:
        # The key we had may be one the actor has since replaced under the same id.
        again = await runtime.keys.refetch_assertion(actor_id, method)
        if again is not None and not isinstance(again, KeyFailure):
            checked = verify_proof(activity, again.public_key)
    if isinstance(checked, ProofFailure):
        return refuse_relayed(f"{checked.reason}: {checked.detail}")
    return None
