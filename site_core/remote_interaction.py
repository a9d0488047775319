"""Where to send a visitor who wants to follow the owner, or reply to a post, from their own
server (sans-IO; FEDERATION.md#remote-interaction).

The visitor types their handle; the function asks their server's WebFinger and this module
reads the answer. The interaction page is chosen in this order:

    1. FEP-3b86 activity intents: `.../Follow` ({object} = our actor); for a reply `.../Create`
       when its template takes {inReplyTo}, else `.../Object` ({object} = the post)
    2. the OStatus subscribe template ({uri}), which is Mastodon's `authorize_interaction`
    3. `/authorize_interaction?uri=` on a server whose NodeInfo names Mastodon (the caller
       fetches NodeInfo; `nodeinfo_href` and `software_name` read it)

A target is only ever http(s) and on the visitor's server (the host of the handle or the one
that answered WebFinger), so a hostile server cannot turn our function into an open redirect.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote, urlsplit

from site_core.ids import parse_http_url

__all__ = [
    "FEP_3B86",
    "OSTATUS_SUBSCRIBE",
    "Choice",
    "HostKey",
    "Intent",
    "Interaction",
    "VisitorAccount",
    "advertised_target",
    "fill_template",
    "host_key_of_url",
    "is_safe_target",
    "mastodon_target",
    "nodeinfo_href",
    "parse_visitor_handle",
    "software_name",
]

FEP_3B86 = "https://w3id.org/fep/3b86/"
OSTATUS_SUBSCRIBE = "http://ostatus.org/schema/1.0/subscribe"
_NODEINFO_SCHEMAS = (
    "http://nodeinfo.diaspora.software/ns/schema/2.1",
    "http://nodeinfo.diaspora.software/ns/schema/2.0",
)

Intent = Literal["follow", "reply"]
# (host, port): the port is None for 80 and 443, so `example.com` matches `https://example.com`.
HostKey = tuple[str, int | None]

_USER = r"[A-Za-z0-9_.~-]{1,100}"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = rf"{_LABEL}(?:\.{_LABEL})*(?::[0-9]{{1,5}})?"
_HANDLE = re.compile(rf"@?({_USER})@({_HOST})")
# Profile URLs as servers show them: /@user (Mastodon, Misskey), /@user@host (a remote account
# seen from that server), /users/user (GoToSocial, Pleroma).
_PROFILE_PATH = re.compile(rf"/(?:@({_USER})(?:@({_HOST}))?|users/({_USER}))/?")
_PLACEHOLDER = re.compile(r"\{([A-Za-z][A-Za-z0-9_-]{0,40})\}")


@dataclass(frozen=True, slots=True)
class VisitorAccount:
    """The account the visitor typed: `user@host`, the host lower-case (with `:port` if given)."""

    user: str
    host: str

    @property
    def acct(self) -> str:
        return f"acct:{self.user}@{self.host}"

    @property
    def handle(self) -> str:
        return f"@{self.user}@{self.host}"

    @property
    def host_key(self) -> HostKey | None:
        return host_key_of_url(f"https://{self.host}/")


@dataclass(frozen=True, slots=True)
class Interaction:
    """What the visitor wants: `target` is our actor (follow) or a post object (reply);
    `return_page` is the page of ours to come back to; `owner_handle` starts a reply."""

    intent: Intent
    target: str
    return_page: str
    owner_handle: str


@dataclass(frozen=True, slots=True)
class Choice:
    """The visitor's interaction page and the mechanism that named it."""

    url: str
    mechanism: Literal["fep-3b86", "ostatus-subscribe", "mastodon"]


def _valid_host(host: str) -> str | None:
    return host.lower() if host_key_of_url(f"https://{host}/") is not None else None


def parse_visitor_handle(text: str) -> VisitorAccount | None:
    """`@user@host`, `user@host`, `acct:user@host` or a profile URL; None for anything else."""
    text = text.strip()
    if len(text) > 300:
        return None
    if text.startswith(("https://", "http://")):
        return _from_profile_url(text)
    match = _HANDLE.fullmatch(text.removeprefix("acct:"))
    if match is None:
        return None
    host = _valid_host(match.group(2))
    return VisitorAccount(match.group(1), host) if host else None


