"""The publishing admin routes in-process: auth, plan validation, ledger, 410 Tombstones."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from site_function.app import create_app
from site_function.settings import Settings
from site_function.store import PublishedObject

from site_core.publish.plan import LedgerItem, PlannedActivity, PublishPlan
from site_core.publish.plan_wire import plan_to_dict

TOKEN = "t0ken-for-publishing-routes"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
pytestmark = pytest.mark.anyio


@pytest.fixture
async def app(tmp_path: Path, private_key: Any) -> AsyncIterator[Any]:
    settings = Settings(
        base_url="https://alice.example",
        username="alice",
        private_key=private_key,
        database_url=f"sqlite:///{tmp_path / 'state.sqlite3'}",
        admin_token=TOKEN,
        drain_after_inbox=False,
    )
    application = create_app(settings)
    yield application
    await application.state.runtime.close()


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://alice.example") as http:
        yield http


def _plan(actor: str = "https://alice.example/ap/actor") -> PublishPlan:
    activity = {"id": "https://alice.example/ap/activities/create-a", "type": "Create",
                "actor": actor, "object": {"id": "https://alice.example/ap/posts/a"}}  # fmt: skip
    item = LedgerItem("https://alice.example/ap/posts/a", "a", "h", None, "live")
    return PublishPlan(
        (PlannedActivity("create", activity, item.object_id, "a"),), (item,), "actor-hash", False
    )


async def test_every_route_needs_the_token(client: httpx.AsyncClient) -> None:
    for method, path in [
        ("GET", "/admin/api/publish/ledger"),
        ("POST", "/admin/api/publish"),
        ("GET", "/admin/api/deliveries"),
        ("POST", "/admin/api/deliveries/retry"),
        ("POST", "/admin/api/deliveries/drain"),
        ("POST", "/admin/api/move"),
    ]:
        assert (await client.request(method, path)).status_code == 401, path
        wrong = {"Authorization": "Bearer nope"}
        assert (await client.request(method, path, headers=wrong)).status_code == 401, path


async def test_publish_records_the_ledger_once(client: httpx.AsyncClient) -> None:
    ledger = (await client.get("/admin/api/publish/ledger", headers=AUTH)).json()
    assert ledger == {"initialized": False, "actor_hash": None, "items": []}
    body = {"plan": plan_to_dict(_plan()), "dry_run": True}
    dry = (await client.post("/admin/api/publish", json=body, headers=AUTH)).json()
    assert dry["dry_run"]
    assert dry["queued"] == 0
    assert dry["audiences"][0]["followers"] == 0
    assert (await client.get("/admin/api/publish/ledger", headers=AUTH)).json()["items"] == []
    body["dry_run"] = False
    assert (await client.post("/admin/api/publish", json=body, headers=AUTH)).status_code == 200
    ledger = (await client.get("/admin/api/publish/ledger", headers=AUTH)).json()
    assert ledger["initialized"]
    assert ledger["actor_hash"] == "actor-hash"
    assert [item["slug"] for item in ledger["items"]] == ["a"]


async def test_a_foreign_or_malformed_plan_is_refused(client: httpx.AsyncClient) -> None:
    foreign = {"plan": plan_to_dict(_plan("https://mallory.example/actor"))}
    assert (await client.post("/admin/api/publish", json=foreign, headers=AUTH)).status_code == 400
    malformed = {"plan": {}}
    assert (
        await client.post("/admin/api/publish", json=malformed, headers=AUTH)
    ).status_code == 400
    bad_move = {"activity": {"type": "Move", "actor": "https://x.example/a"}}
    assert (await client.post("/admin/api/move", json=bad_move, headers=AUTH)).status_code == 400
    response = await client.post("/admin/api/deliveries/drain", json={"budget": 9999}, headers=AUTH)
    assert response.status_code == 400


async def test_a_deleted_post_answers_410_with_a_tombstone(
    app: Any, client: httpx.AsyncClient
) -> None:
    store = app.state.runtime.store
    now = datetime.now(UTC)
    object_id = "https://alice.example/ap/posts/gone"
    row = PublishedObject(object_id, "gone", "h", None, "deleted", now, now)
    store.save_published([row], [], now)
    response = await client.get("/ap/posts/gone")
    assert response.status_code == 410
    assert response.json() == {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": object_id,
        "type": "Tombstone",
    }
    assert response.headers["content-type"].startswith("application/activity+json")
    assert (await client.get("/ap/posts/never-existed")).status_code == 404


async def test_a_create_at_a_deleted_id_is_refused(app: Any, client: httpx.AsyncClient) -> None:
    """FEDERATION.md#tombstones: a plan that re-creates a deleted object is refused, nothing is
    recorded."""
    store = app.state.runtime.store
    now = datetime.now(UTC)
    row = PublishedObject("https://alice.example/ap/posts/a", "a", "h", None, "deleted", now, now)
    store.save_published([row], [], now)
    body = {"plan": plan_to_dict(_plan()), "dry_run": False}
    response = await client.post("/admin/api/publish", json=body, headers=AUTH)
    assert response.status_code == 400
    assert "new slug" in response.text
    assert store.get_published(row.object_id).state == "deleted"
