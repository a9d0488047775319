"""`require`: a missing program skips a test locally and fails it under `CI=true`."""

from __future__ import annotations

import pytest
from requirements import connect_postgres, require


def test_a_missing_program_is_skipped_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="frobnicator is not installed"):
        require(False, "frobnicator is not installed")


def test_a_missing_program_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"required in CI: frobnicator .*setup"):
        require(False, "frobnicator is not installed")


def test_a_present_program_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    require("/usr/bin/true", "true is not installed")


def test_an_unreachable_postgres_fails_in_ci_without_its_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(
        pytest.fail.Exception, match=r"not reachable at 127\.0\.0\.1:1/test"
    ) as failed:
        connect_postgres("postgresql://postgres:s3cret-pw@127.0.0.1:1/test")
    assert "s3cret-pw" not in str(failed.value)