def _from_profile_url(text: str) -> VisitorAccount | None:
    parsed = parse_http_url(text)
    if parsed is None or parsed.query or parsed.fragment:
        return None
    match = _PROFILE_PATH.fullmatch(parsed.path)
    if match is None:
        return None
    user = match.group(1) or match.group(3)
    netloc = urlsplit(text).netloc.lower()
    host = _valid_host(match.group(2) or netloc) if "@" not in netloc else None
    return VisitorAccount(user, host) if host else None


def host_key_of_url(url: str) -> HostKey | None:
    """The (host, port) an http(s) URL points at, or None if it is not a plain one: no user
    part, no backslash (browsers read `\\` as `/`, `urlsplit` does not)."""
    parsed = parse_http_url(url)
    if parsed is None or "\\" in url or "@" in urlsplit(url).netloc:
        return None
    return parsed.host, None if parsed.port in (80, 443) else parsed.port


def is_safe_target(url: str, allowed: Iterable[HostKey]) -> bool:
    """True when `url` is http(s) and on one of the `allowed` hosts."""
    key = host_key_of_url(url)
    return key is not None and key in set(allowed)


def fill_template(template: str, values: Mapping[str, str]) -> str:
    """Every `{name}` replaced by its percent-encoded value; unknown names by nothing (FEP-3b86)."""
    return _PLACEHOLDER.sub(lambda m: quote(values.get(m.group(1), ""), safe=""), template)


def _link_templates(jrd: Mapping[str, Any]) -> dict[str, str]:
    """Lower-cased rel -> the first template given for it (`href` or `template`: FEP-3b86
    says `href`, OStatus and several servers say `template`)."""
    found: dict[str, str] = {}
    links = jrd.get("links")
    for link in links if isinstance(links, list) else []:
        if not isinstance(link, dict) or not isinstance(link.get("rel"), str):
            continue
        value = link.get("template", link.get("href"))
        if isinstance(value, str):
            found.setdefault(link["rel"].lower(), value)
    return found


def _intent_url(links: Mapping[str, str], interaction: Interaction) -> str | None:
    values = {
        "object": interaction.target,
        "on-success": interaction.return_page,
        "on-cancel": interaction.return_page,
    }
    if interaction.intent == "follow":
        template = links.get(f"{FEP_3B86}follow")
        return fill_template(template, values) if template else None
    create = links.get(f"{FEP_3B86}create")
    if create and "{inReplyTo}" in create:
        reply = {**values, "inReplyTo": interaction.target, "content": interaction.owner_handle}
        return fill_template(create, reply)
    view = links.get(f"{FEP_3B86}object")
    return fill_template(view, values) if view else None


def advertised_target(jrd: Mapping[str, Any], interaction: Interaction) -> Choice | None:
    """The interaction page a WebFinger answer advertises (FEP-3b86 first, then OStatus), not
    yet checked (`is_safe_target`); None when it advertises neither."""
    links = _link_templates(jrd)
    intent = _intent_url(links, interaction)
    if intent is not None:
        return Choice(intent, "fep-3b86")
    subscribe = links.get(OSTATUS_SUBSCRIBE)
    if subscribe is not None:
        return Choice(fill_template(subscribe, {"uri": interaction.target}), "ostatus-subscribe")
    return None


def mastodon_target(origin: str, interaction: Interaction) -> Choice:
    """Mastodon's interaction page on `origin` (`scheme://host`), for servers that run it
    without advertising the subscribe template."""
    uri = quote(interaction.target, safe="")
    return Choice(f"{origin.rstrip('/')}/authorize_interaction?uri={uri}", "mastodon")


def nodeinfo_href(links_document: Mapping[str, Any]) -> str | None:
    """The NodeInfo 2.1 (else 2.0) document `/.well-known/nodeinfo` links to."""
    links = links_document.get("links")
    hrefs = {
        link.get("rel"): link.get("href")
        for link in (links if isinstance(links, list) else [])
        if isinstance(link, dict) and isinstance(link.get("href"), str)
    }
    return next((hrefs[schema] for schema in _NODEINFO_SCHEMAS if schema in hrefs), None)


def software_name(nodeinfo: Mapping[str, Any]) -> str | None:
    """NodeInfo's `software.name`, lower-case."""
    software = nodeinfo.get("software")
    name = software.get("name") if isinstance(software, dict) else None
    return name.lower() if isinstance(name, str) else None
