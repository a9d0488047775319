"""Real servers on loopback for the function's integration tests.

- `ServerThread` runs any ASGI app under uvicorn on 127.0.0.1, port 0, in a thread.
- `FakeFediverse` is one server hosting remote actors for several made-up hosts
  (`mastodon.test`, `gts.test`, ...), told apart by the Host header; a `NameMap` resolver
  sends every such name to 127.0.0.1, so no DNS lookup ever leaves the machine.
- `RemoteActor` holds its own RSA key, serves its actor document (shapes of the shared
  Mastodon and GoToSocial fixtures, ids rewritten), signs requests to our inbox and keeps
  what our function delivers to it.
"""

from __future__ import annotations

import copy
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import uvicorn
from aiohttp.abc import AbstractResolver, ResolveResult
from fixtures_path import FIXTURES
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from site_core.keys import generate_private_key, public_key_pem
from site_core.signatures import SigningKey, sign_request

ACTIVITY_JSON = "application/activity+json"
ADMIN_TOKEN = "test-admin-token-0123456789"


class ServerThread:
    """uvicorn on 127.0.0.1:0 in a background thread; bounded start and stop."""

    def __init__(self, app: Any) -> None:
        config = uvicorn.Config(
            app, host="127.0.0.1", port=0, log_level="warning", lifespan="on", access_log=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    @property
    def port(self) -> int:
        return int(self.server.servers[0].sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


class NameMap(AbstractResolver):
    """Resolves every name to one address (127.0.0.1 by default) without DNS."""

    def __init__(self, address: str = "127.0.0.1") -> None:
        self.address = address
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        fam = socket.AF_INET6 if ":" in self.address else socket.AF_INET
        return [
            ResolveResult(hostname=host, host=self.address, port=port, family=fam, proto=0, flags=0)
        ]

    async def close(self) -> None:
        return None


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class RemoteActor:
    """One account on a fake server. `style`: mastodon (fragment key id), gotosocial (key at
    `/main-key` answering a stub, signed GETs required), keydoc (a separate Key document)."""

    host: str
    name: str
    port: int
    style: str = "mastodon"
    key: Any = field(default_factory=generate_private_key)
    also_known_as: list[str] = field(default_factory=list)
    gone: bool = False
    received: list[Received] = field(default_factory=list)

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def id(self) -> str:
        return f"{self.origin}/users/{self.name}"

    @property
    def key_id(self) -> str:
        return f"{self.id}#main-key" if self.style == "mastodon" else f"{self.id}/main-key"

    @property
    def inbox(self) -> str:
        return f"{self.id}/inbox"

    @property
    def shared_inbox(self) -> str:
        return f"{self.origin}/inbox"

    def public_key(self) -> dict[str, str]:
        return {"id": self.key_id, "owner": self.id, "publicKeyPem": public_key_pem(self.key)}

    def document(self) -> dict[str, Any]:
        source = "gotosocial/actor.json" if self.style == "gotosocial" else "mastodon/actor.json"
        doc = copy.deepcopy(json.loads((FIXTURES / source).read_text()))
        for name in ("featured", "followers", "following", "outbox", "featuredTags", "devices"):
            if name in doc:
                doc[name] = f"{self.id}/{name}"
        doc.update(
            id=self.id,
            inbox=self.inbox,
            preferredUsername=self.name,
            url=f"{self.origin}/@{self.name}",
            publicKey=self.public_key(),
            alsoKnownAs=self.also_known_as,
        )
        if self.style == "gotosocial":
            doc.pop("endpoints", None)  # GoToSocial has no shared inbox
        else:
            doc["endpoints"] = {"sharedInbox": self.shared_inbox}
        return doc

    def key_document(self) -> dict[str, Any]:
        if self.style == "gotosocial":  # a stub actor holding only the key
            return {"@context": "https://w3id.org/security/v1", "id": self.id, "type": "Person",
                    "publicKey": self.public_key()}  # fmt: skip
        return {"@context": "https://w3id.org/security/v1", "type": "Key", **self.public_key()}

    def sign(
        self,
        url: str,
        body: bytes,
        *,
        style: str = "cavage",
        now: datetime | None = None,
        key: Any = None,
        key_id: str | None = None,
        content_type: str | None = None,
    ) -> dict[str, str]:
        signing = SigningKey(key_id or self.key_id, key or self.key)
        extra = {"Content-Type": content_type} if content_type else None
        return sign_request(
            "POST",
            url,
            key=signing,
            now=now or datetime.now(UTC),
            body=body,
            style=style,
            headers=extra,
        )  # type: ignore[arg-type]

    def activity(self, kind: str, obj: Any, **extra: Any) -> dict[str, Any]:
        serial = f"{time.monotonic_ns()}"
        return {"@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{self.id}/activities/{kind.lower()}-{serial}", "type": kind,
                "actor": self.id, "object": obj, **extra}  # fmt: skip


class FakeFediverse:
    """Remote servers on one loopback port, with accounts registered per host."""

    def __init__(self) -> None:
        self.actors: dict[tuple[str, str], RemoteActor] = {}
        self.shared: dict[str, list[Received]] = {}
        self.fetches: list[tuple[str, str, bool]] = []
        self.thread = ServerThread(self._app())
        self.port = 0

    def __enter__(self) -> FakeFediverse:
        self.thread.__enter__()
        self.port = self.thread.port
        return self

    def __exit__(self, *exc: object) -> None:
        self.thread.__exit__(*exc)

    def add(self, host: str, name: str, style: str = "mastodon", **kw: Any) -> RemoteActor:
        actor = RemoteActor(host, name, self.port, style, **kw)
        self.actors[(host, name)] = actor
        return actor

    def _app(self) -> Starlette:
        async def users(request: Request) -> Response:
            host = request.headers.get("host", "").split(":")[0]
            parts = request.path_params["rest"].split("/")
            actor = self.actors.get((host, parts[0]))
            signed = "signature" in request.headers
            self.fetches.append((request.method, str(request.url.path), signed))
            if actor is None:
                return JSONResponse({"error": "not found"}, 404)
            if request.method == "POST":
                body = await request.body()
                actor.received.append(Received(request.url.path, dict(request.headers), body))
                return Response(status_code=202)
            if actor.gone:
                return JSONResponse({"error": "gone"}, 410)
            if actor.style == "gotosocial" and not signed:
                return JSONResponse({"error": "signature required"}, 401)
            if len(parts) == 1:
                return Response(json.dumps(actor.document()), media_type=ACTIVITY_JSON)
            if parts[1:] == ["main-key"]:
                return Response(json.dumps(actor.key_document()), media_type=ACTIVITY_JSON)
            return JSONResponse({"error": "not found"}, 404)

        async def shared_inbox(request: Request) -> Response:
            host = request.headers.get("host", "").split(":")[0]
            body = await request.body()
            received = Received(request.url.path, dict(request.headers), body)
            self.shared.setdefault(host, []).append(received)
            return Response(status_code=202)

        return Starlette(
            routes=[
                Route("/users/{rest:path}", users, methods=["GET", "POST"]),
                Route("/inbox", shared_inbox, methods=["POST"]),
            ]
        )


def post_signed(
    client: httpx.Client,
    url: str,
    actor: RemoteActor,
    activity: dict[str, Any],
    *,
    style: str = "cavage",
    now: datetime | None = None,
    mutate: Any = None,
    content_type: str | None = None,
) -> httpx.Response:
    """Sign and POST an activity to our inbox, optionally tampering with headers or body."""
    body = json.dumps(activity).encode()
    headers = actor.sign(url, body, style=style, now=now, content_type=content_type)
    if mutate is not None:
        headers, body = mutate(headers, body)
    return client.post(url, content=body, headers=headers)
