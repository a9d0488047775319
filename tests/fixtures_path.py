"""Where the tests find their stored fixtures: `tests/fixtures/`, inside the repository.

Real-world documents sit in one folder per peer (`mastodon/`, `gotosocial/`, ...), signature
test vectors in `signatures/`, JSON-LD contexts in `jsonld-contexts/`; `SOURCES.md` there says
where each file came from. Every test names these constants instead of building paths itself,
so nothing reaches outside the repository.
"""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SIGNATURE_VECTORS = FIXTURES / "signatures"
JSONLD_CONTEXTS = FIXTURES / "jsonld-contexts"
