"""Notifications without I/O: the formats' bodies and headers, the signature, the digest,
and the settings (a receiver on a private address refused with no packet leaving)."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from notify_receiver import expected_signature
from site_function.app import create_app
from site_function.inbox_events import FollowAccepted, FollowRequested, LikeReceived
from site_function.notifications import NotifySettings
from site_function.notifications.digest import fold_into_digest
from site_function.notifications.notices import (
    Notice,
    envelope_bytes,
    notice_for_event,
    owner_test_notice,
)
from site_function.notifications.notify_settings import notify_settings_from_env
from site_function.notifications.wire import render_request
from site_function.settings import Settings

from site_core.errors import ConfigError

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
SITE = "https://alice.example"
FOLLOW = FollowAccepted("https://m.test/users/bob", "https://m.test/follows/1")


def _queued() -> bytes:
    notice = notice_for_event(FOLLOW, NOW)
    assert notice is not None
    return envelope_bytes(notice, SITE)


def test_json_format_is_the_envelope_signed_over_timestamp_and_body() -> None:
    request = render_request(_queued(), "json", b"s3cret", 1_740_830_400)
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert json.loads(request.body)["event"] == "new_follower"
    assert headers["x-site-gen-timestamp"] == "1740830400"
    assert headers["x-site-gen-signature"] == expected_signature(b"s3cret", headers, request.body)
    assert headers["x-site-gen-signature"] != expected_signature(b"other", headers, request.body)
    assert headers["x-site-gen-delivery"].startswith("urn:site-gen:notify:new_follower:")


def test_text_format_is_what_ntfy_publishes_as_is() -> None:
    request = render_request(_queued(), "text", None, 1)
    assert request.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert request.headers["Title"] == "New follower: https://alice.example"
    assert request.body == b"https://m.test/users/bob now follows you"
    assert "X-Site-Gen-Signature" not in request.headers  # no secret configured


def test_gotify_format_is_its_message_json() -> None:
    request = render_request(_queued(), "gotify", b"k", 1)
    body = json.loads(request.body)
    message = "https://m.test/users/bob now follows you"
    assert body == {"title": "New follower: https://alice.example", "message": message,
                    "priority": 5}  # fmt: skip
    assert request.headers["Content-Type"] == "application/json"


def test_only_new_follows_replies_and_mentions_make_notices() -> None:
    assert notice_for_event(FollowAccepted("a", "f", new=False), NOW) is None
    assert notice_for_event(FollowRequested("a", "f", new=False), NOW) is None
    assert notice_for_event(LikeReceived("l", "a", "p"), NOW) is None
    again = notice_for_event(FOLLOW, NOW)
    assert again is not None
    assert again.id == json.loads(_queued())["id"]
    assert owner_test_notice(NOW).id != owner_test_notice(NOW).id


def test_a_digest_counts_kinds_and_keeps_the_latest_five() -> None:
    body = None
    for n in range(7):
        kind = "reply" if n % 2 else "new_follower"
        body = fold_into_digest(body, Notice(kind, f"id{n}", NOW, {"actor": f"a{n}"}), SITE, "d1")
    digest = json.loads(body or b"")
    assert digest["id"] == "d1"
    assert digest["data"]["counts"] == {"new_follower": 4, "reply": 3}
    assert [item["id"] for item in digest["data"]["latest"]] == ["id2", "id3", "id4", "id5", "id6"]
    text = render_request(body or b"", "text", None, 1).body.decode()
    assert text.startswith("7 events since")
    assert "3 reply" in text


def _env(url: str, **extra: str) -> dict[str, str]:
    return {"SITE_GEN_NOTIFY_URL": url, "SITE_GEN_NOTIFY_SECRET": "hush-hush-123", **extra}


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:{port}/hook?token=tok-123", "http://localhost:{port}/hook?token=tok-123",
     "http://10.1.2.3/hook?token=tok-123", "http://[::1]:{port}/hook?token=tok-123",
     "http://169.254.169.254/latest?token=tok-123"],
)  # fmt: skip
def test_a_private_receiver_is_refused_at_start_with_no_packet(url: str, our_key: Any) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.2)
        target = url.format(port=listener.getsockname()[1])
        with pytest.raises(ConfigError, match="SITE_GEN_NOTIFY_URL names a") as refused:
            notify_settings_from_env(_env(target), allow_private=False)
        assert "tok-123" not in str(refused.value)
        settings = Settings(SITE, "alice", our_key, "sqlite:///:memory:",
                            notify=NotifySettings(target, b"hush-hush-123"))  # fmt: skip
        with pytest.raises(ConfigError, match="refused"):
            create_app(settings)
        with pytest.raises(TimeoutError):
            listener.accept()  # nothing connected
    assert notify_settings_from_env(_env(target), allow_private=True) is not None


@pytest.mark.parametrize(
    ("extra", "message"),
    [({"SITE_GEN_NOTIFY_EVENTS": "new_follower,likes"}, "unknown kinds likes"),
     ({"SITE_GEN_NOTIFY_FORMAT": "xml"}, "SITE_GEN_NOTIFY_FORMAT must be one of"),
     ({"SITE_GEN_NOTIFY_DIGEST_MINUTES": "-5"}, "SITE_GEN_NOTIFY_DIGEST_MINUTES must be"),
     ({"SITE_GEN_NOTIFY_SECRET": ""}, "SITE_GEN_NOTIFY_SECRET .* is required")],
)  # fmt: skip
def test_unusable_settings_name_their_variable(extra: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as refused:
        notify_settings_from_env(_env("https://hooks.example/x", **extra), allow_private=False)
    assert "hush-hush-123" not in str(refused.value)


def test_settings_from_the_environment_hide_the_url_and_secret(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-a-file-456\n")
    env = {"SITE_GEN_NOTIFY_URL": "https://push.example/message?token=tok-789",
           "SITE_GEN_NOTIFY_SECRET_FILE": str(secret_file), "SITE_GEN_NOTIFY_FORMAT": "gotify",
           "SITE_GEN_NOTIFY_EVENTS": "reply, mention",
           "SITE_GEN_NOTIFY_DIGEST_MINUTES": "15"}  # fmt: skip
    settings = notify_settings_from_env(env, allow_private=False)
    assert settings is not None
    assert settings.secret == b"from-a-file-456"
    assert settings.events == {"reply", "mention"}
    assert settings.digest_seconds == 900
    assert settings.receiver == "https://push.example/message"
    assert "tok-789" not in repr(settings)
    assert "from-a-file" not in repr(settings)
    assert notify_settings_from_env({}, allow_private=False) is None


def test_the_readme_snippet_verifies_what_is_sent() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Notifications") :]
    snippet = section[section.index("```python\n") + 10 : section.index("\n```\n")]
    assert len(snippet.splitlines()) <= 10
    scope: dict[str, Any] = {}
    exec(snippet, scope)  # the README's own words, run as written
    import time

    request = render_request(_queued(), "json", b"s3cret", int(time.time()))
    assert scope["verify"](b"s3cret", request.headers, request.body)
    assert not scope["verify"](b"wrong", request.headers, request.body)
    assert not scope["verify"](b"s3cret", request.headers, request.body + b" ")
    old = render_request(_queued(), "json", b"s3cret", int(time.time()) - 3600)
    assert not scope["verify"](b"s3cret", old.headers, old.body)


def test_a_quote_request_tells_the_owner() -> None:
    from datetime import UTC, datetime

    from site_function.inbox_events import QuoteRequested
    from site_function.notifications.notices import notice_for_event

    now = datetime(2026, 12, 4, tzinfo=UTC)
    event = QuoteRequested(
        "https://m.example/req/1", "https://m.example/users/a", "https://s.example/ap/posts/p",
        "https://m.example/statuses/9", authorized=True,
    )  # fmt: skip
    notice = notice_for_event(event, now)
    assert notice is not None
    assert notice.kind == "quote_request"
    assert notice.data == {"actor": "https://m.example/users/a",
                           "object": "https://m.example/req/1",
                           "post": "https://s.example/ap/posts/p"}  # fmt: skip
    assert notice_for_event(event, now) == notice  # the same event, the same notice id
