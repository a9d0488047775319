"""Drafts in the preview: shown and marked as drafts, never given a document a follower sees."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from site_function.delivery.publishing import ledger_state
from site_function.store import open_store

from site_core.urls import ACTIVITY_JSON
from site_gen.cli.site_commands import create_post
from site_gen.config import load_config
from site_gen.serve import PreviewServer
from site_gen.serve.server import local_database_url

DRAFT_TEXT = "Half a thought, not ready for anyone."


@pytest.fixture
def draft(site: Path) -> Path:
    now = datetime.now(UTC).replace(microsecond=0)
    path = create_post(site / "posts", "Work in progress", note=False, now=now)
    path.write_text(path.read_text("utf-8") + DRAFT_TEXT + "\n", "utf-8")
    return path


@pytest.fixture
def previewed(site: Path, draft: Path) -> Iterator[PreviewServer]:
    server = PreviewServer(load_config(site), port=0, watch=False, env={}, report=lambda _: None)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_the_draft_page_is_served_marked_as_a_draft(previewed: PreviewServer) -> None:
    with httpx.Client(base_url=previewed.url, timeout=5) as client:
        page = client.get("/posts/work-in-progress/")
        assert page.status_code == 200
        assert DRAFT_TEXT in page.text
        assert '<span class="draft">Draft</span>' in page.text
        assert "Draft: not published." in page.text
        assert 'name="robots" content="noindex"' in page.text
        for listing in ("/", "/archive/"):
            html = client.get(listing).text
            assert "Work in progress" in html
            assert '<span class="draft">Draft</span>' in html, listing
        hello = client.get("/posts/hello/").text  # a published post carries no draft mark
        assert 'class="draft"' not in hello


def test_a_draft_has_no_activitypub_document(previewed: PreviewServer) -> None:
    headers = {"Accept": ACTIVITY_JSON}
    with httpx.Client(base_url=previewed.url, timeout=5) as client:
        assert client.get("/ap/posts/work-in-progress", headers=headers).status_code == 404
        outbox = client.get("/ap/outbox", headers=headers).json()
        assert outbox["totalItems"] == 1  # the hello note only
        first = client.get(outbox["first"], headers=headers).text
        assert "work-in-progress" not in first
        assert "work-in-progress" not in client.get("/feed.xml").text
        assert "work-in-progress" not in client.get("/sitemap.xml").text
        assert "work-in-progress" not in client.get("/ap/actor", headers=headers).text


def test_serve_records_the_published_posts_not_the_draft(
    site: Path, previewed: PreviewServer
) -> None:
    """The ledger holds what existed when the local function started; the draft is new
    once it is published, so the first publish sends it."""
    store = open_store(local_database_url(previewed.config))
    try:
        ledger = ledger_state(store)
    finally:
        store.close()
    assert ledger.initialized
    assert [item.slug for item in ledger.items] == ["hello"]
    assert ledger.actor_hash is not None


def test_a_public_site_preview_leaves_the_ledger_alone(site: Path) -> None:
    config_file = site / "site.yaml"
    text = config_file.read_text("utf-8").replace("http://localhost:8000", "https://a.example")
    config_file.write_text(text, "utf-8")
    server = PreviewServer(load_config(site), port=0, watch=False, env={}, report=lambda _: None)
    server.start()
    server.stop()
    store = open_store(local_database_url(server.config))
    try:
        ledger = ledger_state(store)
    finally:
        store.close()
    assert not ledger.initialized
    assert ledger.items == ()
