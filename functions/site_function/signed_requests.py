"""Who signed a request outside the inbox pipeline: a signed GET of ours, or a header that rode
on an inbox POST.

The partial followers collection answers signed GETs only (FEDERATION.md#follower-sync), and a
`Collection-Synchronization` header counts only if the signature covers it; both ask
`signer_of`, which does what the inbox's first stage does for a POST (a readable signature, no
blocked signer, the key from cache, store or a signed fetch, the signature checked for one of
our hosts) and says who signed and over which headers. Refusals are values with a status.
"""

from __future__ import annotations

from dataclasses import dataclass

from site_core.ids import is_http_url
from site_function.inbox_request import InboxRequest, verify_received
from site_function.key_resolver import KeyFailure
from site_function.runtime import FunctionRuntime

__all__ = ["Signer", "SignerRefused", "signer_of"]


@dataclass(frozen=True)
class Signer:
    """A verified signature: the key, the actor that owns it, the headers it covers."""

    key_id: str
    owner: str
    covered: tuple[str, ...]


@dataclass(frozen=True)
class SignerRefused:
    """Why a request does not count as signed: 401 (no or bad signature) or 403 (blocked)."""

    status: int
    reason: str
    detail: str = ""


async def signer_of(runtime: FunctionRuntime, request: InboxRequest) -> Signer | SignerRefused:
    """The verified signer of `request`, or why not (see the module docstring)."""
    from site_core.signatures import VerificationFailure, parse_signature

    signature = parse_signature(request.method, request.path, request.query, request.headers)
    if isinstance(signature, VerificationFailure):
        return SignerRefused(401, signature.reason, signature.detail)
    key_id = signature.key_id
    if not is_http_url(key_id):
        return SignerRefused(401, "bad_key_id", "keyId must be an http(s) URL")
    if await runtime.call(runtime.store.is_blocked, key_id):
        return SignerRefused(403, "blocked")  # before any fetch of the key
    key = await runtime.keys.resolve(key_id)
    if isinstance(key, KeyFailure):
        return SignerRefused(401, key.reason, key.detail)
    verified = verify_received(
        runtime.settings, request, signature, key.public_key, runtime.clock()
    )
    if isinstance(verified, VerificationFailure):
        return SignerRefused(401, verified.reason, verified.detail)
    return Signer(key.key_id, key.owner, tuple(name.lower() for name in verified.covered))
