"""Programs and servers some tests drive for real: skipped locally when absent, failed in CI.

On a developer's machine a missing PostgreSQL, Chromium, nginx, Caddy, Apache or actionlint
skips the tests that need it, with a note saying what is missing (`scripts/setup --system`
installs them all). In CI (`CI=true`) the same absence fails the test: a skip there would turn
a broken environment into a green run.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    import psycopg

SETUP_HINT = "run scripts/setup --system"
POSTGRES_URL = os.environ.get("SITE_GEN_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def missing(what: str, fix: str = SETUP_HINT) -> NoReturn:
    """Skip the test, or fail it under `CI=true`, saying what is missing and how to get it."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"required in CI: {what} ({fix})", pytrace=False)
    pytest.skip(f"{what} ({fix})")


def require(condition: object, what: str, fix: str = SETUP_HINT) -> None:
    """`missing(what)` unless `condition` holds."""
    if not condition:
        missing(what, fix)


def connect_postgres(url: str = POSTGRES_URL) -> psycopg.Connection[Any]:
    """An autocommit connection to the test server, or `missing` with the reason it failed."""
    try:
        import psycopg
    except ImportError:
        missing("psycopg is not installed", "pip install -e '.[dev]'")
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        reason = " ".join(str(exc).split())
        missing(
            f"PostgreSQL is not reachable at {_without_password(url)}: {reason}",
            f"{SETUP_HINT}, or point SITE_GEN_TEST_POSTGRES at a server",
        )


def _without_password(url: str) -> str:
    """The server part of a database URL, for messages: a password never goes into a report."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or 5432}{parts.path}"
