"""`KeyResolver`: who may vouch for a key (FEDERATION.md#key-resolution), against a real SQLite
store and documents served from a dict (no network)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from site_function.key_resolver import KeyFailure, KeyResolver, ResolvedKey
from site_function.store.factory import open_store

from site_core.keys import generate_private_key, public_key_pem
from site_remote import FetchResult

NOW = datetime(2025, 1, 1, tzinfo=UTC)
HOST = "https://shared.example"
BOB = f"{HOST}/~bob"
BOB_KEY = f"{BOB}#main-key"
MALLORY_PAGE = f"{HOST}/~mallory/key.json"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Any]:
    opened = open_store(f"sqlite:///{tmp_path / 'state.sqlite3'}")
    yield opened
    opened.close()


def _resolver(store: Any, documents: dict[str, dict[str, Any]], fetched: list[str]) -> KeyResolver:
    async def fetch(url: str) -> FetchResult:
        fetched.append(url)
        if url not in documents:
            return FetchResult("http_error", url, 404)
        return FetchResult("ok", url, 200, documents[url])

    async def call(fn: Any, *args: Any) -> Any:
        return fn(*args)

    return KeyResolver(call, store, fetch, lambda: NOW)


def _actor(actor_id: str, key_id: str, pem: str) -> dict[str, Any]:
    return {"id": actor_id, "type": "Person", "inbox": f"{actor_id}/inbox",
            "publicKey": {"id": key_id, "owner": actor_id, "publicKeyPem": pem}}  # fmt: skip


@pytest.mark.anyio
async def test_a_page_on_the_same_origin_cannot_speak_for_another_account(store: Any) -> None:
    """Mallory's page on a shared origin claims to BE Bob's actor with Mallory's key: Bob's
    own document must list that key before it counts as Bob's, and Bob's cached actor
    (its inbox) must not be overwritten from Mallory's page."""
    mallory_pem = public_key_pem(generate_private_key())
    forged = _actor(BOB, f"{MALLORY_PAGE}#k", mallory_pem)
    forged["inbox"] = f"{HOST}/~mallory/steal"
    documents = {
        MALLORY_PAGE: forged,
        BOB: _actor(BOB, BOB_KEY, public_key_pem(generate_private_key())),
    }
    fetched: list[str] = []
    result = await _resolver(store, documents, fetched).resolve(f"{MALLORY_PAGE}#k")
    assert isinstance(result, KeyFailure)
    assert result.reason == "key_not_listed"
    assert fetched == [MALLORY_PAGE, BOB]
    assert store.get_key(f"{MALLORY_PAGE}#k") is None
    assert store.get_actor(BOB) is None


@pytest.mark.anyio
async def test_a_key_stub_counts_once_the_owner_lists_the_key(store: Any) -> None:
    """GoToSocial: `/main-key` answers a stub `{id: <owner>, publicKey}`."""
    pem = public_key_pem(generate_private_key())
    key_id = f"{BOB}/main-key"
    stub = {"id": BOB, "type": "Person",
            "publicKey": {"id": key_id, "owner": BOB, "publicKeyPem": pem}}  # fmt: skip
    fetched: list[str] = []
    documents = {key_id: stub, BOB: _actor(BOB, key_id, pem)}
    result = await _resolver(store, documents, fetched).resolve(key_id)
    assert isinstance(result, ResolvedKey)
    assert result.owner == BOB
    assert fetched == [key_id, BOB]
    assert store.get_actor(BOB).inbox == f"{BOB}/inbox"


@pytest.mark.anyio
async def test_an_owner_document_with_another_id_does_not_vouch(store: Any) -> None:
    pem = public_key_pem(generate_private_key())
    key_id = f"{BOB}/main-key"
    stub = {"id": key_id, "type": "Key", "owner": BOB, "publicKeyPem": pem}
    documents = {key_id: stub, BOB: _actor(f"{HOST}/~carol", key_id, pem)}
    result = await _resolver(store, documents, []).resolve(key_id)
    assert isinstance(result, KeyFailure)
    assert store.get_key(key_id) is None


@pytest.mark.anyio
async def test_an_actor_served_at_its_own_url_needs_no_second_fetch(store: Any) -> None:
    pem = public_key_pem(generate_private_key())
    fetched: list[str] = []
    result = await _resolver(store, {BOB: _actor(BOB, BOB_KEY, pem)}, fetched).resolve(BOB_KEY)
    assert isinstance(result, ResolvedKey)
    assert fetched == [BOB]
    assert store.get_actor(BOB) is not None
