"""Remote servers of the end-to-end tests' own, each on its own loopback port.

- `mastodon`: an actor with `endpoints.sharedInbox`; every POST must carry a cavage signature
  by our key that `verify_request` accepts (Date fresh against the shared test clock), and
  activities are deduplicated by id as Mastodon does (FEDERATION.md#idempotent-inbox).
- `gotosocial`: no shared inbox (personal inboxes only) and unsigned GETs are refused (401).
- `flaky`: Mastodon-like, but answers 503 to its first `fail_first` deliveries.
- `gone`: Mastodon-like until `gone = True`, then every inbox answers 410.
Each server also signs its own Follow to our inbox, with its own RSA key.
"""

from __future__ import annotations

import copy
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from fixtures_path import FIXTURES
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from site_core.keys import generate_private_key, load_public_key, public_key_pem
from site_core.signatures import (
    SigningKey,
    VerifiedSignature,
    sign_request,
    verify_request,
)

AS_JSON = "application/activity+json"


def bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


class ServerThread:
    """uvicorn on a pre-bound loopback socket in a thread (known port before the app)."""

    def __init__(self, app: Any, sock: socket.socket) -> None:
        self.sock = sock
        config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [sock]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@dataclass
class Delivered:
    path: str
    activity: dict[str, Any]
    headers: dict[str, str]


@dataclass
class Remote:
    """One fake server with one account, `alice` style names per kind."""

    kind: str
    our_key_pem: str
    our_key_id: str
    clock: Callable[[], datetime]
    fail_first: int = 0
    gone: bool = False
    also_known_as: list[str] = field(default_factory=list)
    key: Any = field(default_factory=generate_private_key)
    sock: socket.socket = field(default_factory=bound_socket)
    received: list[Delivered] = field(default_factory=list)  # accepted, deduplicated
    refused: list[str] = field(default_factory=list)  # why a POST was refused
    posts: int = 0  # raw POST count
    raw_ids: list[str] = field(default_factory=list)  # every accepted POST's activity id
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)  # served at its path

    def __post_init__(self) -> None:
        self.port = int(self.sock.getsockname()[1])

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def id(self) -> str:
        return f"{self.origin}/users/{self.kind}"

    @property
    def inbox(self) -> str:
        return f"{self.id}/inbox"

    @property
    def shared_inbox(self) -> str | None:
        return None if self.kind == "gotosocial" else f"{self.origin}/inbox"

    def activities(self, kind: str) -> list[dict[str, Any]]:
        return [d.activity for d in self.received if d.activity.get("type") == kind]

    def document(self) -> dict[str, Any]:
        source = "gotosocial/actor.json" if self.kind == "gotosocial" else "mastodon/actor.json"
        doc = copy.deepcopy(json.loads((FIXTURES / source).read_text()))
        doc.update(
            id=self.id,
            inbox=self.inbox,
            outbox=f"{self.id}/outbox",
            followers=f"{self.id}/followers",
            following=f"{self.id}/following",
            preferredUsername=self.kind,
            url=f"{self.origin}/@{self.kind}",
            publicKey={
                "id": f"{self.id}#main-key",
                "owner": self.id,
                "publicKeyPem": public_key_pem(self.key),
            },
            alsoKnownAs=list(self.also_known_as),
        )
        for name in ("featured", "featuredTags", "devices", "movedTo"):
            doc.pop(name, None)
        if self.shared_inbox:
            doc["endpoints"] = {"sharedInbox": self.shared_inbox}
        else:
            doc.pop("endpoints", None)
        return doc

    def follow(self, our_actor: str, our_inbox: str) -> tuple[bytes, dict[str, str]]:
        """A signed Follow of our actor, ready to POST to our inbox."""
        body = json.dumps(
            {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{self.id}#follows/1",
                "type": "Follow",
                "actor": self.id,
                "object": our_actor,
            }
        ).encode()
        headers = sign_request(
            "POST", our_inbox, key=SigningKey(f"{self.id}#main-key", self.key),
            now=self.clock(), body=body,
        )  # fmt: skip
        return body, headers

    def _verify(self, request: Request, body: bytes) -> str | None:
        headers = {k.lower(): v for k, v in request.headers.items()}
        result = verify_request(
            request.method, request.url.path, request.url.query, headers, body,
            load_public_key(self.our_key_pem), self.clock(),
        )  # fmt: skip
        if not isinstance(result, VerifiedSignature):
            return f"{result.reason}: {result.detail}"
        if result.key_id != self.our_key_id or result.scheme != "cavage":
            return f"unexpected key {result.key_id} / {result.scheme}"
        needed = {"date", "digest"} if request.method == "POST" else {"date", "host"}
        if not needed <= set(result.covered):
            return "weak coverage"
        return None

    async def actor(self, request: Request) -> Response:
        if self.kind == "gotosocial":
            reason = self._verify(request, b"")
            if reason is not None:
                return JSONResponse({"error": "signature required"}, 401)
        return Response(json.dumps(self.document()), media_type=AS_JSON)

    async def inbox_post(self, request: Request) -> Response:
        body = await request.body()
        self.posts += 1
        reason = self._verify(request, body)
        if reason is not None:
            self.refused.append(reason)
            return JSONResponse({"error": reason}, 401)
        if self.gone:
            return JSONResponse({"error": "gone"}, 410)
        if self.fail_first > 0:
            self.fail_first -= 1
            return JSONResponse({"error": "busy"}, 503)
        activity = json.loads(body)
        self.raw_ids.append(str(activity.get("id")))
        if all(d.activity.get("id") != activity.get("id") for d in self.received):
            self.received.append(Delivered(request.url.path, activity, dict(request.headers)))
        return Response(status_code=202)

    async def webfinger(self, request: Request) -> Response:
        if request.query_params.get("resource") != f"acct:{self.kind}@{self.host()}":
            return JSONResponse({"error": "not found"}, 404)
        jrd = {
            "subject": f"acct:{self.kind}@{self.host()}",
            "links": [{"rel": "self", "type": AS_JSON, "href": self.id}],
        }
        return JSONResponse(jrd, media_type="application/jrd+json")

    async def status(self, request: Request) -> Response:
        document = self.statuses.get(request.url.path)
        if document is None:
            return JSONResponse({"error": "not found"}, 404)
        return Response(json.dumps(document), media_type=AS_JSON)

    def app(self) -> Starlette:
        routes = [
            Route(f"/users/{self.kind}/statuses/{{number}}", self.status, methods=["GET"]),
            Route("/.well-known/webfinger", self.webfinger, methods=["GET"]),
            Route(f"/users/{self.kind}", self.actor, methods=["GET"]),
            Route(f"/users/{self.kind}/inbox", self.inbox_post, methods=["POST"]),
        ]
        if self.shared_inbox:
            routes.append(Route("/inbox", self.inbox_post, methods=["POST"]))
        return Starlette(routes=routes)

    def host(self) -> str:
        return urlsplit(self.origin).netloc
