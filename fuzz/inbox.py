"""Fuzz the inbox in-process: no input may escape as an exception or a 5xx (but deliberate 503).

Run: `.venv/bin/python -m fuzz.inbox [--seconds 180]` (see fuzz/__init__.py).

The app is `create_app(settings)` with SQLite in a temporary directory, called through httpx's
ASGI transport (no sockets for the inbox itself). A made-up remote actor's key and actor
document are preloaded into the store, so requests it signs (cavage rsa-sha256, hs2019,
RFC 9421) pass verification and their bodies reach parsing, blocks, idempotency and the
handlers. Any server the function would fetch resolves to 127.0.0.1, where nothing answers:
that is a transient failure, answered 503 with Retry-After, which is deliberate.
"""

from __future__ import annotations

import asyncio
import socket
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from aiohttp.abc import AbstractResolver, ResolveResult
from hypothesis import given
from hypothesis import strategies as st
from site_function.app import create_app
from site_function.remote_actors import actor_from_document
from site_function.settings import Settings
from site_function.store.base import RemoteKey

from fuzz._runner import BATCH, Figures, parse_seconds, run_bounded
from fuzz.activities import ACTOR_ID, OUR_ACTOR, bodies
from site_core.keys import generate_private_key, public_key_pem
from site_core.publish.owner_settings import OwnerSettings
from site_core.signatures import SigningKey, sign_request
from site_remote import make_session

FIGURES = Figures()
DETAILS: Counter[str] = Counter()
KEY_ID = f"{ACTOR_ID}#main-key"
ACTOR_KEY = generate_private_key()
FUNCTION = "http://fn.example"
DELIBERATE_503 = frozenset({"actor_unavailable", "retry", "unavailable"})


