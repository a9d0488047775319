"""The inbox's POSTs skip Starlette (`FunctionApp`); under a `root_path` they go through its
router to the same endpoint. Both ways must answer alike, store failures included."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from site_function.app import create_app
from site_function.settings import Settings

ACTIVITY = "application/activity+json"
SIGNATURE = (
    'keyId="https://remote.example/users/bob#main-key",algorithm="rsa-sha256",'
    'headers="(request-target) host date",signature="AAAA"'
)


def _settings(our_key: Any, database_url: str) -> Settings:
    return Settings(
        base_url="https://alice.example",
        username="alice",
        private_key=our_key,
        database_url=database_url,
        function_url="http://fn.example",
        allow_private_addresses=True,
    )


async def _post(app: Any, root: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, root_path=root)
    async with httpx.AsyncClient(transport=transport, base_url="http://fn.example") as client:
        return await client.post(f"{root}/ap/inbox", content=body, headers=headers)


@pytest.mark.anyio
@pytest.mark.parametrize("root", ["", "/mounted"])
async def test_both_ways_answer_alike(our_key: Any, database_url: str, root: str) -> None:
    app = create_app(_settings(our_key, database_url))
    try:
        cases = [
            (b"{}", {"content-type": "text/plain"}, 415, "unsupported_media_type"),
            (b"{}", {"content-type": ACTIVITY}, 401, None),
            (b"x" * (1024 * 1024 + 1), {"content-type": ACTIVITY}, 413, "too_large"),
        ]
        for body, headers, status, reason in cases:
            response = await _post(app, root, body, headers)
            assert response.status_code == status, response.text
            assert response.headers["content-type"] == "application/json"
            assert int(response.headers["content-length"]) == len(response.content)
            if reason is not None:
                assert response.json()["status"] == reason
    finally:
        await app.state.runtime.close()


@pytest.mark.anyio
@pytest.mark.parametrize("root", ["", "/mounted"])
async def test_store_failure_is_503(our_key: Any, database_url: str, root: str) -> None:
    app = create_app(_settings(our_key, database_url))
    runtime = app.state.runtime
    runtime.store.close()  # every store call now raises StoreError
    headers = {
        "content-type": ACTIVITY,
        "date": "Mon, 01 Jan 2024 00:00:00 GMT",
        "signature": SIGNATURE,
    }
    body = b'{"type": "Like", "actor": "https://remote.example/users/bob"}'
    try:
        response = await _post(app, root, body, headers)
        assert response.status_code == 503, response.text
        assert response.json() == {"status": "unavailable"}
    finally:
        await runtime.close()
