"""A live function and remote accounts with pictures, for the pull and push tests.

- `start_function` runs our app under uvicorn on 127.0.0.1 on a fresh database, as
  tests/function/conftest.py does, with a resolver that sends every name to 127.0.0.1.
- `Pictures` is a loopback server of PNG files made with Pillow; it counts the fetches of
  each, so "fetched once, ever" is checked, not assumed.
- `PictureActor` is a remote account (function_harness.RemoteActor) whose actor document
  has a name and an avatar on that server, so the function caches a profile with an avatar.
"""

from __future__ import annotations

import io
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from function.function_harness import (
    ADMIN_TOKEN,
    FakeFediverse,
    NameMap,
    RemoteActor,
    ServerThread,
    post_signed,
)
from function.published_posts import publish_post
from requirements import POSTGRES_URL, connect_postgres
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

__all__ = [
    "ADMIN_TOKEN",
    "FakeFediverse",
    "PictureActor",
    "Pictures",
    "RunningFunction",
    "database",
    "post_signed",
    "publish_post",
    "start_function",
]


def png(color: tuple[int, int, int], size: tuple[int, int] = (120, 80)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


@dataclass
class Pictures:
    """PNG files at http://127.0.0.1:<port>/pictures/<name>, with a count of fetches."""

    files: dict[str, bytes] = field(default_factory=dict)
    fetched: Counter[str] = field(default_factory=Counter)
    thread: ServerThread | None = None

    def add(self, name: str, color: tuple[int, int, int]) -> str:
        self.files[name] = png(color)
        assert self.thread is not None
        return f"{self.thread.url}/pictures/{name}"

    async def _serve(self, request: Request) -> Response:
        name = request.path_params["name"]
        self.fetched[name] += 1
        if name not in self.files:
            return Response(status_code=404)
        return Response(self.files[name], media_type="image/png")

    @contextmanager
    def running(self) -> Iterator[Pictures]:
        app = Starlette(routes=[Route("/pictures/{name}", self._serve)])
        with ServerThread(app) as thread:
            self.thread = thread
            yield self


@dataclass
class PictureActor(RemoteActor):
    """A remote account with a display name and an avatar."""

    avatar: str | None = None
    display_name: str = "A Remote Person"

    def document(self) -> dict[str, Any]:
        doc = super().document()
        doc["name"] = self.display_name
        doc.pop("icon", None)  # the fixture's avatar lives on a real host: never fetched
        doc.pop("image", None)
        if self.avatar:
            doc["icon"] = {"type": "Image", "mediaType": "image/png", "url": self.avatar}
        return doc


def add_actor(fediverse: FakeFediverse, host: str, name: str, avatar: str | None) -> PictureActor:
    actor = PictureActor(host, name, fediverse.port, avatar=avatar, display_name=name.title())
    fediverse.actors[(host, name)] = actor
    return actor


@contextmanager
def database(kind: str, tmp_path: Path) -> Iterator[str]:
    """A fresh SQLite file, or a schema of its own on the PostgreSQL server."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'function.sqlite3'}"
        return
    schema = f"t_sync_{uuid.uuid4().hex[:12]}"
    with connect_postgres(POSTGRES_URL) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{POSTGRES_URL}?options={quote(f'-csearch_path={schema}')}"
    finally:
        with connect_postgres(POSTGRES_URL) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@dataclass
class RunningFunction:
    url: str
    runtime: Any
    client: httpx.Client
    database_url: str

    @property
    def inbox(self) -> str:
        return f"{self.url}/ap/inbox"

    @property
    def store(self) -> Any:
        return self.runtime.store

    def send(self, actor: RemoteActor, activity: dict[str, Any]) -> None:
        response = post_signed(self.client, self.inbox, actor, activity)
        assert response.status_code == 202, response.text

    def admin(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        return self.client.request(method, f"{self.url}/admin/api{path}", headers=headers, **kw)


@contextmanager
def start_function(database_url: str, key: Any) -> Iterator[RunningFunction]:
    """Our function for https://alice.example (user alice) on 127.0.0.1."""
    from site_function.app import create_app
    from site_function.settings import Settings

    from site_core.publish.owner_settings import OwnerSettings
    from site_remote import make_session

    settings = Settings(
        base_url="https://alice.example",
        username="alice",
        private_key=key,
        database_url=database_url,
        admin_token=ADMIN_TOKEN,
        function_url="http://fn.example",
        allow_private_addresses=True,
        owner=OwnerSettings(),
        drain_after_inbox=False,
    )
    names = NameMap()
    app = create_app(settings, session_factory=lambda s: make_session(s.client, resolver=names))
    with ServerThread(app) as server, httpx.Client(timeout=10) as client:
        yield RunningFunction(server.url, app.state.runtime, client, database_url)