class Loopback(AbstractResolver):
    """Every name is 127.0.0.1: the function never reaches a real server."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        address = "127.0.0.1"
        return [ResolveResult(hostname=host, host=address, port=port, family=socket.AF_INET,
                              proto=0, flags=0)]  # fmt: skip

    async def close(self) -> None:
        return None


def actor_document() -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": ACTOR_ID,
        "type": "Person",
        "preferredUsername": "fuzz",
        "inbox": f"{ACTOR_ID}/inbox",
        "endpoints": {"sharedInbox": "https://remote.example/inbox"},
        "publicKey": {"id": KEY_ID, "owner": ACTOR_ID, "publicKeyPem": public_key_pem(ACTOR_KEY)},
    }


def build_app(directory: Path) -> Any:
    settings = Settings(
        base_url="https://alice.example",
        username="alice",
        private_key=generate_private_key(),
        database_url=f"sqlite:///{directory / 'state.sqlite3'}",
        admin_token="fuzz-admin-token-0123456789",  # noqa: S106 - a made-up local token
        function_url=FUNCTION,
        allow_private_addresses=True,  # so fetches reach 127.0.0.1 and fail there, quickly
        owner=OwnerSettings(),
        drain_after_inbox=False,
    )
    app = create_app(
        settings, session_factory=lambda s: make_session(s.client, resolver=Loopback())
    )
    store, now = app.state.runtime.store, datetime.now(UTC)
    store.save_key(RemoteKey(KEY_ID, ACTOR_ID, public_key_pem(ACTOR_KEY), now))
    actor = actor_from_document(actor_document(), now)
    assert actor is not None
    store.save_actor(actor)
    return app


LOOP = asyncio.new_event_loop()
TEMP = tempfile.TemporaryDirectory(prefix="site-gen-fuzz-")
APP = build_app(Path(TEMP.name))
CLIENT = httpx.AsyncClient(transport=httpx.ASGITransport(app=APP), base_url=FUNCTION, timeout=30)

# Header values as an HTTP server hands them on: latin-1, no CR, LF or NUL.
header_values = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=60
)
header_names = st.sampled_from(
    ["content-type", "signature", "signature-input", "authorization", "date", "digest",
     "content-digest", "host", "accept", "x-forwarded-for", "content-encoding"]
) | st.from_regex(r"[a-z][a-z0-9-]{0,15}", fullmatch=True)  # fmt: skip
content_types = st.sampled_from(
    ["application/activity+json",
     'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
     "application/json", "APPLICATION/ACTIVITY+JSON; charset=utf-8"]
)  # fmt: skip
content_types = st.one_of(content_types, content_types, content_types, header_values)
paths = st.sampled_from(["/ap/inbox", "/ap/shared-inbox", "/ap/inbox?x=%ff", "/ap/inbox?a=b"])


def _check(response: httpx.Response, kind: str) -> None:
    status = response.status_code
    reason = ""
    if response.headers.get("content-type", "").startswith("application/json"):
        reason = str(response.json().get("status", ""))
    FIGURES.saw(f"{kind} {status} {reason}")
    if DETAILS and status == 400:
        DETAILS[response.json().get("detail", "")[:50]] += 1
    if status == 503:
        assert reason in DELIBERATE_503, f"503 {reason}: {response.text[:300]}"
        assert response.headers.get("retry-after"), "503 without Retry-After"
    else:
        assert status < 500, f"{status}: {response.text[:300]}"


async def _post(path: str, headers: dict[str, str], body: bytes) -> httpx.Response:
    raw = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]
    return await CLIENT.post(path, headers=raw, content=body)


@given(paths, st.dictionaries(header_names, header_values, max_size=4), content_types, bodies())
def unsigned(path: str, headers: dict[str, str], content_type: str, body: bytes) -> None:
    headers = {**headers, "content-type": content_type}
    _check(LOOP.run_until_complete(_post(path, headers, body)), "unsigned")


@given(
    paths,
    st.sampled_from(["cavage", "cavage-hs2019", "rfc9421"]),
    bodies(),
    st.dictionaries(header_names, header_values, max_size=3),
    st.sampled_from([False] * 9 + [True]),
)
def signed(path: str, style: Any, body: bytes, junk: dict[str, str], tamper: bool) -> None:
    """Signed by the preloaded actor; one request in ten has a header changed afterwards."""
    headers = sign_request(
        "POST", f"{FUNCTION}{path}", key=SigningKey(KEY_ID, ACTOR_KEY), now=datetime.now(UTC),
        body=body, style=style,
    )  # fmt: skip
    if tamper:
        headers = {**headers, **junk}
    _check(LOOP.run_until_complete(_post(path, headers, body)), f"signed-{style}")


@given(st.sampled_from(["Follow", "Like", "Announce", "Create", "Undo", "Delete", "Move"]))
def signed_follow_shapes(kind: str) -> None:
    """Well-formed activities at our actor, so handlers run for real now and then."""
    body = (
        f'{{"id":"{ACTOR_ID}/a/{kind}-{FIGURES.examples}","type":"{kind}",'
        f'"actor":"{ACTOR_ID}","object":"{OUR_ACTOR}"}}'
    ).encode()
    headers = sign_request(
        "POST", f"{FUNCTION}/ap/inbox", key=SigningKey(KEY_ID, ACTOR_KEY), now=datetime.now(UTC),
        body=body,
    )  # fmt: skip
    _check(LOOP.run_until_complete(_post("/ap/inbox", headers, body)), f"shaped-{kind}")


def main() -> None:
    seconds = parse_seconds("Fuzz the function's inbox in-process.")
    try:
        run_bounded("inbox", [BATCH(unsigned), BATCH(signed), BATCH(signed_follow_shapes)],
                    FIGURES, seconds)  # fmt: skip
    finally:
        LOOP.run_until_complete(CLIENT.aclose())
        LOOP.run_until_complete(APP.state.runtime.close())
        TEMP.cleanup()
    raise SystemExit(1 if FIGURES.failures else 0)


if __name__ == "__main__":
    main()
