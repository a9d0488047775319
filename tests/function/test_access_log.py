"""The access-log filter: admin query strings (and any naming a token) never reach a log line."""

from __future__ import annotations

import logging

import pytest
from site_function.access_log import ACCESS_LOGGER, install_access_log_filter, redacted


@pytest.mark.parametrize(
    ("target", "logged"),
    [
        ("/admin/api/followers?token=s3cret", "/admin/api/followers?[query hidden]"),
        ("/%61dmin/api/blocks?state=all", "/%61dmin/api/blocks?[query hidden]"),
        ("/fn/admin/api/blocks/export?x=1", "/fn/admin/api/blocks/export?[query hidden]"),
        ("/ap/followers?access_token=s3cret", "/ap/followers?[query hidden]"),
        ("/ap/followers?page=2", "/ap/followers?page=2"),
        ("/healthz", "/healthz"),
    ],
)
def test_targets_as_logged(target: str, logged: str) -> None:
    assert redacted(target) == logged


def test_the_filter_rewrites_uvicorns_access_record(caplog: pytest.LogCaptureFixture) -> None:
    install_access_log_filter()
    install_access_log_filter()  # twice: still one filter
    logger = logging.getLogger(ACCESS_LOGGER)
    assert sum(type(f).__name__ == "RedactAdminQueries" for f in logger.filters) == 1
    propagate = logger.propagate
    logger.propagate = True  # uvicorn's own config stops propagation; caplog listens at the root
    try:
        with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
            logger.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET",
                        "/admin/api/followers?token=s3cret", "1.1", 400)  # fmt: skip
    finally:
        logger.propagate = propagate
    assert "s3cret" not in caplog.text
    assert "/admin/api/followers?[query hidden]" in caplog.text
