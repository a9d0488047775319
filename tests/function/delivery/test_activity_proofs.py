"""Activities get their integrity proof when the function sends them
(FEDERATION.md#integrity-proofs): made at sending time, verified on a loopback receiver
together with the HTTP signature, one proof per body per drain, none without the key."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from site_function.delivery import AiohttpSender, drain
from site_function.delivery.proofs import ProvingSender, prove_body
from site_function.owner.draining import drain_queue
from site_function.settings import Settings
from site_function.store import NewDelivery, Store

from site_core.context import POST_CONTEXT
from site_core.integrity_proofs import ProofKey, VerifiedProof, verify_proof
from site_core.keys import (
    ED25519_KEY_ENV,
    ed25519_private_key_to_pem,
    generate_ed25519_key,
    load_public_key,
    private_key_to_pem,
    public_key_pem,
)
from site_core.serialize import serialize
from site_core.signatures import SigningKey, VerifiedSignature, verify_request
from site_remote.client import ClientSettings, make_session

pytestmark = pytest.mark.anyio

METHOD = "https://site.test/ap/actor#ed25519-key"
PROOF_KEY = ProofKey(METHOD, generate_ed25519_key())


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    opened = make_session(ClientSettings(user_agent="test", allow_private_addresses=True))
    yield opened
    await opened.close()


def _create(n: int = 1) -> bytes:
    note = {
        "id": f"https://site.test/ap/posts/p{n}",
        "type": "Note",
        "attributedTo": "https://site.test/ap/actor",
        "content": "<p>Grüße, café ☕</p>",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    }
    create = {
        "@context": POST_CONTEXT,
        "id": f"https://site.test/ap/activities/create-{n}",
        "type": "Create",
        "actor": "https://site.test/ap/actor",
        "object": note,
    }
    return serialize(create)


def _http_signature_holds(received: Any, signing_key: SigningKey) -> bool:
    public = load_public_key(public_key_pem(signing_key.private_key))
    target = urlsplit("http://x" + received.path)
    result = verify_request(
        "POST",
        target.path,
        target.query,
        received.headers,
        received.body,
        public,
        datetime.now(UTC),
    )
    return isinstance(result, VerifiedSignature)


async def test_a_delivered_create_carries_a_proof_made_at_sending_time(  # type: ignore[no-untyped-def]
    store: Store, receiver, signing_key, session, clock: Any
) -> None:
    queued_at = clock.now - timedelta(hours=3)  # queued long before the drain
    inboxes = [receiver.behave(f"/inbox/{i}", [202]) for i in range(3)]
    store.enqueue([NewDelivery("c1", inbox, _create()) for inbox in inboxes], queued_at)
    sender = ProvingSender(AiohttpSender(session), PROOF_KEY, clock=clock)
    report = await drain(store, sender, signing_key, budget=10, clock=clock)
    assert report.delivered == 3
    bodies = {r.body for r in receiver.requests}
    assert len(bodies) == 1  # one proof for the body, sent to every inbox
    for received in receiver.requests:
        document = json.loads(received.body)
        result = verify_proof(document, PROOF_KEY.private_key.public_key())
        assert result == VerifiedProof(METHOD, "2026-11-22T12:00:00Z")  # the drain's time
        assert document["object"]["content"] == "<p>Grüße, café ☕</p>"
        # The HTTP signature's Digest covers the body with its proof.
        assert _http_signature_holds(received, signing_key)


async def test_a_later_drain_makes_a_fresh_proof(session, clock: Any) -> None:  # type: ignore[no-untyped-def]
    sender = ProvingSender(AiohttpSender(session), PROOF_KEY, clock=clock, reuse_for=60)
    first = sender.prove(_create())
    clock.advance(seconds=30)
    assert sender.prove(_create()) == first
    clock.advance(seconds=31)
    later = json.loads(sender.prove(_create()))
    assert later["proof"]["created"] == "2026-11-22T12:01:01Z"


def test_bodies_that_cannot_carry_a_proof_are_sent_as_they_are() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for body in (b"not json", b"[1,2]", b'{"type":"Create"}'):
        assert prove_body(body, PROOF_KEY, now) == body
    signed = prove_body(_create(), PROOF_KEY, now)
    assert prove_body(signed, PROOF_KEY, now + timedelta(days=1)) == signed  # no second proof


def _settings(tmp_path: Path, private_key: Any, **extra: Any) -> Settings:
    return Settings(
        base_url="https://site.test",
        username="me",
        private_key=private_key,
        database_url=f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        allow_private_addresses=True,  # the receiver is on loopback
        drain_after_inbox=False,
        **extra,
    )


@pytest.mark.parametrize("with_key", [True, False])
async def test_the_runtimes_drain_proves_only_with_the_key(  # type: ignore[no-untyped-def]
    store: Store, receiver, private_key, clock: Any, tmp_path: Path, with_key: bool
) -> None:
    from site_function.runtime import FunctionRuntime

    inbox = receiver.behave("/inbox", [202])
    store.enqueue([NewDelivery("c2", inbox, _create(2))], clock.now)
    key = PROOF_KEY.private_key if with_key else None
    runtime = FunctionRuntime(_settings(tmp_path, private_key, proof_key=key), store, clock=clock)
    try:
        report = await drain_queue(runtime, 10)
    finally:
        if runtime._session is not None:
            await runtime._session.close()
    assert report.delivered == 1
    (received,) = receiver.requests
    document = json.loads(received.body)
    if with_key:
        public = PROOF_KEY.private_key.public_key()
        assert verify_proof(document, public) == VerifiedProof(METHOD, "2026-11-22T12:00:00Z")
    else:
        assert received.body == _create(2)


def test_settings_read_the_key_from_the_environment(
    tmp_path: Path, private_key, store: Store
) -> None:  # type: ignore[no-untyped-def]
    env = {
        "SITE_GEN_BASE_URL": "https://site.test",
        "SITE_GEN_USERNAME": "me",
        "SITE_GEN_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "SITE_GEN_PRIVATE_KEY": private_key_to_pem(private_key).decode(),
    }
    assert Settings.from_env(env).proof_key is None  # no key, no proofs, no error
    pem = ed25519_private_key_to_pem(PROOF_KEY.private_key).decode()
    settings = Settings.from_env({**env, ED25519_KEY_ENV: pem})
    assert settings.proof_key is not None
    assert "PRIVATE" not in repr(settings)
    from site_function.runtime import FunctionRuntime

    runtime = FunctionRuntime(settings, store)
    assert runtime.proof_key is not None
    assert runtime.proof_key.verification_method == "https://site.test/ap/actor#ed25519-key"
