"""Micro-benchmark: sign_request() and verify_request() per second on one core.

Reference figures measured on this kind of machine (2 vCPU, cryptography 50): RSA-2048 verify
~25 us, a full verify() (parse, digest, date, RSA) ~39 us, a full sender Signature header
~349 us. Prints the median of several bounded rounds; every loop has a count and a time limit.

    .venv/bin/python bench/verify.py [--rounds 5] [--seconds 1.0]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from site_core.keys import load_private_key
from site_core.signatures import (
    SigningKey,
    VerifiedSignature,
    parse_signature,
    sign_request,
    verify_request,
)

KEY_FILE = (
    Path(__file__).resolve().parents[1]
    / "tests"
    / "federation"
    / "signature_keys"
    / "alice-rsa.pem"
)
NOW = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)
MAX_CALLS = 2_000_000


def _rate(call: Callable[[], object], seconds: float) -> float:
    calls = 0
    start = time.perf_counter()
    deadline = start + seconds
    while calls < MAX_CALLS:
        for _ in range(50):
            call()
        calls += 50
        if time.perf_counter() >= deadline:
            break
    return calls / (time.perf_counter() - start)


def _median(call: Callable[[], object], rounds: int, seconds: float) -> tuple[float, float, float]:
    call()  # warm-up, and fail loudly before timing if the call is broken
    rates = [_rate(call, seconds) for _ in range(rounds)]
    return statistics.median(rates), min(rates), max(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds per operation")
    parser.add_argument("--seconds", type=float, default=1.0, help="length of one round")
    args = parser.parse_args()

    private_key = load_private_key(KEY_FILE.read_bytes())
    public_key = private_key.public_key()
    key = SigningKey("https://alice.example/ap/actor#main-key", private_key)
    body = json.dumps({"type": "Create", "content": "x" * 1900}).encode()[:2048]
    url = "https://bob.example/users/bob/inbox"

    signed = {}
    for style in ("cavage", "rfc9421"):
        headers = sign_request("POST", url, key=key, now=NOW, body=body, style=style)  # type: ignore[arg-type]
        signed[style] = {name.lower(): value for name, value in headers.items()}
        result = verify_request(
            "POST", "/users/bob/inbox", "", signed[style], body, public_key, NOW
        )
        assert isinstance(result, VerifiedSignature), result

    message = b"x" * 200
    raw_signature = private_key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    cases: list[tuple[str, Callable[[], object], float]] = [
        (
            "RSA-2048 verify (cryptography, raw)",
            lambda: public_key.verify(raw_signature, message, padding.PKCS1v15(), hashes.SHA256()),
            25.3,
        ),
        (
            "verify_request, cavage POST 2 KB",
            lambda: verify_request(
                "POST", "/users/bob/inbox", "", signed["cavage"], body, public_key, NOW
            ),
            38.6,
        ),
        (
            "verify_request, rfc9421 POST 2 KB",
            lambda: verify_request(
                "POST", "/users/bob/inbox", "", signed["rfc9421"], body, public_key, NOW
            ),
            38.6,
        ),
        (
            "parse_signature, cavage",
            lambda: parse_signature("POST", "/users/bob/inbox", "", signed["cavage"]),
            1.6,
        ),
        (
            "sign_request, cavage POST 2 KB",
            lambda: sign_request("POST", url, key=key, now=NOW, body=body),
            349.0,
        ),
    ]
    print(f"{'operation':40} {'ops/s median':>12} {'min-max':>17} {'us/op':>8} {'anchor us':>9}")
    for name, call, anchor in cases:
        median, low, high = _median(call, args.rounds, args.seconds)
        print(
            f"{name:40} {median:12,.0f} {f'{low:,.0f}-{high:,.0f}':>17} "
            f"{1e6 / median:8.1f} {anchor:9.1f}"
        )


if __name__ == "__main__":
    main()
