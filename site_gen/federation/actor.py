"""The actor: the one `Person` of the site, with every field of FEDERATION.md#the-actor.

Pure: configuration, the public key PEM and the posts come in, a dict goes out. Handles in
`also_known_as`/`moved_to` cannot go into the document (only actor URLs can), so they are
looked up in `resolved` (the committed mention cache); an unknown handle is a `ConfigError`
that says how to fix it.
"""

from __future__ import annotations

import html
import mimetypes
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from site_core.context import ACTOR_CONTEXT
from site_core.errors import ConfigError, KeyMaterialError
from site_gen.content.mentions import normalize_handle
from site_gen.federation.objects import format_datetime, published_posts

if TYPE_CHECKING:
    from site_gen.config import SiteConfig
    from site_gen.content.model import Mention, Post

__all__ = ["ACTOR_PUBLISHED_FALLBACK", "build_actor"]

# `published` of a site without posts: fixed, so that the output stays deterministic.
ACTOR_PUBLISHED_FALLBACK = "2024-01-01T00:00:00Z"

_IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".svg": "image/svg+xml",
}


def _image(config: SiteConfig, path: str) -> dict[str, Any]:
    """An Image object (FEDERATION.md#image-objects: never a bare URL, which Mastodon would
    fetch as JSON)."""
    url = path if path.startswith(("https://", "http://")) else config.urls.asset(path)
    suffix = "." + urlsplit(url).path.rsplit(".", 1)[-1].lower() if "." in url else ""
    media_type = _IMAGE_TYPES.get(suffix) or mimetypes.guess_type(url)[0] or "image/png"
    return {"type": "Image", "mediaType": media_type, "url": url}


def _summary_html(config: SiteConfig) -> str:
    """The bio as HTML paragraphs, as the profile page shows it."""
    return "".join(f"<p>{html.escape(p)}</p>" for p in config.bio_paragraphs)


def _field_value_html(value: str) -> str:
    """A profile field value as HTML; a URL becomes a rel="me" link (Mastodon verifies it)."""
    if value.startswith(("https://", "http://")) and " " not in value:
        display = value.split("://", 1)[1].rstrip("/")
        return (
            f'<a href="{html.escape(value)}" rel="me nofollow noopener noreferrer" '
            f'translate="no">{html.escape(display)}</a>'
        )
    return html.escape(value)


def _account_url(
    value: str, key: str, config: SiteConfig, resolved: Mapping[str, Mention] | None
) -> str:
    if value.startswith("https://"):
        return value
    mention = (resolved or {}).get(normalize_handle(value))
    if mention is not None and mention.actor_id:
        return mention.actor_id
    raise ConfigError(
        f"'{key}' lists the handle {value}, but only an actor URL can go into the actor "
        "document: write its actor URL (https://...) instead, or build once online so that "
        "the handle is resolved into mentions.json",
        config.root / "site.yaml",
    )


def build_actor(
    config: SiteConfig,
    public_key_pem: str,
    posts: Sequence[Post],
    resolved: Mapping[str, Mention] | None = None,
    assertion_key: str | None = None,
) -> dict[str, Any]:
    """The Person document served at `urls.actor`.

    `resolved` maps normalized handles to accounts (what `MentionResolver.resolve` returns);
    it is needed only when `also_known_as` or `moved_to` holds a handle, not an actor URL.
    `assertion_key` is the Ed25519 key (`z6Mk...`) that makes our integrity proofs, listed as
    a Multikey beside the RSA `publicKey`, which stays the key of HTTP signatures
    (FEDERATION.md#multikey).
    """
    if "PRIVATE KEY" in public_key_pem or "PUBLIC KEY" not in public_key_pem:
        # The actor is public: refuse anything but a public key PEM, loudly.
        raise KeyMaterialError("the actor needs a PEM public key (-----BEGIN PUBLIC KEY-----)")
    urls = config.urls
    actor: dict[str, Any] = {
        "@context": ACTOR_CONTEXT,
        "id": urls.actor,
        "type": "Person",
        "preferredUsername": config.username,
        # FEP-2c59 (FEDERATION.md#webfinger-property): the handle, without the leading "@".
        "webfinger": urls.acct.removeprefix("acct:"),
        "name": config.display_name,
        "summary": _summary_html(config),
        "url": urls.profile,
        "published": _first_published(posts),
        "inbox": urls.inbox,
        "outbox": urls.outbox,
        "followers": urls.followers,
        "following": urls.following,
        "featured": urls.featured,
        "featuredTags": urls.featured_tags,
        "endpoints": {"sharedInbox": urls.shared_inbox},
        "publicKey": {
            "id": urls.key_id,
            "owner": urls.actor,
            "publicKeyPem": public_key_pem.strip() + "\n",
        },
        "manuallyApprovesFollowers": config.manually_approves_followers,
        "discoverable": config.discoverable,
        "indexable": config.indexable,
        "attributionDomains": [urlsplit(config.base_url).hostname or urls.host],
        "attachment": [
            {"type": "PropertyValue", "name": f.name, "value": _field_value_html(f.value)}
            for f in config.fields
        ],
        "tag": [],
    }
    actor.update(_optional_properties(config, resolved, assertion_key))
    return actor


def _first_published(posts: Sequence[Post]) -> str:
    """The date of the first published post: when the account began, as far as anyone sees."""
    visible = published_posts(posts)
    if visible:
        return format_datetime(min(post.published for post in visible))
    return ACTOR_PUBLISHED_FALLBACK


def _optional_properties(
    config: SiteConfig, resolved: Mapping[str, Mention] | None, assertion_key: str | None
) -> dict[str, Any]:
    """Avatar, header, account moves and the Ed25519 Multikey: present only when configured."""
    extra: dict[str, Any] = {}
    if assertion_key is not None:
        urls = config.urls
        extra["assertionMethod"] = [
            {
                "id": urls.ed25519_key_id,
                "type": "Multikey",
                "controller": urls.actor,
                "publicKeyMultibase": assertion_key,
            }
        ]
    if config.avatar:
        extra["icon"] = _image(config, config.avatar)
    if config.header:
        extra["image"] = _image(config, config.header)
    if config.also_known_as:
        extra["alsoKnownAs"] = [
            _account_url(value, "also_known_as", config, resolved) for value in config.also_known_as
        ]
    if config.moved_to:
        extra["movedTo"] = _account_url(config.moved_to, "moved_to", config, resolved)
    return extra
