"""`bench/build.py N --proofs`: the build with integrity proofs against the same build without.

Two copies of one corpus, one with the test Ed25519 pair (the build signs every post's object,
FEDERATION.md#integrity-proofs) and one without; cold builds alternate, and the median wall
times and their ratio are printed beside the goal (at most 1.15 times). Then the cost of JCS
canonicalization alone, on the objects the signed build wrote: the fast path (the standard
encoder, which our objects always take) against the full RFC 8785 serializer, and a whole proof.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from build import _PHASE, REPO, make_site
from scratch import empty_set_aside, scratch_folder, set_aside

KEYS = REPO / "tests" / "build" / "keys"
GOAL = 1.15


def _cold_build(site: Path, jobs: int, env: dict[str, str]) -> float:
    set_aside(site / ".site-gen")
    set_aside(site / "public")
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", _PHASE, str(site), str(jobs)],
        check=True,
        capture_output=True,
        env=env,
    )
    return time.perf_counter() - started


def _profile_jcs(output: Path) -> None:
    sys.path.insert(0, str(REPO))
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    from site_core import jcs
    from site_core.integrity_proofs import add_proof

    documents = [json.loads(p.read_bytes()) for p in sorted((output / "ap" / "posts").iterdir())]
    for document in documents:
        document.pop("proof", None)
    key = load_pem_private_key((KEYS / "test-ed25519-private-key.pem").read_bytes(), None)
    rows = [
        ("JCS fast path", jcs.canonicalize),
        ("JCS full serializer", lambda d: jcs._serialize(d).encode()),
        ("whole proof", lambda d: add_proof(d, key, "https://x/#k", "2024-01-01T00:00:00Z")),  # type: ignore[arg-type]
    ]
    for label, work in rows:
        started = time.perf_counter()
        for document in documents:
            work(document)
        each = (time.perf_counter() - started) / len(documents) * 1e6
        print(f"{label:<22} {each:8.1f} us per object ({len(documents)} objects)")


def compare(n: int, rounds: int, jobs: int, keep: Path | None) -> None:
    """Build N posts `rounds` times each, unsigned and signed, alternating; print the ratio."""
    folder = keep or scratch_folder("site-gen-bench-proofs-")
    plain, signed = folder / "plain", folder / "signed"
    try:
        for site in (plain, signed):
            if not (site / "site.yaml").exists():
                make_site(n, site)
        shutil.copy(KEYS / "test-ed25519-public-key.pem", signed / "ed25519-public-key.pem")
        base = {k: v for k, v in os.environ.items() if not k.startswith("SITE_GEN_ED25519")}
        secret = (KEYS / "test-ed25519-private-key.pem").read_text("ascii")
        signed_env = {**base, "SITE_GEN_ED25519_KEY": secret}
        times: dict[str, list[float]] = {"without proofs": [], "with proofs": []}
        runs = {"without proofs": (plain, base), "with proofs": (signed, signed_env)}
        for number in range(rounds):
            # The order flips each round: the build that runs second pays for the first one's
            # 70,000 files still being written back, which alone made a 1.38 of a 1.10.
            order = list(runs) if number % 2 == 0 else list(reversed(runs))
            for label in order:
                site, env = runs[label]
                times[label].append(_cold_build(site, jobs, env))
        print(f"{n} posts, jobs={jobs}, {rounds} cold builds each")
        medians = {label: statistics.median(values) for label, values in times.items()}
        for label, value in medians.items():
            print(
                f"{label:<16} median {value:7.2f} s  "
                f"({', '.join(f'{v:.2f}' for v in times[label])})"
            )
        ratio = medians["with proofs"] / medians["without proofs"]
        print(f"ratio {ratio:.3f} (goal: at most {GOAL})")
        _profile_jcs(signed / "public")
    finally:
        empty_set_aside()
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)
