"""The floor under a verifying inbox: a bare ASGI app that checks each signature, stores nothing.

Served by bench/inbox.py under the same uvicorn (uvloop + httptools, 1 worker) as the bare app
and the function, and driven by the same pre-signed Likes. Per request it does only what no
inbox that verifies can skip: the headers as text, the body read, the signature checked by
`site_core.signatures.verify_request` (its header parsed, Date and Digest checked, the RSA
signature verified) with the sender's key from a dict loaded at start (the function's keys
come from its cache, which the bench warms), the body parsed as JSON and its actor compared
with the key's owner; then 202, or 401 with no detail.

No rate limits, no block or idempotency check, no store, no handler: its rate is the ceiling
of any inbox that verifies what it receives, on this machine, beside the bare app's rate.
Keys: `BENCH_FLOOR_KEYS`, a JSON file of key id -> public key PEM (written by bench/inbox.py).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import Any

from bare_app import answer, lifespan, read_body

from site_core.keys import load_public_key
from site_core.signatures.model import VerificationFailure
from site_core.signatures.verify import parse_signature, verify_request

with open(os.environ["BENCH_FLOOR_KEYS"], encoding="utf-8") as listing:
    _KEYS = {key_id: load_public_key(pem) for key_id, pem in json.load(listing).items()}

_ACCEPTED = b'{"status":"accepted"}'
_REFUSED = b'{"status":"unauthorized"}'


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
        return
    headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
    body = await read_body(receive)
    status, reply = 401, _REFUSED
    method, path = scope["method"], scope["raw_path"].decode("latin-1")
    query = scope["query_string"].decode("latin-1")
    signature = parse_signature(method, path, query, headers)
    key = None if isinstance(signature, VerificationFailure) else _KEYS.get(signature.key_id)
    if key is not None and not isinstance(signature, VerificationFailure):
        verified = verify_request(
            method, path, query, headers, body, key, datetime.now(UTC), signature=signature
        )
        if not isinstance(verified, VerificationFailure):
            activity = json.loads(body)
            if activity.get("actor") == signature.key_id.split("#", 1)[0]:
                status, reply = 202, _ACCEPTED
    await answer(send, status, reply)
