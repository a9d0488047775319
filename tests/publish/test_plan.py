"""Planning a publish: the built outbox against the ledger (pure, no network)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from site_core.publish.plan import FRESH_WINDOW, LedgerItem, LedgerState, plan_publish
from site_core.publish.plan_wire import plan_from_dict, plan_to_dict
from site_gen.publish.built_output import read_built_site
from site_gen.publish.report import format_plan, plain_text

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def _ledger(site, *, skip: str | None = None, actor_hash: str | None = None) -> LedgerState:  # type: ignore[no-untyped-def]
    plan = plan_publish(site, LedgerState(), _urls(site), NOW)
    items = tuple(item for item in plan.ledger if item.slug != skip)
    return LedgerState(items, True, actor_hash or plan.actor_hash)


def _urls(site):  # type: ignore[no-untyped-def]
    from site_core.urls import UrlScheme

    actor = site.actor["id"]
    return UrlScheme(actor.rsplit("/ap/actor", 1)[0], site.actor["preferredUsername"])


def test_reads_every_post_of_the_outbox(site) -> None:  # type: ignore[no-untyped-def]
    built = read_built_site(site.output_dir, site.urls)
    slugs = {post.slug for post in built.posts}
    assert "hello-fediverse" in slugs
    assert "summer-plans" not in slugs
    assert len(built.posts) == 7
    assert built.actor["id"] == site.urls.actor
    assert all(post.create["type"] == "Create" and post.create["@context"] for post in built.posts)


def test_first_publish_records_everything_and_sends_nothing(site) -> None:  # type: ignore[no-untyped-def]
    built = read_built_site(site.output_dir, site.urls)
    plan = plan_publish(built, LedgerState(), site.urls, NOW)
    assert plan.first_publish
    assert plan.empty
    assert {item.slug for item in plan.ledger} == {post.slug for post in built.posts}
    assert "First publish" in format_plan(plan)


def test_second_publish_without_changes_sends_nothing(site) -> None:  # type: ignore[no-untyped-def]
    built = read_built_site(site.output_dir, site.urls)
    plan = plan_publish(built, _ledger(built), site.urls, NOW)
    assert plan.empty
    assert not plan.first_publish
    assert plan.unchanged == 7


def test_new_post_is_a_create_with_a_fresh_published(site) -> None:  # type: ignore[no-untyped-def]
    built = read_built_site(site.output_dir, site.urls)
    plan = plan_publish(built, _ledger(built, skip="thanks-carol"), site.urls, NOW)
    [create] = plan.activities
    assert create.kind == "create"
    assert create.slug == "thanks-carol"
    # The front-matter date is from 2024: older than Mastodon's 6 h window
    # (FEDERATION.md#realtime-window).
    assert create.activity["object"]["published"] == "2026-11-22T12:00:00Z"
    assert create.activity["published"] == "2026-11-22T12:00:00Z"
    assert "published now" in create.note
    assert create.extra_actors  # the post mentions someone: their inbox gets it too
    [row] = plan.ledger
    assert row.slug == "thanks-carol"
    assert row.state == "live"


def test_a_fresh_post_keeps_its_date(site) -> None:  # type: ignore[no-untyped-def]
    built = read_built_site(site.output_dir, site.urls)
    post = next(p for p in built.posts if p.slug == "hello-fediverse")
    plan = plan_publish(
        built,
        _ledger(built, skip="hello-fediverse"),
        site.urls,
        post.published + FRESH_WINDOW - timedelta(minutes=1),
    )
    assert plan.activities[0].activity["object"]["published"] == post.object["published"]


def _edit(path: Path, updated: str | None, extra: str = "") -> None:
    text = path.read_text(encoding="utf-8")
    head, _, body = text[4:].partition("\n---\n")
    if updated:
        lines = [line for line in head.splitlines() if not line.startswith("updated:")]
        head = "\n".join([*lines, f"updated: {updated}"])
    path.write_text(f"---\n{head}\n---\n{body}{extra}", encoding="utf-8")


def test_update_only_with_a_newer_updated_date(site, rebuild) -> None:  # type: ignore[no-untyped-def]
    built = read_built_site(site.output_dir, site.urls)
    ledger = _ledger(built)
    source = site.posts_dir / "2024-04-01-static-sites.md"
    _edit(source, None, "\nA silent typo fix.\n")
    silent = read_built_site(rebuild(site).output_dir, site.urls)
    plan = plan_publish(silent, ledger, site.urls, NOW)
    assert plan.empty
    assert plan.silent_edits == ("static-sites",)
    assert "silent fix" in format_plan(plan)
    _edit(source, "2026-11-22 11:00:00", "\nAn edit worth telling.\n")
    edited = read_built_site(rebuild(site).output_dir, site.urls)
    plan = plan_publish(edited, ledger, site.urls, NOW)
    [update] = plan.activities
    assert update.kind == "update"
    assert update.activity["type"] == "Update"
    assert update.activity["id"].endswith("update-static-sites-20261122T110000Z")
    assert "An edit worth telling." in update.activity["object"]["content"]
    # With the ledger updated, the same edit is not sent again.
    after = LedgerState(
        tuple(i for i in ledger.items if i.slug != "static-sites") + plan.ledger,
        True,
        plan.actor_hash,
    )
    assert plan_publish(edited, after, site.urls, NOW).empty


def test_removed_post_is_a_delete_and_the_ledger_keeps_it(site, rebuild) -> None:  # type: ignore[no-untyped-def]
    built = read_built_site(site.output_dir, site.urls)
    ledger = _ledger(built)
    (site.posts_dir / "2024-03-10-spring-garden.md").unlink()
    after = read_built_site(rebuild(site).output_dir, site.urls)
    plan = plan_publish(after, ledger, site.urls, NOW)
    [delete] = plan.activities
    assert delete.kind == "delete"
    assert delete.activity["object"] == {
        "id": site.urls.post_object("spring-garden"),
        "type": "Tombstone",
    }
    assert plan.ledger == (
        LedgerItem(
            site.urls.post_object("spring-garden"),
            "spring-garden",
            next(i for i in ledger.items if i.slug == "spring-garden").content_hash,
            None,
            "deleted",
        ),
    )


def test_profile_change_is_an_update_of_the_actor(site) -> None:  # type: ignore[no-untyped-def]
    built = read_built_site(site.output_dir, site.urls)
    plan = plan_publish(built, _ledger(built, actor_hash="0" * 64), site.urls, NOW)
    [update] = plan.activities
    assert update.kind == "update-actor"
    assert update.activity["object"]["type"] == "Person"
    assert "@context" not in update.activity["object"]
    assert "profile refreshed" in format_plan(plan)


def test_plan_round_trips_through_json(site) -> None:  # type: ignore[no-untyped-def]
    built = read_built_site(site.output_dir, site.urls)
    plan = plan_publish(built, _ledger(built, skip="thanks-carol", actor_hash="x"), site.urls, NOW)
    assert plan_from_dict(plan_to_dict(plan)) == plan


def test_plain_text_keeps_paragraphs() -> None:
    html = '<p>Hello <a href="x">#<span>tag</span></a></p><p>Second&amp;last</p>'
    assert plain_text(html) == "Hello #tag\n\nSecond&last"


def test_a_new_post_at_a_deleted_slug_is_refused(site, rebuild) -> None:  # type: ignore[no-untyped-def]
    """FEDERATION.md#tombstones: a deleted id is never reused; the publish stops with a clear
    message."""
    import pytest

    from site_core.errors import ContentError

    built = read_built_site(site.output_dir, site.urls)
    ledger = _ledger(built)
    source = site.posts_dir / "2024-03-10-spring-garden.md"
    text = source.read_text(encoding="utf-8")
    source.unlink()
    gone = read_built_site(rebuild(site).output_dir, site.urls)
    deleted = plan_publish(gone, ledger, site.urls, NOW)
    after = LedgerState(
        tuple(i for i in ledger.items if i.slug != "spring-garden") + deleted.ledger,
        True,
        deleted.actor_hash,
    )
    source.write_text(text, encoding="utf-8")  # the same slug comes back
    back = read_built_site(rebuild(site).output_dir, site.urls)
    with pytest.raises(ContentError, match=r"spring-garden.*new slug"):
        plan_publish(back, after, site.urls, NOW)


def test_a_profile_back_to_an_earlier_state_gets_a_new_update_id(site) -> None:  # type: ignore[no-untyped-def]
    """The queue never sends one activity id twice to an inbox: a profile changed A -> B -> A
    must not reuse the id of the first Update{Person} to A, or the last change is lost."""
    built = read_built_site(site.output_dir, site.urls)
    first = plan_publish(built, _ledger(built, actor_hash="0" * 64), site.urls, NOW)
    later = plan_publish(
        built, _ledger(built, actor_hash="1" * 64), site.urls, NOW + timedelta(days=1)
    )
    assert first.activities[0].activity_id != later.activities[0].activity_id


def test_a_dry_first_publish_does_not_claim_to_record(site) -> None:  # type: ignore[no-untyped-def]
    built = read_built_site(site.output_dir, site.urls)
    plan = plan_publish(built, LedgerState(), site.urls, NOW)
    assert "7 existing posts would be recorded" in format_plan(plan, {"dry_run": True})
    assert "7 existing posts are recorded" in format_plan(plan, {"dry_run": False})


def test_an_updated_date_in_the_future_is_refused(site, rebuild) -> None:  # type: ignore[no-untyped-def]
    """FEDERATION.md#update-newer: an Update dated in the future would make every real edit before
    that date look older to receivers (and to the ledger), so it would never be sent."""
    import pytest

    from site_core.errors import ContentError

    built = read_built_site(site.output_dir, site.urls)
    ledger = _ledger(built)
    source = site.posts_dir / "2024-04-01-static-sites.md"
    _edit(source, "2026-11-22 12:04:00", "\nWithin the clock-skew slack.\n")
    skewed = read_built_site(rebuild(site).output_dir, site.urls)
    [update] = plan_publish(skewed, ledger, site.urls, NOW).activities
    assert update.kind == "update"
    _edit(source, "2027-01-01 00:00:00", "\nDated next year.\n")
    future = read_built_site(rebuild(site).output_dir, site.urls)
    with pytest.raises(ContentError, match=r"static-sites \(updated 2027-01-01T00:00:00Z\)"):
        plan_publish(future, ledger, site.urls, NOW)
    with pytest.raises(ContentError, match="in the future"):  # the first publish too
        plan_publish(future, LedgerState(), site.urls, NOW)
