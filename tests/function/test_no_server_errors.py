"""No input makes the function answer 5xx: malformed URLs, names, bodies, headers and methods.

Every request goes to the real function under uvicorn on loopback, unsigned or signed with a
real key of a fake remote account. Paths the HTTP client would clean up (bad percent-escapes,
a null byte) and oversized headers are sent as raw bytes on a socket.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from function_harness import FakeFediverse, post_signed

OUR_ACTOR = "https://alice.example/ap/actor"
ACTIVITY_JSON = "application/activity+json"
MALFORMED_URLS = [
    "http://[::1",
    "http://[::1/y",
    "http://mastodon.test:99999/users/x",
    "https://mastodon.test:-1/users/x",
    "http://[not-an-address]/x",
]


@pytest.fixture
def mallory(fediverse: FakeFediverse) -> Any:
    return fediverse.add("mastodon.test", "mallory")


@pytest.fixture
def fn(make_function: Any, tmp_path: Path) -> Any:
    build = tmp_path / "build"
    (build / "ap").mkdir(parents=True)
    (build / "ap" / "actor").write_text('{"id": "https://alice.example/ap/actor"}')
    return make_function(documents_dir=build)


def _nothing_stored(fn: Any, actor_id: str) -> None:
    assert fn.store.count_followers(None) == 0
    assert fn.store.list_interactions() == []
    assert fn.store.get_follower(actor_id) is None


def _raw(fn: Any, request: bytes) -> int:
    """Send bytes as they are and return the status of the answer (0 if the server hung up)."""
    port = urlsplit(fn.url).port
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request)
        received = b""
        while b"\r\n" not in received:
            chunk = conn.recv(4096)
            if not chunk:
                return 0
            received += chunk
    return int(received.split(b" ", 2)[1])


# --- unsigned ----------------------------------------------------------------------------------


@pytest.mark.parametrize("key_id", [f"{url}#k" for url in MALFORMED_URLS] + ["ftp://h/k", "k"])
def test_malformed_key_id_is_401_without_a_fetch(
    fediverse: FakeFediverse, fn: Any, key_id: str
) -> None:
    before = len(fediverse.fetches)
    body = json.dumps({"type": "Follow", "actor": "http://[::1/y", "object": OUR_ACTOR})
    headers = {
        "Content-Type": ACTIVITY_JSON,
        "Signature": f'keyId="{key_id}",signature="AAAA"',
    }
    response = fn.client.post(fn.inbox, content=body, headers=headers)
    assert response.status_code == 401
    assert response.json()["status"] == "bad_key_id"
    assert len(fediverse.fetches) == before


@pytest.mark.parametrize("actor", MALFORMED_URLS)
def test_malformed_actor_with_a_bad_signature_is_refused(
    fediverse: FakeFediverse, fn: Any, mallory: Any, actor: str
) -> None:
    body = json.dumps({"type": "Follow", "actor": actor, "object": OUR_ACTOR})
    headers = {
        "Content-Type": ACTIVITY_JSON,
        "Signature": f'keyId="{mallory.key_id}",signature="AAAA"',
    }
    response = fn.client.post(fn.inbox, content=body, headers=headers)
    assert response.status_code in (400, 401)
    _nothing_stored(fn, mallory.id)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (ACTIVITY_JSON, b'{"type": '),
        (ACTIVITY_JSON, b"\xff\xfe\x00"),
        (ACTIVITY_JSON, b"[" * 100_000),
        ("text/html", b"<html>"),
        ("application/activity+json; charset=\xff", b"{}"),
        ("", b""),
    ],
)
def test_bad_bodies_and_content_types_unsigned(fn: Any, content_type: str, body: bytes) -> None:
    headers = {"Content-Type": content_type.encode("latin-1")}
    response = fn.client.post(fn.inbox, content=body, headers=headers)
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize(
    "path",
    [
        b"/ap/%zz",
        b"/ap/%",
        b"/ap/%ff%fe",
        b"/ap/%ed%a0%80",
        b"/ap/a%00b",
        b"/ap/inbox%00",
        b"/ap/" + b"n" * 300,
        b"/ap/" + b"d/" * 2000 + b"x",
        b"/.well-known/%zz",
        b"/nodeinfo/%00",
        b"/admin/api/%zz",
        b"/%",
    ],
)
@pytest.mark.parametrize("method", [b"GET", b"HEAD", b"POST"])
def test_bad_paths(fn: Any, path: bytes, method: bytes) -> None:
    request = b"%s %s HTTP/1.1\r\nHost: fn.example\r\nContent-Length: 0\r\n" % (method, path)
    request += b"Connection: close\r\n\r\n"
    assert _raw(fn, request) < 500


def test_documents_route_refuses_impossible_names_with_404(fn: Any) -> None:
    assert fn.client.get(f"{fn.url}/ap/a%00b").status_code == 404
    assert fn.client.get(f"{fn.url}/ap/{'n' * 300}").status_code == 404
    assert fn.client.get(f"{fn.url}/ap/actor").status_code == 200


def test_huge_header(fn: Any) -> None:
    request = b"POST /ap/inbox HTTP/1.1\r\nHost: fn.example\r\nX-Big: " + b"a" * 200_000
    request += b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    assert _raw(fn, request) < 500
    signature = b'keyId="' + b"k" * 60_000 + b'",signature="AAAA"'
    request = b"POST /ap/inbox HTTP/1.1\r\nHost: fn.example\r\nSignature: " + signature
    request += b"\r\nContent-Type: application/activity+json\r\nContent-Length: 2\r\n"
    request += b"Connection: close\r\n\r\n{}"
    assert _raw(fn, request) < 500


def _route_paths(fn: Any) -> list[str]:
    from site_function.app import _ROUTE_MODULES, route_module

    paths = []
    for name in _ROUTE_MODULES:
        paths += [route.path for route in route_module(name).routes(fn.runtime)]
    fills = {"{rest:path}": "actor", "{name}": "webfinger", "{version}": "2.1", "{slug}": "x"}
    for placeholder, value in fills.items():
        paths = [path.replace(placeholder, value) for path in paths]
    return sorted(set(paths))


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS",
                                    "TRACE", "PROPFIND", "BREW"])  # fmt: skip
@pytest.mark.parametrize("authorized", [False, True])
def test_odd_methods_on_every_route(fn: Any, method: str, authorized: bool) -> None:
    headers = {"Authorization": "Bearer test-admin-token-0123456789"} if authorized else {}
    headers["Content-Type"] = "application/json"
    paths = _route_paths(fn)
    assert len(paths) > 10
    for path in paths:
        response = fn.client.request(method, fn.url + path, headers=headers, content=b"{,")
        assert response.status_code < 500, (method, path, response.text)


@pytest.mark.parametrize(
    "body",
    [b"{,", b"[]", b'{"target": 5}', b'{"target": "http://[::1"}', b'{"actor": "http://[::1"}',
     b'{"target": "https://m.test:99999/users/x"}', b'{"actor": "\\ud800"}',
     b'{"id": "\\ud800", "state": "approved"}'],
)  # fmt: skip
def test_admin_json_endpoints_with_bad_bodies(fn: Any, body: bytes) -> None:
    for path in _route_paths(fn):
        if path.startswith("/admin/api"):
            response = fn.admin("POST", path[len("/admin/api") :], content=body)
            assert response.status_code < 500, (path, response.text)


def test_blocklist_with_a_huge_field_is_400_with_its_line(fn: Any) -> None:
    text = '#domain,#severity,#public_comment\nok.example,suspend,"' + "x" * 999_000 + '"\n'
    response = fn.admin("POST", "/blocks/import", content=text.encode())
    assert response.status_code == 400
    assert "line 2" in response.json()["detail"]
    assert fn.store.list_blocks() == []


# --- signed ------------------------------------------------------------------------------------


def _signed(fn: Any, actor: Any, activity: dict[str, Any]) -> Any:
    return post_signed(fn.client, fn.inbox, actor, activity)


@pytest.mark.parametrize("url", MALFORMED_URLS)
@pytest.mark.parametrize("where", ["actor", "id", "object", "inner-object", "target", "url"])
def test_malformed_ids_in_a_signed_activity_are_400(
    fn: Any, mallory: Any, url: str, where: str
) -> None:
    activity = mallory.activity("Follow", OUR_ACTOR)
    if where == "inner-object":
        activity = mallory.activity("Undo", {"type": "Follow", "id": url, "actor": mallory.id})
    elif where == "target":
        activity = mallory.activity("Move", mallory.id, target=url)
    elif where == "url":
        note = {"type": "Note", "id": f"{mallory.id}/n", "content": "hi", "url": url}
        activity = mallory.activity("Create", note)
    else:
        activity[where] = url
    response = _signed(fn, mallory, activity)
    assert response.status_code == 400, response.text
    assert response.json()["status"] == "malformed_activity"
    _nothing_stored(fn, mallory.id)


@pytest.mark.parametrize(
    "activity_text",
    [
        '{"content": "\\ud800"}',
        '{"content": "ok \\udfff"}',
        '{"\\ud800": 1}',
        '{"tag": [{"name": "\\uDBFF"}]}',
    ],
)
def test_lone_surrogates_are_400(fn: Any, mallory: Any, activity_text: str) -> None:
    note = {"type": "Note", "id": f"{mallory.id}/n", "attributedTo": mallory.id}
    base = json.dumps(mallory.activity("Create", note))
    extra = activity_text[1:-1]
    body = (base[:-1] + ", " + extra + "}").encode()
    response = fn.client.post(fn.inbox, content=body, headers=mallory.sign(fn.inbox, body))
    assert response.status_code == 400, response.text
    _nothing_stored(fn, mallory.id)


def test_a_surrogate_pair_is_accepted(fn: Any, mallory: Any) -> None:
    body = json.dumps(mallory.activity("Like", f"{OUR_ACTOR}/x", content="\U0001f600")).encode()
    body = body.replace("\U0001f600".encode(), b"\\ud83d\\ude00")
    response = fn.client.post(fn.inbox, content=body, headers=mallory.sign(fn.inbox, body))
    assert response.status_code == 202, response.text


def test_a_signed_follow_still_works(fn: Any, mallory: Any) -> None:
    response = _signed(fn, mallory, mallory.activity("Follow", OUR_ACTOR))
    assert response.status_code == 202
