"""The static ActivityPub documents: shapes, addressing, and offline JSON-LD expansion."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from documents_sample import BOB, SITE_YAML, config, post, posts, public_key_pem
from fixtures_path import FIXTURES
from offline_jsonld import compact, expand, key_names, undefined_terms

from site_core.context import PUBLIC
from site_core.errors import ConfigError, KeyMaterialError
from site_core.serialize import serialize
from site_gen.content.model import Mention
from site_gen.federation.activities import (
    build_create,
    build_delete,
    build_move,
    build_update,
    build_update_actor,
)
from site_gen.federation.actor import ACTOR_PUBLISHED_FALLBACK, build_actor
from site_gen.federation.collections import (
    build_featured,
    build_featured_tags,
    build_followers_placeholder,
    build_following,
    build_outbox,
)
from site_gen.federation.objects import build_object, build_tombstone

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _all_documents() -> list[tuple[str, dict[str, Any]]]:
    cfg = config()
    sample = posts()
    actor = build_actor(cfg, public_key_pem(), sample)
    documents = [
        ("actor", actor),
        ("note", build_object(sample[0], cfg)),
        ("article", build_object(sample[1], cfg)),
        ("reply-with-cw", build_object(sample[2], cfg)),
        ("create", build_create(sample[0], cfg)),
        ("update", build_update(sample[0], cfg)),
        ("delete", build_delete(cfg.urls.post_object("gone"), cfg)),
        ("tombstone", build_tombstone(cfg.urls.post_object("gone"), cfg)),
        ("update-actor", build_update_actor(actor, cfg)),
        ("move", build_move(cfg, "https://new.example.net/users/alice")),
        ("featured", build_featured(sample, cfg)),
        ("featured-tags", build_featured_tags(sample, cfg)),
        ("following", build_following(cfg)),
        ("followers", build_followers_placeholder(cfg)),
    ]
    outbox = build_outbox(sample, cfg, page_size=2)
    documents += [(f"outbox:{url.rsplit('/', 2)[-2:]}", doc) for url, doc in outbox]
    return documents


DOCUMENTS = _all_documents()


@pytest.mark.parametrize(("name", "document"), DOCUMENTS, ids=[name for name, _ in DOCUMENTS])
def test_document_expands_offline_and_drops_no_term(name: str, document: dict[str, Any]) -> None:
    # FEDERATION.md#as-context
    assert "https://www.w3.org/ns/activitystreams" in document["@context"]
    expanded = expand(json.loads(serialize(document)))
    assert expanded, f"{name} expanded to nothing"
    assert undefined_terms(expanded) == []
    # Compacting back with the document's own context gives back every key it used.
    assert key_names(compact(expanded, document["@context"])) == key_names(document)


def test_the_expansion_check_catches_an_undefined_term() -> None:
    document = dict(DOCUMENTS[1][1], blurhash="LEHV6nWB2yk8")  # blurhash is not declared
    assert undefined_terms(expand(document)) == ["[0]/_:blurhash"]


# --- the actor (FEDERATION.md#the-actor) ---------------------------------------------------------


def test_actor_has_every_field_of_section_c() -> None:
    cfg = config()
    actor = build_actor(cfg, public_key_pem(), posts())
    urls = cfg.urls
    assert actor["id"] == "https://blog.example.org/ap/actor"
    assert actor["type"] == "Person"
    assert actor["preferredUsername"] == "alice"
    assert actor["webfinger"] == "alice@blog.example.org"
    assert actor["name"] == "Alice Example"
    assert actor["summary"] == "<p>Gardens &amp; bicycles.</p><p>Second &lt;paragraph&gt;.</p>"
    assert actor["url"] == urls.profile != actor["id"]  # FEDERATION.md#url-is-not-id
    assert (actor["inbox"], actor["outbox"]) == (urls.inbox, urls.outbox)
    assert (actor["followers"], actor["following"]) == (urls.followers, urls.following)
    assert (actor["featured"], actor["featuredTags"]) == (urls.featured, urls.featured_tags)
    assert actor["endpoints"] == {"sharedInbox": urls.shared_inbox}
    assert actor["publicKey"] == {
        "id": "https://blog.example.org/ap/actor#main-key",
        "owner": actor["id"],
        "publicKeyPem": public_key_pem(),
    }
    assert actor["icon"] == {
        "type": "Image",
        "mediaType": "image/png",
        "url": "https://blog.example.org/images/avatar.png",
    }
    assert actor["image"] == {
        "type": "Image",
        "mediaType": "image/jpeg",
        "url": "https://cdn.example.org/header.jpg",
    }
    assert actor["manuallyApprovesFollowers"] is False
    assert actor["discoverable"] is True
    assert actor["indexable"] is True
    assert actor["attributionDomains"] == ["blog.example.org"]
    assert actor["alsoKnownAs"] == ["https://old.example.net/users/alice"]
    assert "movedTo" not in actor
    assert actor["tag"] == []
    # The earliest published post, drafts excluded (the draft is dated later anyway).
    assert actor["published"] == "2024-05-01T09:30:00Z"


def test_actor_profile_fields_are_property_values_with_rel_me_links() -> None:
    actor = build_actor(config(), public_key_pem(), ())
    website, pronouns = actor["attachment"]
    assert website["type"] == "PropertyValue"
    assert website["name"] == "Website"
    assert 'href="https://alice.example.org/"' in website["value"]
    assert 'rel="me' in website["value"]
    assert pronouns == {"type": "PropertyValue", "name": "Pronouns", "value": "she/her"}
    assert actor["published"] == ACTOR_PUBLISHED_FALLBACK


def test_actor_contains_no_email_and_no_private_key() -> None:
    text = serialize(build_actor(config(), public_key_pem(), posts())).decode()
    assert "PRIVATE" not in text
    # Handles are not e-mail addresses; strip the FEP-2c59 handle before looking.
    assert EMAIL.findall(text.replace('"alice@blog.example.org"', "")) == []


def test_actor_refuses_a_private_key() -> None:
    with pytest.raises(KeyMaterialError):
        build_actor(config(), "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n", ())


def test_moved_to_handle_needs_a_resolved_actor_url() -> None:
    cfg = config(SITE_YAML + "moved_to: '@alice@new.example.net'\n")
    with pytest.raises(ConfigError, match="actor URL"):
        build_actor(cfg, public_key_pem(), ())
    resolved = {
        "@alice@new.example.net": Mention(
            "@Alice@new.example.net", "https://new.example.net/u/alice"
        )
    }
    actor = build_actor(cfg, public_key_pem(), (), resolved=resolved)
    assert actor["movedTo"] == "https://new.example.net/u/alice"


def test_actor_fields_have_the_shapes_mastodon_uses() -> None:
    ours = build_actor(config(), public_key_pem(), posts())
    for fixture in ("mastodon/actor.json", "mastodon/actor_activitypub_academy.json"):
        theirs = json.loads((FIXTURES / fixture).read_text(encoding="utf-8"))
        for key in ours.keys() & theirs.keys() - {"@context"}:
            assert type(ours[key]) is type(theirs[key]), (fixture, key)


# --- objects (FEDERATION.md#posts) ---------------------------------------------------------------


def test_note_fields_and_addressing() -> None:
    cfg = config()
    note = build_object(posts()[0], cfg)
    assert note["id"] == "https://blog.example.org/ap/posts/garden-note"
    assert note["type"] == "Note"
    assert note["url"] == "https://blog.example.org/posts/garden-note/"
    assert note["attributedTo"] == cfg.urls.actor
    assert note["published"] == "2024-05-03T09:30:00Z"
    assert note["updated"] == "2024-05-04T08:00:00Z"
    assert note["contentMap"] == {"en": note["content"]}
    assert note["to"] == [PUBLIC]
    # FEDERATION.md#mentions: the resolved mention is addressed; the unresolved one cannot be.
    assert note["cc"] == [cfg.urls.followers, BOB.actor_id]
    assert note["tag"] == [
        {"type": "Hashtag", "href": "https://blog.example.org/tags/garden/", "name": "#Garden"},
        {"type": "Hashtag", "href": "https://blog.example.org/tags/bikes/", "name": "#bikes"},
        {"type": "Mention", "href": BOB.actor_id, "name": "@bob@social.example"},
    ]
    assert note["attachment"] == [
        {
            "type": "Image",
            "mediaType": "image/jpeg",
            "url": "https://blog.example.org/images/tomato.jpg",
            "name": "A red tomato on the vine",
            "width": 800,
            "height": 600,
        }
    ]
    assert "summary" not in note  # FEDERATION.md#content-warning: never an excerpt
    assert note["sensitive"] is False
    assert "name" not in note


def test_article_has_name_url_and_plain_summary() -> None:
    article = build_object(posts()[1], config())
    assert article["type"] == "Article"
    assert article["name"] == "A long read"
    assert article["summary"] == "Summary of long-read"
    assert article["contentMap"] == {"de": "<p>long-read</p>"}


def test_content_warning_is_summary_and_sensitive() -> None:
    note = build_object(posts()[2], config())
    assert note["summary"] == "Spiders"
    assert note["sensitive"] is True
    assert note["inReplyTo"] == "https://social.example/notes/1"
    article = build_object(post("x", 1, kind="article", title="T", content_warning="CW"), config())
    assert article["summary"] == "CW"


def test_note_fields_have_the_shapes_mastodon_and_gotosocial_use() -> None:
    ours = build_object(posts()[0], config())
    for fixture in ("mastodon/note.json",):
        theirs = json.loads((FIXTURES / fixture).read_text(encoding="utf-8"))
        for key in ours.keys() & theirs.keys() - {"@context"}:
            assert type(ours[key]) is type(theirs[key]), (fixture, key)
        mention = next(t for t in ours["tag"] if t["type"] == "Mention")
        assert set(mention) == set(next(t for t in theirs["tag"] if t["type"] == "Mention"))


# --- activities ----------------------------------------------------------------------------------


def test_create_embeds_the_object_with_the_same_audience() -> None:
    cfg = config()
    create = build_create(posts()[0], cfg)
    assert create["id"] == cfg.urls.activity("create-garden-note")
    assert create["type"] == "Create"
    assert create["actor"] == cfg.urls.actor
    assert "@context" not in create["object"]
    assert create["object"]["id"] == cfg.urls.post_object("garden-note")
    assert (create["to"], create["cc"]) == (create["object"]["to"], create["object"]["cc"])


def test_update_id_carries_the_updated_time() -> None:
    cfg = config()
    update = build_update(posts()[0], cfg)
    assert update["id"] == cfg.urls.activity("update-garden-note-20240504T080000Z")
    assert update["object"]["updated"] == "2024-05-04T08:00:00Z"
    with pytest.raises(ValueError, match="updated"):
        build_update(posts()[1], cfg)


def test_delete_tombstone_move_and_update_actor() -> None:
    cfg = config()
    gone = cfg.urls.post_object("gone")
    delete = build_delete(gone, cfg)
    assert delete["object"] == {"id": gone, "type": "Tombstone"}
    assert delete["id"] == cfg.urls.activity("delete-gone")
    assert build_tombstone(gone, cfg)["type"] == "Tombstone"
    move = build_move(cfg, "https://new.example.net/users/alice")
    assert (move["type"], move["object"], move["actor"]) == ("Move", cfg.urls.actor, cfg.urls.actor)
    assert move["target"] == "https://new.example.net/users/alice"
    actor = build_actor(cfg, public_key_pem(), posts())
    first = build_update_actor(actor, cfg)
    # FEDERATION.md#attribution-domains
    assert first["object"]["attributionDomains"] == ["blog.example.org"]
    changed = build_update_actor(dict(actor, name="Alice B."), cfg)
    assert first["id"] != changed["id"]
    assert first == build_update_actor(actor, cfg)


# --- collections ---------------------------------------------------------------------------------


def test_outbox_pages_newest_first_with_links() -> None:
    cfg = config()
    many = [
        post(f"p{n}", 1 + n % 28, published=post("x", 1).published.replace(month=1 + n // 28))
        for n in range(45)
    ]
    documents = build_outbox(many, cfg, page_size=20)
    (outbox_url, outbox), *pages = documents
    assert outbox_url == cfg.urls.outbox == outbox["id"]
    assert outbox["type"] == "OrderedCollection"
    assert outbox["totalItems"] == 45
    assert outbox["first"] == cfg.urls.outbox_page(1)
    assert outbox["last"] == cfg.urls.outbox_page(3)
    assert [url for url, _ in pages] == [cfg.urls.outbox_page(n) for n in (1, 2, 3)]
    assert [len(page["orderedItems"]) for _, page in pages] == [20, 20, 5]
    assert "prev" not in pages[0][1]
    assert "next" not in pages[2][1]
    assert pages[1][1]["prev"] == cfg.urls.outbox_page(1)
    assert pages[1][1]["next"] == cfg.urls.outbox_page(3)
    dates = [item["published"] for _, page in pages for item in page["orderedItems"]]
    assert dates == sorted(dates, reverse=True)
    assert all(page["partOf"] == cfg.urls.outbox for _, page in pages)
    assert all(i["type"] == "Create" for _, p in pages for i in p["orderedItems"])


def test_outbox_leaves_out_drafts_and_has_a_page_when_empty() -> None:
    cfg = config()
    documents = build_outbox(posts(), cfg)
    slugs = [i["object"]["id"].rsplit("/", 1)[1] for i in documents[1][1]["orderedItems"]]
    assert slugs == ["garden-note", "long-read", "careful"]
    (_, empty), (page_url, page) = build_outbox((), cfg)
    assert empty["totalItems"] == 0
    assert empty["first"] == page_url
    assert page["orderedItems"] == []


def test_featured_and_featured_tags() -> None:
    cfg = config()
    featured = build_featured(posts(), cfg)
    assert featured["totalItems"] == 1
    assert featured["orderedItems"][0]["id"] == cfg.urls.post_object("long-read")
    tags = build_featured_tags(posts(), cfg)
    assert tags["type"] == "Collection"
    # "Garden" and "garden" are one tag, used twice: first; spelled as first seen (newest).
    assert [t["name"] for t in tags["items"]] == ["#Garden", "#bikes"]
    assert tags["items"][0]["href"] == "https://blog.example.org/tags/garden/"


def test_following_and_followers_placeholder_are_empty() -> None:
    cfg = config()
    assert build_following(cfg)["id"] == cfg.urls.following
    followers = build_followers_placeholder(cfg)
    assert followers["id"] == cfg.urls.followers
    assert followers["totalItems"] == 0


# --- serialization -------------------------------------------------------------------------------


def test_serialize_is_deterministic_compact_utf8() -> None:
    one = {"type": "Note", "@context": "https://www.w3.org/ns/activitystreams", "name": "Grüße"}
    other = {"name": "Grüße", "@context": "https://www.w3.org/ns/activitystreams", "type": "Note"}
    assert serialize(one) == serialize(other)
    assert serialize(one).startswith(b'{"@context":')
    assert "Grüße".encode() in serialize(one)
    assert serialize(one).endswith(b"}\n")
    with pytest.raises(ValueError, match="JSON compliant"):
        serialize({"x": float("nan")})


def test_same_input_same_bytes() -> None:
    first = [serialize(document) for _, document in _all_documents() if _ != "actor"]
    second = [serialize(document) for _, document in _all_documents() if _ != "actor"]
    assert first == second
