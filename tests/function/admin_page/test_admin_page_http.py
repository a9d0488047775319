"""The admin page over real HTTP: sign-in, its limits, the CSRF and cross-site refusals, the
headers and cookie flags, session expiry, and no 500 for any malformed form.

The function runs under uvicorn on 127.0.0.1 (both store backends); every refusal is also
checked to have changed nothing in the store.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from admin_page_client import same_origin, sign_in, signed_in
from site_function.admin_page.guard import SECURITY_HEADERS
from site_function.admin_page.session import SESSION_COOKIE, SessionKeys, session_key_from
from site_function.store import Follower

from site_core.passphrase import hash_passphrase

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _follower(store, actor: str, state: str = "pending") -> None:
    store.save_follower(
        Follower(
            actor,
            f"{actor}#follow",
            f"{actor}/inbox",
            None,
            state,
            {"id": f"{actor}#follow", "type": "Follow", "actor": actor},
            NOW,
            NOW,
        )
    )


def test_a_wrong_token_is_a_401_page_and_is_counted(make_function, caplog) -> None:
    fn = make_function()
    caplog.set_level(logging.WARNING, logger="site_function.admin_page")
    with httpx.Client(timeout=10) as client:
        answer = sign_in(client, fn.url, "not-the-token")
        assert answer.status_code == 401
        assert "not the admin token" in answer.text
        assert "test-admin-token" not in answer.text
        assert SESSION_COOKIE not in client.cookies
        assert client.get(f"{fn.url}/admin/followers").status_code == 303  # still signed out
    refused = [r for r in caplog.records if "sign-in refused from 127.0.0.1" in r.getMessage()]
    assert len(refused) == 1


def test_sign_in_attempts_are_rate_limited_per_address(make_function) -> None:
    fn = make_function(admin_signin_limit=3)
    with httpx.Client(timeout=10) as client:
        codes = [sign_in(client, fn.url, "wrong").status_code for _ in range(3)]
        assert codes == [401, 401, 401]
        limited = sign_in(client, fn.url)  # even the right token waits
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
        assert SESSION_COOKIE not in client.cookies


def test_the_token_signs_in_with_a_strict_cookie(make_function) -> None:
    fn = make_function()
    with httpx.Client(timeout=10) as client:
        answer = sign_in(client, fn.url)
        assert answer.status_code == 303
        cookie = next(
            v
            for k, v in answer.headers.multi_items()
            if k == "set-cookie" and v.startswith(SESSION_COOKIE)
        )
        flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
        assert {"httponly", "samesite", "max-age", "path"} <= flags
        assert "samesite=strict" in cookie.lower()
        assert "secure" not in flags  # 127.0.0.1: no TLS on this machine
        assert "test-admin-token" not in cookie
        page = client.get(f"{fn.url}/admin/followers")
        assert page.status_code == 200
        assert "Followers" in page.text


def test_a_passphrase_signs_in_when_its_hash_is_configured(make_function) -> None:
    fn = make_function(admin_passphrase_hash=hash_passphrase("correct horse battery"))
    with httpx.Client(timeout=10) as client:
        assert sign_in(client, fn.url, "wrong horse").status_code == 401
        assert sign_in(client, fn.url, "correct horse battery").status_code == 303


def test_headers_on_every_admin_response(make_function) -> None:
    fn = make_function()
    with httpx.Client(timeout=10) as client:
        answers = [
            client.get(f"{fn.url}/admin/"),
            client.get(f"{fn.url}/admin/admin.css"),
            client.get(f"{fn.url}/admin/blocks"),
            sign_in(client, fn.url, "wrong"),
        ]
        csrf = signed_in(client, fn.url)
        answers += [
            client.get(f"{fn.url}/admin/followers"),
            client.post(
                f"{fn.url}/admin/blocks/remove", data={"csrf": "x"}, headers=same_origin(fn.url)
            ),
        ]
        assert csrf
    for answer in answers:
        for name, value in SECURITY_HEADERS.items():
            assert answer.headers.get(name) == value, (answer.url, name)
    policy = SECURITY_HEADERS["Content-Security-Policy"]
    for part in (
        "default-src 'none'",
        "style-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'none'",
        "img-src 'self'",
    ):
        assert part in policy


def test_a_missing_or_stale_csrf_token_is_403_and_changes_nothing(make_function) -> None:
    fn = make_function()
    actor = "https://mastodon.test/users/bob"
    _follower(fn.store, actor)
    url = f"{fn.url}/admin/followers/approve"
    with httpx.Client(timeout=10) as old:
        stale = signed_in(old, fn.url)
    with httpx.Client(timeout=10) as client:
        fresh = signed_in(client, fn.url)
        for form in (
            {"actor": actor},
            {"actor": actor, "csrf": ""},
            {"actor": actor, "csrf": stale},
        ):
            answer = client.post(url, data=form, headers=same_origin(fn.url))
            assert answer.status_code == 403, form
            assert "Nothing was changed" in answer.text
        assert fn.store.get_follower(actor).state == "pending"
        assert fn.store.delivery_summary().counts.get("queued", 0) == 0
        done = client.post(url, data={"actor": actor, "csrf": fresh}, headers=same_origin(fn.url))
        assert done.status_code == 303
    assert fn.store.get_follower(actor).state == "accepted"


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "null"},
    ],
)
def test_a_cross_site_post_is_refused(make_function, headers: dict[str, str]) -> None:
    fn = make_function()
    actor = "https://mastodon.test/users/bob"
    _follower(fn.store, actor)
    with httpx.Client(timeout=10) as client:
        csrf = signed_in(client, fn.url)
        answer = client.post(
            f"{fn.url}/admin/followers/approve",
            data={"actor": actor, "csrf": csrf},
            headers=headers,
        )
        assert answer.status_code == 403
    assert fn.store.get_follower(actor).state == "pending"


def test_plain_http_to_another_host_is_redirected_or_refused(make_function) -> None:
    fn = make_function()
    with httpx.Client(timeout=10) as client:
        page = client.get(f"{fn.url}/admin/", headers={"Host": "alice.example"})
        assert page.status_code == 308
        assert page.headers["location"].startswith("https://alice.example/admin/")
        post = client.post(
            f"{fn.url}/admin/sign-in", data={"credential": "x"}, headers={"Host": "alice.example"}
        )
        assert post.status_code == 403
        assert post.headers["X-Frame-Options"] == "DENY"
        behind_tls = client.get(
            f"{fn.url}/admin/", headers={"Host": "alice.example", "X-Forwarded-Proto": "https"}
        )
        assert behind_tls.status_code == 200
        assert "secure" in behind_tls.headers["set-cookie"].lower()


def test_an_expired_or_forged_session_is_signed_out(make_function) -> None:
    fn = make_function()
    keys = SessionKeys(session_key_from(fn.settings.admin_token), timedelta(hours=12))
    real_now = datetime.now(UTC)
    cases = {
        keys.issue(real_now - timedelta(hours=12, minutes=1)): 303,  # expired
        keys.issue(real_now - timedelta(hours=11)): 200,  # still valid
        keys.issue(real_now)[:-2] + "AA": 303,  # forged signature
        SessionKeys(session_key_from("another secret"), timedelta(hours=12)).issue(real_now): 303,
        "garbage": 303,
    }
    for cookie, status in cases.items():
        with httpx.Client(timeout=10, cookies={SESSION_COOKIE: cookie}) as client:
            assert client.get(f"{fn.url}/admin/followers").status_code == status, cookie


def test_sign_out_ends_the_session(make_function) -> None:
    fn = make_function()
    with httpx.Client(timeout=10) as client:
        csrf = signed_in(client, fn.url)
        kept = client.cookies.get(SESSION_COOKIE)
        answer = client.post(
            f"{fn.url}/admin/sign-out", data={"csrf": csrf}, headers=same_origin(fn.url)
        )
        assert answer.status_code == 303
        assert SESSION_COOKIE not in client.cookies
    with httpx.Client(timeout=10, cookies={SESSION_COOKIE: kept}) as replay:
        assert replay.get(f"{fn.url}/admin/followers").status_code == 303  # revoked


MALFORMED = [
    ("application/x-www-form-urlencoded", b"csrf=%ff%fe&actor=x"),
    ("application/x-www-form-urlencoded", b"a=1&" * 100),
    ("application/x-www-form-urlencoded", b"actor=%00"),
    ("multipart/form-data; boundary=x", b"--x\r\nnonsense"),
    ("application/json", b'{"actor": "x"}'),
    ("text/plain", b"\xff\xfe"),
    ("application/x-www-form-urlencoded", b"x" * 2_000_000),
]
PATHS = [
    "/sign-in",
    "/followers/approve",
    "/followers/remove",
    "/blocks/add",
    "/blocks/import-preview",
    "/blocks/import",
    "/conversation/moderate",
    "/conversation/approve-actor",
    "/deliveries/retry",
    "/sign-out",
]


def test_no_malformed_form_or_query_is_a_500(make_function) -> None:
    fn = make_function()
    with httpx.Client(timeout=10) as client:
        csrf = signed_in(client, fn.url)
        for query in (
            "/followers?after=%%%",
            "/followers?after=bm90IGEgY3Vyc29y",
            "/followers?state=evil",
            "/followers?q=" + "x" * 300,
            "/conversation?after=@@",
            "/blocks/preview?target=",
            "/blocks/preview?target=@a@b",
            "/blocks/preview?target=no",
        ):
            answer = client.get(f"{fn.url}/admin{query}")
            assert 400 <= answer.status_code < 500, (query, answer.status_code)
        for path in PATHS:
            for media_type, body in MALFORMED:
                answer = client.post(
                    f"{fn.url}/admin{path}",
                    content=body,
                    headers={"Content-Type": media_type, **same_origin(fn.url)},
                )
                assert 400 <= answer.status_code < 500, (path, media_type, answer.status_code)
            empty = client.post(
                f"{fn.url}/admin{path}", data={"csrf": csrf}, headers=same_origin(fn.url)
            )
            assert empty.status_code < 500, (path, empty.status_code)
