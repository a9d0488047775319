"""The one URL scheme: every id and URL of the site and of the function comes from here.

The static generator and the running function both build their ids with `UrlScheme`, so the
documents on the static host and the answers of the function can never disagree
(FEDERATION.md#id-is-url: a fetched document's `id` must equal the URL it was fetched from, byte for
byte).

Layout (paths relative to `base_url`, or to `function_url` for the live routes):

    /ap/actor                      the Person (JSON); key id is /ap/actor#main-key
    /ap/outbox, /ap/outbox-pages/N the outbox collection and its pages
    /ap/posts/<slug>               one Note or Article per post
    /ap/featured, /ap/featured-tags, /ap/following
    /ap/followers                  live, served by the function (paged with ?page=N)
    /ap/followers-synchronization  live: one server's followers, to its signed GETs (FEP-8fcf)
    /ap/inbox, /ap/shared-inbox    live, POST only, served by the function
    /ap/activities/<name>          ids of the activities we send
    /ap/authorizations/<kind>/<t>  live: quote and reply authorizations (FEP-044f, GoToSocial)
    /ap/replies/<slug>, /ap/replies-pages/<slug>/N, /ap/likes/<slug>, /ap/shares/<slug>,
    /ap/contexts/<slug>            a post's conversation collections
    /conversations/media/<name>    copied avatars and images of approved replies
    /interact                      live: a visitor's handle -> their server's follow/reply page
    /.well-known/webfinger, /.well-known/host-meta, /.well-known/nodeinfo, /nodeinfo/2.x
    /, /page/N/, /posts/<slug>/, /tags/<tag>/, /archive/, /profile/, /privacy/, /age-policy/

Everything under `/ap/` and `/.well-known/webfinger` is extension-less and must be served
with an ActivityPub or JRD media type; `media_type_for_path` says which, and the host
configs, the preview server and the function all ask it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

__all__ = [
    "ACTIVITY_JSON",
    "JRD_JSON",
    "NODEINFO_20_JSON",
    "NODEINFO_21_JSON",
    "SLUG_PATTERN",
    "STYLESHEET_PATH",
    "UrlScheme",
    "media_type_for_path",
    "output_path_for_url",
]

ACTIVITY_JSON = "application/activity+json"
JRD_JSON = "application/jrd+json"
XRD_XML = "application/xrd+xml"
NODEINFO_21_JSON = 'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"'
NODEINFO_20_JSON = 'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.0#"'

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# The theme's stylesheet in the output folder: the build writes it, the function's pages link it.
STYLESHEET_PATH = "theme/style.css"


def _strip_slash(url: str) -> str:
    return url[:-1] if url.endswith("/") else url


@dataclass(frozen=True)
class UrlScheme:
    """Every URL of one person's presence, derived from three settings.

    `base_url` is the public site (https://example.com, no trailing slash needed);
    `function_url` is where the function answers, by default the same host, because
    Mastodon wants the actor, its objects and its inbox on one host
    (FEDERATION.md#one-host). `handle_domain` is the domain of the handle when it is not the
    site's host (FEDERATION.md#handle-domain); every id stays on the site.
    """

    base_url: str
    username: str
    function_url: str | None = None
    handle_domain: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", _strip_slash(self.base_url))
        fn = self.function_url or self.base_url
        object.__setattr__(self, "function_url", _strip_slash(fn))

    # --- identity -------------------------------------------------------------------------

    @property
    def host(self) -> str:
        """The host of the site (with port if any): the domain part of the handle."""
        return urlsplit(self.base_url).netloc

    @property
    def handle_host(self) -> str:
        """The domain part of the handle: `handle_domain` when set, else the site's host."""
        return self.handle_domain or self.host

    @property
    def split_handle(self) -> bool:
        """True when the handle names another domain than the site's
        (FEDERATION.md#handle-domain)."""
        return self.handle_host.lower() != self.host.lower()

    @property
    def handle(self) -> str:
        """`@user@domain`, as people type it and as `fediverse:creator` wants it."""
        return f"@{self.username}@{self.handle_host}"

    @property
    def acct(self) -> str:
        """The WebFinger subject, `acct:user@domain`: the canonical handle."""
        return f"acct:{self.username}@{self.handle_host}"

    @property
    def site_acct(self) -> str:
        """`acct:user@host` on the site's own host: an alias of `acct` when the handle is split."""
        return f"acct:{self.username}@{self.host}"

    @property
    def fn(self) -> str:
        """The function's base URL, never None after construction."""
        assert self.function_url is not None
        return self.function_url

    # --- static ActivityPub documents -----------------------------------------------------

    @property
    def actor(self) -> str:
        return f"{self.base_url}/ap/actor"

    @property
    def key_id(self) -> str:
        return f"{self.actor}#main-key"

    @property
    def ed25519_key_id(self) -> str:
        """The Multikey in the actor's `assertionMethod` (FEDERATION.md#multikey)."""
        return f"{self.actor}#ed25519-key"

    @property
    def outbox(self) -> str:
        return f"{self.base_url}/ap/outbox"

    def outbox_page(self, number: int) -> str:
        return f"{self.base_url}/ap/outbox-pages/{number}"

    @property
    def featured(self) -> str:
        return f"{self.base_url}/ap/featured"

    @property
    def featured_tags(self) -> str:
        return f"{self.base_url}/ap/featured-tags"

    @property
    def following(self) -> str:
        return f"{self.base_url}/ap/following"

    def post_object(self, slug: str) -> str:
        """The id of a post's Note or Article."""
        return f"{self.base_url}/ap/posts/{slug}"

    # A post's conversation (FEDERATION.md#conversation-collections): static documents of
    # their own, beside the object (`/ap/posts/<slug>` is a file, so not a folder).

    def replies_collection(self, slug: str) -> str:
        """The `replies` Collection of a post; its first page is embedded."""
        return f"{self.base_url}/ap/replies/{slug}"

    def replies_page(self, slug: str, number: int) -> str:
        """Page `number` (2 and later) of a post's `replies`; page 1 is embedded as `first`."""
        return f"{self.base_url}/ap/replies-pages/{slug}/{number}"

    def likes_collection(self, slug: str) -> str:
        return f"{self.base_url}/ap/likes/{slug}"

    def shares_collection(self, slug: str) -> str:
        return f"{self.base_url}/ap/shares/{slug}"

    def context_collection(self, slug: str) -> str:
        """The thread of a post (FEP-7888 `context`): the post and its approved replies."""
        return f"{self.base_url}/ap/contexts/{slug}"

    def conversation_media(self, name: str) -> str:
        """A copied avatar or image of a conversation (`conversations/media/<name>`)."""
        return f"{self.base_url}/conversations/media/{name}"

    def activity(self, name: str) -> str:
        """The id of an activity we send, `name` being unique (e.g. `create-hello`)."""
        return f"{self.base_url}/ap/activities/{name}"

    # --- live routes of the function -----------------------------------------------------

    @property
    def inbox(self) -> str:
        return f"{self.fn}/ap/inbox"

    @property
    def shared_inbox(self) -> str:
        return f"{self.fn}/ap/shared-inbox"

    @property
    def followers(self) -> str:
        return f"{self.fn}/ap/followers"

    def followers_page(self, number: int) -> str:
        return f"{self.followers}?page={number}"

    @property
    def followers_synchronization(self) -> str:
        """The partial followers collections of FEP-8fcf (FEDERATION.md#follower-sync)."""
        return f"{self.fn}/ap/followers-synchronization"

    def followers_synchronization_for(self, host: str) -> str:
        """The partial collection meant for the server at `host` (host[:port]); only a GET
        signed by that server is answered."""
        return f"{self.followers_synchronization}?domain={quote(host, safe=':[]')}"

    @property
    def interact(self) -> str:
        """Where the follow and reply forms send a visitor's handle
        (FEDERATION.md#remote-interaction)."""
        return f"{self.fn}/interact"

    def authorization(self, kind: str, token: str) -> str:
        """A quote or reply authorization (`kind` "quote" or "reply"), served by the function
        on the actor's own host, as Mastodon requires (FEDERATION.md#quote-consent)."""
        return f"{self.base_url}/ap/authorizations/{kind}/{token}"

    def function_activity(self, name: str) -> str:
        """The id of an activity the function sends (Accept, Reject), unique per `name`."""
        return f"{self.fn}/ap/activities/{name}"

    # --- discovery -------------------------------------------------------------------------

    @property
    def webfinger(self) -> str:
        return f"{self.base_url}/.well-known/webfinger"

    @property
    def host_meta(self) -> str:
        return f"{self.base_url}/.well-known/host-meta"

    @property
    def handle_origin(self) -> str:
        """Where the handle's domain answers WebFinger: https, http only for a loopback domain
        (a local test), as `base_url` allows."""
        name = urlsplit(f"//{self.handle_host}").hostname or ""
        local = name in ("localhost", "127.0.0.1", "::1") or name.endswith(".localhost")
        return f"{'http' if local else 'https'}://{self.handle_host}"

    @property
    def handle_webfinger(self) -> str:
        """The WebFinger endpoint of the handle's domain, which Mastodon asks first."""
        return f"{self.handle_origin}/.well-known/webfinger"

    @property
    def nodeinfo_links(self) -> str:
        return f"{self.base_url}/.well-known/nodeinfo"

    def nodeinfo(self, version: str) -> str:
        """`version` is "2.1" or "2.0"."""
        return f"{self.base_url}/nodeinfo/{version}"

    # --- HTML pages ------------------------------------------------------------------------

    @property
    def home(self) -> str:
        return f"{self.base_url}/"

    def index_page(self, number: int) -> str:
        """Page 1 is the home page; later pages live under /page/N/."""
        return self.home if number <= 1 else f"{self.base_url}/page/{number}/"

    def post_page(self, slug: str) -> str:
        return f"{self.base_url}/posts/{slug}/"

    def tag_page(self, tag: str) -> str:
        """One page per tag as Mastodon normalises it (FEDERATION.md#hashtags): `Café` and
        `cafe` share it."""
        return f"{self.base_url}/tags/{_tag_segment(tag)}/"

    @property
    def archive(self) -> str:
        return f"{self.base_url}/archive/"

    @property
    def profile(self) -> str:
        """The HTML profile: the actor's `url`, distinct from its JSON `id`
        (FEDERATION.md#url-is-not-id)."""
        return f"{self.base_url}/profile/"

    @property
    def privacy(self) -> str:
        return f"{self.base_url}/privacy/"

    @property
    def age_policy(self) -> str:
        return f"{self.base_url}/age-policy/"

    @property
    def atom_feed(self) -> str:
        return f"{self.base_url}/feed.xml"

    @property
    def sitemap(self) -> str:
        return f"{self.base_url}/sitemap.xml"

    @property
    def stylesheet(self) -> str:
        return self.asset(STYLESHEET_PATH)

    def asset(self, path: str) -> str:
        """A static file (image, stylesheet) by its path in the output folder."""
        return f"{self.base_url}/{path.lstrip('/')}"

    def path_of(self, url: str) -> str:
        """The path part of one of our URLs (for routing and for the output folder)."""
        # A build asks this of every file it writes: the plain case without `urlsplit`.
        origin = _origin_of(self.base_url)
        if origin is not None and url.startswith(origin):
            rest = url[len(origin) :]
            if _PLAIN_PATH.fullmatch(rest):
                return rest
        return urlsplit(url).path or "/"


@functools.lru_cache(maxsize=4096)
def _tag_segment(tag: str) -> str:
    """The path segment of a tag's page, made once per tag: every post's object and views
    link their tags, and normalising and quoting cost more than the rest of the URL."""
    # Imported here: only the build makes tag pages, and the folding table it computes at
    # import would cost every cold start of the function.
    from site_core.hashtags import hashtag_key

    return quote(hashtag_key(tag), safe="")


# After the origin, a path that `urlsplit` returns as it is: it starts with '/' and holds no
# query, no fragment and none of the characters `urlsplit` removes.
_PLAIN_PATH = re.compile(r"/[^?#\t\r\n]*")


@functools.lru_cache(maxsize=16)
def _origin_of(base_url: str) -> str | None:
    """`scheme://netloc` of `base_url`, as written there, when `urlsplit` would find exactly
    that origin in `origin + path` (None otherwise: `path_of` then always asks `urlsplit`)."""
    try:
        parts = urlsplit(base_url)
    except ValueError:
        return None
    origin = f"{parts.scheme}://{parts.netloc}"
    plain = origin.isascii() and not any(c in origin for c in "\t\r\n ")
    return origin if plain and parts.netloc and base_url.startswith(origin) else None


def output_path_for_url(path: str) -> str:
    """The file in the output folder that answers a URL path.

    `/posts/x/` -> `posts/x/index.html`; `/ap/actor` -> `ap/actor`; `/feed.xml` -> `feed.xml`.
    Percent-escapes are decoded (`/tags/caf%C3%A9/` -> `tags/café/index.html`), because web
    servers look files up by the decoded path.
    """
    rel = unquote(path).lstrip("/")
    if rel == "" or rel.endswith("/"):
        return f"{rel}index.html"
    return rel


def media_type_for_path(path: str) -> str | None:
    """The Content-Type a URL path must be served with, when the extension does not say it.

    Returns None for ordinary files, whose type follows from their extension.
    """
    if path.startswith("/ap/"):
        return ACTIVITY_JSON
    if path == "/.well-known/webfinger":
        return JRD_JSON
    if path == "/.well-known/host-meta":
        return XRD_XML
    if path == "/.well-known/nodeinfo":
        return "application/json"
    if path == "/nodeinfo/2.1":
        return NODEINFO_21_JSON
    if path == "/nodeinfo/2.0":
        return NODEINFO_20_JSON
    return None
