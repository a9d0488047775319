"""The Accept headers peers send when they fetch an ActivityPub document, and a browser's.

A static host that keys the type on the Accept header, or a CDN that caches one answer for
all, shows up here: every one of these must get `application/activity+json` at a document's
id (the browser's must get something a browser can show: see `document_checks`).
"""

from __future__ import annotations

__all__ = ["BROWSER", "MASTODON", "PEER_ACCEPTS"]

AS_PROFILE = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
# Mastodon's JSON-LD helper: both AP types, and HTML as a last resort.
MASTODON = f"application/activity+json, {AS_PROFILE}, text/html;q=0.1"
# GoToSocial's dereferencer asks for both AP types.
GOTOSOCIAL = f"application/activity+json, {AS_PROFILE}"
# Misskey's signed GET (ApRequestService).
MISSKEY = f"application/activity+json, {AS_PROFILE}"
# Threads fetches with the ActivityPub type alone.
THREADS = "application/activity+json"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

PEER_ACCEPTS: tuple[tuple[str, str], ...] = (
    ("Mastodon", MASTODON),
    ("GoToSocial", GOTOSOCIAL),
    ("Misskey", MISSKEY),
    ("Threads", THREADS),
    ("ld+json profile", AS_PROFILE),
)
