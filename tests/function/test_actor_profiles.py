"""`author_profile` on real actor documents (Mastodon, GoToSocial, Misskey) and on hostile
ones: every field bounded, plain text or a usable http(s) URL, or left out."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fixtures_path import FIXTURES
from site_function.actor_profiles import NAME_CAP, author_profile


def _fixture(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return document


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("mastodon/actor.json", {
            "id": "https://masto.qa.urbanwildlife.biz/users/mastodon",
            "name": "Mastodon",
            "handle": "@mastodon@masto.qa.urbanwildlife.biz",
            "url": "https://masto.qa.urbanwildlife.biz/@mastodon",
            "avatar": "https://masto.qa.urbanwildlife.biz/system/accounts/avatars/109/105/103/"
                      "301/739/269/original/2cf61ff96e94cb1d.png",
        }),
        ("gotosocial/actor.json", {
            "id": "http://localhost:8080/users/the_mighty_zork",
            "name": "original zork (he/they)",
            "handle": "@the_mighty_zork@localhost:8080",  # a port off the default is part of it
            "url": "http://localhost:8080/@the_mighty_zork",
            "avatar": "http://localhost:8080/fileserver/01F8MH1H7YV1Z7D2C8K2730QBF/avatar/"
                      "original/01F8MH58A357CV5K7R7TJMSH6S.jpg",
        }),
        ("misskey/actor_fedidevs_capture.json", {
            "id": "https://misskey.io/users/7rkrarq81i",
            "name": ":peroro_sama:しゅいろ:peroro_sama:",
            "handle": "@syuilo@misskey.io",
            "url": "https://misskey.io/@syuilo",
            "avatar": "https://media.misskeyusercontent.com/misskey/"
                      "webpublic-b2dc591e-58b6-4df7-b7c9-1cba199f6619.png",
        }),
    ],
)  # fmt: skip
def test_profiles_of_real_documents(name: str, expected: dict[str, str]) -> None:
    document = _fixture(name)
    assert author_profile(document["id"], document) == expected


def test_an_unknown_document_gives_the_id_only() -> None:
    assert author_profile("https://m.example/users/a", None) == {"id": "https://m.example/users/a"}


def test_hostile_fields_are_cleaned_or_left_out() -> None:
    actor_id = "https://m.example/users/a"
    document = {
        "name": "<script>alert(1)</script>Eve\u202e " + "x" * 5_000,
        "preferredUsername": "eve@evil.example",  # would forge another server's handle
        "url": "javascript:alert(1)",
        "icon": [{"type": "Image", "url": {"type": "Link", "href": "https://cdn.example/a.png"}}],
    }
    profile = author_profile(actor_id, document)
    assert set(profile) == {"id", "name", "avatar"}
    assert "<" not in profile["name"]
    assert "\u202e" not in profile["name"]
    assert profile["name"].startswith("Eve")
    assert len(profile["name"]) == NAME_CAP
    assert profile["avatar"] == "https://cdn.example/a.png"
    assert author_profile(actor_id, {"preferredUsername": "two words", "icon": "data:x"}) == {
        "id": actor_id
    }
