"""Signing in to the admin page over plain HTTP, and reading its forms' CSRF tokens."""

from __future__ import annotations

import re

import httpx
from function_harness import ADMIN_TOKEN

_CSRF = re.compile(r'name="csrf" value="([^"]*)"')


def csrf_of(html: str) -> str:
    """The CSRF token of the first form of a page."""
    found = _CSRF.search(html)
    assert found is not None, "no form with a CSRF token on the page"
    return found.group(1)


def same_origin(url: str) -> dict[str, str]:
    """The headers a browser adds to a form it posts to its own origin."""
    return {"Origin": url, "Sec-Fetch-Site": "same-origin"}


def sign_in(client: httpx.Client, url: str, credential: str = ADMIN_TOKEN) -> httpx.Response:
    """Load the sign-in form and post it (the client keeps the cookies)."""
    page = client.get(f"{url}/admin/")
    return client.post(
        f"{url}/admin/sign-in",
        data={"csrf": csrf_of(page.text), "credential": credential},
        headers=same_origin(url),
    )


def signed_in(client: httpx.Client, url: str) -> str:
    """Sign in with the admin token; the CSRF token of the session's forms."""
    answer = sign_in(client, url)
    assert answer.status_code == 303, answer.text
    return csrf_of(client.get(f"{url}/admin/followers").text)
