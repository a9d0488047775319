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
    "AUTHORIZATION_CONTEXT",
    "POST_CONTEXT",
    "PUBLIC",
    "SECURITY_V1",
    "with_proof_terms",
]

ACTIVITYSTREAMS = "https://www.w3.org/ns/activitystreams"
SECURITY_V1 = "https://w3id.org/security/v1"
# FEDERATION.md#public-iri: the full IRI, which every server understands.
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"

_TOOT = "http://joinmastodon.org/ns#"
_GTS = "https://gotosocial.org/ns#"
_FEP_044F = "https://w3id.org/fep/044f#"

_SEC = "https://w3id.org/security#"

# FEDERATION.md#integrity-proofs: the terms of an `eddsa-jcs-2022` proof, as the Data Integrity
# v2 context defines them (the proof itself is checked on the JSON, not on these). Only signed
# documents carry them (`with_proof_terms`), so unsigned collections stay small.
_PROOF_TERMS: dict[str, Any] = {
    "sec": _SEC,
    "proof": {"@id": "sec:proof", "@type": "@id", "@container": "@graph"},
    "DataIntegrityProof": "sec:DataIntegrityProof",
    "cryptosuite": {"@id": "sec:cryptosuite", "@type": "sec:cryptosuiteString"},
    "created": {"@id": "http://purl.org/dc/terms/created", "@type": "xsd:dateTime"},
    "proofPurpose": {"@id": "sec:proofPurpose", "@type": "@vocab"},
    "proofValue": {"@id": "sec:proofValue", "@type": "sec:multibase"},
    "verificationMethod": {"@id": "sec:verificationMethod", "@type": "@id"},
    "assertionMethod": {"@id": "sec:assertionMethod", "@type": "@id", "@container": "@set"},
}

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
    # FEDERATION.md#multikey (FEP-521a): the Ed25519 key in `assertionMethod`.
    "sec": _SEC,
    "assertionMethod": _PROOF_TERMS["assertionMethod"],
    "Multikey": "sec:Multikey",
    "controller": {"@id": "sec:controller", "@type": "@id"},
    "publicKeyMultibase": {"@id": "sec:publicKeyMultibase", "@type": "sec:multibase"},
}

# Who may quote, reply, like and boost (FEDERATION.md#interaction-policy), in the terms Mastodon
# and GoToSocial declare. Not in the actor's context: its hash would change for nothing.
_INTERACTION_TERMS: dict[str, Any] = {
    "gts": _GTS,
    "interactionPolicy": {"@id": "gts:interactionPolicy", "@type": "@id"},
    "canQuote": {"@id": "gts:canQuote", "@type": "@id"},
    "canReply": {"@id": "gts:canReply", "@type": "@id"},
    "canLike": {"@id": "gts:canLike", "@type": "@id"},
    "canAnnounce": {"@id": "gts:canAnnounce", "@type": "@id"},
    "automaticApproval": {"@id": "gts:automaticApproval", "@type": "@id"},
    "manualApproval": {"@id": "gts:manualApproval", "@type": "@id"},
}

# The function's answers to interactions and the authorizations it serves
# (FEDERATION.md#quote-consent, FEDERATION.md#reply-authorization).
_AUTHORIZATION_TERMS: dict[str, Any] = {
    "gts": _GTS,
    "QuoteRequest": f"{_FEP_044F}QuoteRequest",
    "QuoteAuthorization": f"{_FEP_044F}QuoteAuthorization",
    "ReplyAuthorization": "gts:ReplyAuthorization",
    "interactingObject": {"@id": "gts:interactingObject", "@type": "@id"},
    "interactionTarget": {"@id": "gts:interactionTarget", "@type": "@id"},
}

# Posts, activities and collections: ActivityStreams plus the few Mastodon extensions.
POST_CONTEXT: list[Any] = [ACTIVITYSTREAMS, {**_POST_TERMS, **_INTERACTION_TERMS}]
AUTHORIZATION_CONTEXT: list[Any] = [ACTIVITYSTREAMS, _AUTHORIZATION_TERMS]
# The actor and Update{Person}: the security vocabulary for `publicKey` too
# (FEDERATION.md#main-key).
ACTOR_CONTEXT: list[Any] = [ACTIVITYSTREAMS, SECURITY_V1, _ACTOR_TERMS]


def with_proof_terms(context: Any) -> list[Any]:
    """`context` with the proof's terms added to its inline term definitions (appended as
    one more when it has none), for a document about to get an integrity proof."""
    items = list(context) if isinstance(context, list) else [context]
    if items and isinstance(items[-1], dict):
        return [*items[:-1], {**items[-1], **_PROOF_TERMS}]
    return [*items, dict(_PROOF_TERMS)]
