"""WebFinger, host-meta and NodeInfo: how other servers find the actor and the software.

One JRD answers every WebFinger query (FEDERATION.md#webfinger-any-resource: a single-user
site can serve a static file that ignores the query string). Its `subject` and `self` link are
built from the same `UrlScheme` as the actor, so the round trip holds byte for byte
(FEDERATION.md#webfinger-round-trip).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from site_core import __version__
from site_core.errors import ConfigError
from site_core.urls import ACTIVITY_JSON
from site_gen.federation.objects import published_posts
from site_gen.xml_escape import xml_attribute

if TYPE_CHECKING:
    from site_gen.config import SiteConfig
    from site_gen.content.model import Post

__all__ = [
    "NODEINFO_VERSIONS",
    "build_host_meta",
    "build_nodeinfo",
    "build_nodeinfo_links",
    "build_webfinger",
]

NODEINFO_VERSIONS = ("2.1", "2.0")
_SOFTWARE_NAME = re.compile(r"^[a-z0-9-]+$")


def build_webfinger(config: SiteConfig) -> dict[str, Any]:
    """The JRD served at /.well-known/webfinger for any `resource`
    (FEDERATION.md#webfinger-self, FEDERATION.md#webfinger-aliases).

    With a handle on another domain the subject is that handle, for the site's own host as
    well: Mastodon then asks the handle's domain, which must answer with this same JRD
    (FEDERATION.md#handle-domain). The site-host account stays an alias.
    """
    urls = config.urls
    return {
        "subject": urls.acct,
        "aliases": [urls.actor, urls.profile, *([urls.site_acct] if urls.split_handle else [])],
        "links": [
            {"rel": "self", "type": ACTIVITY_JSON, "href": urls.actor},
            {
                "rel": "http://webfinger.net/rel/profile-page",
                "type": "text/html",
                "href": urls.profile,
            },
        ],
    }


def build_host_meta(config: SiteConfig) -> str:
    """The XRD pointing at WebFinger, which Pleroma asks for first (FEDERATION.md#host-meta)."""
    template = xml_attribute(f"{config.urls.webfinger}?resource={{uri}}")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" template={template}/>\n'
        "</XRD>\n"
    )


def build_nodeinfo_links(config: SiteConfig) -> dict[str, Any]:
    """/.well-known/nodeinfo: links to the 2.1 and 2.0 documents (FEDERATION.md#nodeinfo)."""
    return {
        "links": [
            {
                "rel": f"http://nodeinfo.diaspora.software/ns/schema/{version}",
                "href": config.urls.nodeinfo(version),
            }
            for version in NODEINFO_VERSIONS
        ]
    }


def build_nodeinfo(version: str, config: SiteConfig, posts: Sequence[Post]) -> dict[str, Any]:
    """The NodeInfo document of `version` ("2.1" or "2.0") with every required field.

    The usage counts are fixed at one active user: this is a one-person site, and a count
    computed from the clock would break deterministic output.
    """
    if version not in NODEINFO_VERSIONS:
        raise ValueError(f"NodeInfo version must be one of {NODEINFO_VERSIONS}, not {version!r}")
    name = config.software_name
    if not _SOFTWARE_NAME.match(name):
        raise ConfigError(f"software name {name!r} must match ^[a-z0-9-]+$ (NodeInfo)")
    # `repository`/`homepage` (2.1 only) are left out until the project has a public home.
    software: dict[str, str] = {"name": name, "version": __version__}
    return {
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": ["atom1.0"]},
        "openRegistrations": False,
        "usage": {
            "users": {"total": 1, "activeMonth": 1, "activeHalfyear": 1},
            "localPosts": len(published_posts(posts)),
        },
        "metadata": {
            "nodeName": config.title,
            "nodeDescription": config.bio,
            # FEDERATION.md#policy-pages: non-standard, but cheap; Threads wants the pages.
            "privacyPolicy": config.urls.privacy,
            "agePolicy": config.urls.age_policy,
        },
    }
