"""The JSON-LD `@context` of every document we publish, declared once.

Mastodon and other JSON-LD consumers expand our documents: a term that no context defines is
silently dropped (FEDERATION.md#declared-terms). So every extension term we use is declared here,
inline, the way Mastodon does it, instead of pointing at context URLs that do not serve JSON-LD. The
tests expand every built document offline and fail on any term that does not survive.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ACTIVITYSTREAMS",
    "ACTOR_CONTEXT",
    "POST_CONTEXT",
    "PUBLIC",
    "SECURITY_V1",
]

ACTIVITYSTREAMS = "https://www.w3.org/ns/activitystreams"
SECURITY_V1 = "https://w3id.org/security/v1"
# FEDERATION.md#public-iri: the full IRI, which every server understands.
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"

_TOOT = "http://joinmastodon.org/ns#"

# Terms of posts and activities (Note, Article, Hashtag, Create, Update, Delete, collections).
_POST_TERMS: dict[str, Any] = {
    "toot": _TOOT,
    "sensitive": "as:sensitive",
    "Hashtag": "as:Hashtag",
    "featured": {"@id": "toot:featured", "@type": "@id"},
}

# Terms of the actor (FEDERATION.md#actor-rules; FEP-2c59 `webfinger`).
_ACTOR_TERMS: dict[str, Any] = {
    **_POST_TERMS,
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "movedTo": {"@id": "as:movedTo", "@type": "@id"},
    "featuredTags": {"@id": "toot:featuredTags", "@type": "@id"},
    "discoverable": "toot:discoverable",
    "indexable": "toot:indexable",
    # FEDERATION.md#attribution-domains: a set of plain domain names, not IRIs (an `@id` type would
    # make them relative IRIs that a processor resolves against the document URL).
    "attributionDomains": {"@id": "toot:attributionDomains", "@container": "@set"},
    # Mastodon's historical (wrong) schema.org IRI, kept for compatibility
    # (FEDERATION.md#profile-fields).
    "schema": "http://schema.org#",
    "PropertyValue": "schema:PropertyValue",
    "value": "schema:value",
    "wf": "https://purl.archive.org/socialweb/webfinger#",
    "webfinger": {"@id": "wf:webfinger", "@type": "xsd:string"},
}

# Posts, activities and collections: ActivityStreams plus the few Mastodon extensions.
POST_CONTEXT: list[Any] = [ACTIVITYSTREAMS, _POST_TERMS]
# The actor and Update{Person}: the security vocabulary for `publicKey` too
# (FEDERATION.md#main-key).
ACTOR_CONTEXT: list[Any] = [ACTIVITYSTREAMS, SECURITY_V1, _ACTOR_TERMS]
