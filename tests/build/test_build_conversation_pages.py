"""The approved conversation in the built site: what is published and what never is, the
`--allow-missing-media` flag, the rebuild of one edited file, and publishing, which sends
followers nothing for a new reply."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from site_core.errors import ConfigError
from site_core.publish.plan import LedgerState, plan_publish
from site_gen.build.pipeline import build_site
from site_gen.cli import cli
from site_gen.config import load_config
from site_gen.publish.built_output import read_built_site

CONVERSATION = "conversations/static-sites.yaml"
REJECTED_PICTURE = "b79c6a438b32cf99279b8534c1e6eaef.webp"  # of the rejected reply
NOW = datetime(2024, 6, 1, tzinfo=UTC)


def _build(site: Path, **options: object) -> tuple[Path, object]:
    report = build_site(load_config(site), jobs=1, offline=True, **options)  # type: ignore[arg-type]
    assert report.output is not None
    return report.output, report


def test_rejected_and_pending_items_are_absent_from_pages_collections_and_media(
    sample_site: Path,
) -> None:
    output, _report = _build(sample_site)
    assert (sample_site / "conversations/media" / REJECTED_PICTURE).is_file()
    assert not (output / "conversations/media" / REJECTED_PICTURE).exists()
    images = (".webp", ".png", ".jpg")
    texts = [
        p.read_text("utf-8") for p in output.rglob("*") if p.is_file() and p.suffix not in images
    ]
    for absent in ("Buy cheap followers", "Still waiting for the owner", "spam.example", "77002"):
        assert not any(absent in text for text in texts), absent
    shown = sorted(p.name for p in (output / "conversations/media").iterdir())
    assert len(shown) == 6  # five avatars shown as replies or faces, and one image


def test_every_image_of_every_page_comes_from_the_site(sample_site: Path) -> None:
    import re

    output, _report = _build(sample_site)
    base = load_config(sample_site).urls.base_url
    for page in output.rglob("*.html"):
        for source in re.findall(r'<img[^>]*\ssrc="([^"]*)"', page.read_text("utf-8")):
            assert source.startswith(base + "/"), (page, source)
        assert 'srcset="http' not in page.read_text("utf-8")


def test_collections_are_documents_at_their_ids(sample_site: Path) -> None:
    output, _report = _build(sample_site)
    urls = load_config(sample_site).urls
    post = json.loads((output / "ap/posts/static-sites").read_text("utf-8"))
    assert post["replies"]["id"] == urls.replies_collection("static-sites")
    first = post["replies"]["first"]
    assert first["items"] == [
        "https://example.social/users/ana/statuses/112200000001",
        "https://pixels.example/users/dan/statuses/900001",
        "https://garden.example/users/eve/statuses/77001",
        "https://example.social/users/bob/statuses/112233445566",
        urls.post_object("re-wheel-truing"),
    ]
    assert post["likes"] == urls.likes_collection("static-sites")
    assert post["context"] == urls.context_collection("static-sites")
    for url in (post["replies"]["id"], first["id"], post["likes"], post["shares"], post["context"]):
        document = json.loads((output / urls.path_of(url).lstrip("/")).read_text("utf-8"))
        assert document["id"] == url
    likes = json.loads((output / "ap/likes/static-sites").read_text("utf-8"))
    assert likes["totalItems"] == 3
    context = json.loads((output / "ap/contexts/static-sites").read_text("utf-8"))
    assert context["orderedItems"][0] == urls.post_object("static-sites")
    assert context["attributedTo"] == urls.actor
    empty = json.loads((output / "ap/replies/spring-garden").read_text("utf-8"))
    assert (empty["totalItems"], empty["first"]["items"]) == (0, [])


def test_more_than_twenty_replies_are_paged_with_next(sample_site: Path) -> None:
    path = sample_site / CONVERSATION
    text = path.read_text("utf-8")
    extra = "".join(
        f"- id: https://many.example/s/{n}\n  kind: reply\n  status: approved\n"
        f"  received: 2024-05-01T10:{n:02d}:00Z\n  author:\n    id: https://many.example/u/{n}\n"
        f"  in_reply_to: http://localhost:8000/ap/posts/static-sites\n  content: <p>Reply {n}</p>\n"
        for n in range(25)
    )
    path.write_text(text + extra, "utf-8")
    output, _report = _build(sample_site)
    first = json.loads((output / "ap/replies-pages/static-sites/1").read_text("utf-8"))
    second = json.loads((output / "ap/replies-pages/static-sites/2").read_text("utf-8"))
    assert len(first["items"]) == 20
    assert first["next"] == second["id"]
    assert len(second["items"]) == 10
    assert "next" not in second


def test_a_missing_picture_stops_the_build_unless_allowed(sample_site: Path) -> None:
    avatar = next((sample_site / "conversations/media").glob("860b*.webp"))
    avatar.unlink()
    with pytest.raises(ConfigError) as caught:
        _build(sample_site)
    assert f"{CONVERSATION}:" in str(caught.value)
    assert "not found in conversations/media/" in str(caught.value)
    output, report = _build(sample_site, allow_missing_media=True)
    assert any(f"{CONVERSATION}:" in w and "shown without it" for w in report.warnings)  # type: ignore[attr-defined]
    assert not (output / "conversations/media" / avatar.name).exists()
    assert avatar.name not in (output / "posts/static-sites/index.html").read_text("utf-8")
    result = CliRunner().invoke(
        cli, ["build", "--site", str(sample_site), "--offline", "--allow-missing-media"]
    )
    assert result.exit_code == 0, result.output


def test_editing_one_file_rewrites_only_that_posts_files_and_its_listings(
    sample_site: Path,
) -> None:
    output, _report = _build(sample_site)
    before = {p: p.read_bytes() for p in output.rglob("*") if p.is_file()}
    path = sample_site / CONVERSATION
    path.write_text(path.read_text("utf-8").replace("status: pending", "status: approved"))
    _output, report = _build(sample_site)
    after = {p: p.read_bytes() for p in output.rglob("*") if p.is_file()}
    changed = sorted(p.relative_to(output).as_posix() for p in after if before.get(p) != after[p])
    assert changed == [
        "ap/contexts/static-sites",
        "ap/posts/static-sites",
        "ap/replies-pages/static-sites/1",
        "ap/replies/static-sites",
        "archive/index.html",
        "index.html",
        "posts/static-sites/index.html",
        "tags/fediverse/index.html",
        "tags/python/index.html",
        "tags/software/index.html",
    ]
    assert report.written == len(changed)  # type: ignore[attr-defined]


def test_a_new_reply_sends_followers_nothing(sample_site: Path) -> None:
    output, _report = _build(sample_site)
    urls = load_config(sample_site).urls
    first = plan_publish(read_built_site(output, urls), LedgerState(initialized=True), urls, NOW)
    ledger = LedgerState(first.ledger, initialized=True, actor_hash=first.actor_hash)
    path = sample_site / CONVERSATION
    path.write_text(path.read_text("utf-8").replace("status: pending", "status: approved"))
    _build(sample_site)
    again = plan_publish(read_built_site(output, urls), ledger, urls, NOW)
    assert [a.kind for a in again.activities] == []
    assert again.silent_edits == ()
    shutil.rmtree(sample_site / "conversations")


def test_the_cache_skips_unchanged_files_and_keeps_errors_exact(sample_site: Path) -> None:
    from site_gen.build.conversation_cache import STORE_NAME
    from site_gen.build.conversation_inputs import read_conversations

    _build(sample_site)
    cache = load_config(sample_site).state_dir / "cache"
    store = cache / STORE_NAME
    assert store.is_file()
    stamp = store.stat().st_mtime_ns
    conversations = read_conversations(load_config(sample_site), cache)
    assert store.stat().st_mtime_ns == stamp  # nothing parsed, nothing written
    assert sorted(conversations.summaries) == ["hello-fediverse", "static-sites"]
    path = sample_site / CONVERSATION
    path.write_text(path.read_text("utf-8").replace("kind: boost", "kind: bost", 1), "utf-8")
    with pytest.raises(ConfigError) as caught:
        _build(sample_site)
    assert f"{CONVERSATION}:" in str(caught.value)
    assert "did you mean boost?" in str(caught.value)
