"""Account resolution as Mastodon documents and performs it, over real HTTP, for the tests.

Forwards (`ResolveAccountService`): WebFinger the handle at its domain, redirects followed (at
most three); when the `subject` names another account, WebFinger that one and require it to
name itself; fetch the `self` actor, whose `id` must be the URL fetched. Backwards
(`FetchRemoteAccountService#check_webfinger!`): from an actor, WebFinger
`preferredUsername@<actor host>` (Mastodon 4.6 and later: the FEP-2c59 `webfinger` property
when the actor has one), follow the `subject` the same way, and require the `self` link to
be the actor's `id` ("does not loop back" otherwise).

Hosts are mapped to loopback origins (`origins`), so documents can name real domains such as
example.com while every request goes to a server of the test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import httpx

__all__ = ["MastodonResolver", "ResolutionError"]

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MAX_REDIRECTS = 3


class ResolutionError(Exception):
    """The account does not resolve; the message says at which step."""


def _account(acct: Any) -> tuple[str, str]:
    """(user, domain) of `acct:user@domain` or `user@domain`, compared case-insensitively."""
    text = acct.removeprefix("acct:").removeprefix("@") if isinstance(acct, str) else ""
    if text.count("@") != 1:
        raise ResolutionError(f"not an account: {acct!r}")
    user, domain = text.split("@")
    return user.lower(), domain.lower()


def _self_link(jrd: dict[str, Any]) -> Any:
    for link in jrd.get("links", []):
        if link.get("rel") == "self" and link.get("type") == "application/activity+json":
            return link.get("href")
    raise ResolutionError(f"no ActivityPub self link in {jrd!r}")


@dataclass
class MastodonResolver:
    """One remote server's view; `fep_2c59` False is Mastodon before 4.6."""

    client: httpx.Client
    origins: dict[str, str]
    fep_2c59: bool = True

    def get(self, url: str, accept: str) -> httpx.Response:
        """GET `url` at its host's loopback origin, following at most three redirects."""
        for _hop in range(_MAX_REDIRECTS + 1):
            parts = urlsplit(url)
            if parts.netloc not in self.origins:
                raise ResolutionError(f"no server for {parts.netloc} (from {url})")
            local = (
                self.origins[parts.netloc] + parts.path + (f"?{parts.query}" * bool(parts.query))
            )
            response = self.client.get(local, headers={"Accept": accept})
            if response.status_code not in _REDIRECTS:
                return response
            url = urljoin(url, response.headers["location"])
        raise ResolutionError(f"more than {_MAX_REDIRECTS} redirects")

    def webfinger(self, user: str, domain: str) -> dict[str, Any]:
        acct = quote(f"acct:{user}@{domain}", safe=":@")
        response = self.get(f"https://{domain}/.well-known/webfinger?resource={acct}", "*/*")
        if response.status_code != 200:
            raise ResolutionError(f"WebFinger {user}@{domain}: {response.status_code}")
        document = response.json()
        if not isinstance(document, dict):
            raise ResolutionError(f"WebFinger {user}@{domain}: not a JRD")
        return document

    def canonical(self, user: str, domain: str) -> tuple[tuple[str, str], dict[str, Any]]:
        """The account the JRD's subject names, confirmed by its own domain, and its JRD."""
        jrd = self.webfinger(user, domain)
        confirmed = _account(jrd.get("subject"))
        if confirmed != (user.lower(), domain.lower()):
            jrd = self.webfinger(*confirmed)
            if _account(jrd.get("subject")) != confirmed:
                raise ResolutionError(f"{confirmed} does not confirm itself: {jrd!r}")
        return confirmed, jrd

    def fetch_actor(self, url: str) -> dict[str, Any]:
        response = self.get(url, "application/activity+json")
        actor = response.json() if response.status_code == 200 else None
        if not isinstance(actor, dict) or actor.get("id") != url:
            raise ResolutionError(f"no actor at {url}: {response.status_code}")
        return actor

    def resolve_handle(self, handle: str) -> tuple[str, str]:
        """`@user@domain` (as typed) -> (canonical handle, actor id), checked backwards too."""
        confirmed, jrd = self.canonical(*_account(handle))
        actor = self.fetch_actor(_self_link(jrd))
        if self.verify_actor(actor) != "@{}@{}".format(*confirmed):
            raise ResolutionError(f"{handle} and its actor disagree")
        return "@{}@{}".format(*confirmed), actor["id"]

    def verify_actor(self, actor: dict[str, Any]) -> str:
        """The canonical handle of an actor met first (a post, a follow), or an error."""
        named = actor.get("webfinger") if self.fep_2c59 else None
        if isinstance(named, str):
            start = _account(named)
        else:
            start = (str(actor.get("preferredUsername")).lower(), urlsplit(actor["id"]).netloc)
        confirmed, jrd = self.canonical(*start)
        if _self_link(jrd) != actor["id"]:
            raise ResolutionError(f"{confirmed} does not loop back to {actor['id']}")
        return "@{}@{}".format(*confirmed)
