"""Blocklist subscriptions: a list served by a loopback server of our own, synced into a
reviewable file with its preview, and applied only by `apply-subscriptions`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from function_harness import ADMIN_TOKEN, FakeFediverse, ServerThread, post_signed
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from site_gen.cli import cli

LIST = "#domain,#severity,#public_comment\nspam.test,suspend,spam\nknown.test,suspend,\n"


def _serve(request: Request) -> Response:
    return Response(request.app.state.text, media_type="text/csv")


@pytest.fixture
def list_server() -> Any:
    app = Starlette(routes=[Route("/list.csv", _serve)])
    app.state.text = LIST
    with ServerThread(app) as server:
        yield app, f"{server.url}/list.csv"


def _cli(fn: Any, site: Path, *args: str) -> Any:
    common = ["--site", str(site), "--function-url", fn.url]
    return CliRunner().invoke(cli, [*args, *common], env={"SITE_GEN_ADMIN_TOKEN": ADMIN_TOKEN})


def test_sync_proposes_and_only_apply_blocks(
    fediverse: FakeFediverse, make_function: Any, list_server: Any, tmp_path: Path
) -> None:
    app, url = list_server
    fn = make_function(drain_after_inbox=False)
    site = tmp_path / "site"
    site.mkdir()
    (site / "site.yaml").write_text(
        "base_url: https://alice.example\nusername: alice\ndisplay_name: A\n"
    )
    spammer = fediverse.add("spam.test", "s")
    follow = spammer.activity("Follow", "https://alice.example/ap/actor")
    assert post_signed(fn.client, fn.inbox, spammer, follow).status_code == 202
    assert fn.admin("POST", "/blocks", json={"target": "known.test"}).status_code == 200
    subscribed = CliRunner().invoke(cli, ["blocks", "subscribe", url, "--site", str(site)])
    assert subscribed.exit_code == 0, subscribed.output
    assert yaml.safe_load((site / "site.yaml").read_text())["blocklists"] == [url]
    assert (site / ".github/workflows/blocklists.yml").is_file()
    bad = CliRunner().invoke(cli, ["blocks", "subscribe", "ftp://x.test/l", "--site", str(site)])
    assert bad.exit_code != 0
    assert "https:// URL" in bad.output

    synced = _cli(fn, site, "blocks", "sync", "--allow-private-addresses")
    assert synced.exit_code == 0, synced.output
    assert "1 new" in synced.output
    assert "spam.test: 1 follower would be removed, 0 pending requests rejected" in synced.output
    [csv_file] = (site / "blocklists").glob("*.csv")
    rows = ["known.test,suspend,false,false,,false", "spam.test,suspend,false,false,spam,false"]
    assert csv_file.read_text().splitlines()[1:] == rows
    summary = csv_file.with_suffix(".md").read_text()
    assert "- spam.test" in summary
    assert "1 follower would be removed" in summary
    assert fn.store.get_follower(spammer.id) is not None  # nothing applied yet
    assert [b.value for b in fn.store.list_blocks()] == ["known.test"]

    dry = _cli(fn, site, "blocks", "apply-subscriptions", "--dry-run")
    assert dry.exit_code == 0
    assert "spam.test: 1 follower would be removed" in dry.output
    assert [b.value for b in fn.store.list_blocks()] == ["known.test"]
    applied = _cli(fn, site, "blocks", "apply-subscriptions", "--yes")
    assert applied.exit_code == 0, applied.output
    assert "imported 1 block" in applied.output
    assert [b.value for b in fn.store.list_blocks()] == ["known.test", "spam.test"]
    assert fn.store.get_follower(spammer.id) is None

    app.state.text = "#domain\nknown.test\n"  # the list drops spam.test: reported, not lifted
    again = _cli(fn, site, "blocks", "sync", "--allow-private-addresses")
    assert again.exit_code == 0, again.output
    assert "0 new, 1 no longer listed" in again.output
    assert "still blocked" in csv_file.with_suffix(".md").read_text()
