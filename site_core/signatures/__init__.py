"""HTTP signatures for the fediverse: draft-cavage and RFC 9421, signing and verifying.

Sans-IO: every function takes the method, path, query, headers, body bytes, keys and `now`
as arguments and does no I/O, so the function, the delivery worker and the tests share it.

    headers = sign_request("POST", inbox_url, key=SigningKey(key_id, private_key),
                           now=now, body=body)
    parsed = parse_signature(method, path, query, headers)      # -> key_id to fetch
    result = verify_request(method, path, query, headers, body, public_key, now,
                            signature=parsed)                   # Verified... | ...Failure
"""

from __future__ import annotations

from site_core.signatures.digest import (
    check_content_digest,
    check_digest,
    content_digest_header,
    digest_header,
)
from site_core.signatures.model import (
    BAD_SIGNATURE,
    DIGEST_MISMATCH,
    DIGEST_MISSING,
    FUTURE,
    MALFORMED,
    MISSING_HEADER,
    NO_SIGNATURE,
    REASONS,
    STALE,
    UNSUPPORTED_ALGORITHM,
    WEAK_COVERAGE,
    WRONG_HOST,
    SignatureInput,
    SigningKey,
    VerificationFailure,
    VerifiedSignature,
)
from site_core.signatures.sign import (
    ACTIVITY_CONTENT_TYPE,
    SignatureStyle,
    http_date,
    sign_request,
)
from site_core.signatures.verify import parse_signature, verify_request

__all__ = [
    "ACTIVITY_CONTENT_TYPE",
    "BAD_SIGNATURE",
    "DIGEST_MISMATCH",
    "DIGEST_MISSING",
    "FUTURE",
    "MALFORMED",
    "MISSING_HEADER",
    "NO_SIGNATURE",
    "REASONS",
    "STALE",
    "UNSUPPORTED_ALGORITHM",
    "WEAK_COVERAGE",
    "WRONG_HOST",
    "SignatureInput",
    "SignatureStyle",
    "SigningKey",
    "VerificationFailure",
    "VerifiedSignature",
    "check_content_digest",
    "check_digest",
    "content_digest_header",
    "digest_header",
    "http_date",
    "parse_signature",
    "sign_request",
    "verify_request",
]
