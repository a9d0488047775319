"""The User-Agent every outgoing request of the project sends, from either side.

Here rather than beside the HTTP client so that code that only names it (the build's lookup
settings, made even for an offline build) does not import the client and aiohttp.
"""

from __future__ import annotations

from site_core import __version__

__all__ = ["user_agent_for"]


def user_agent_for(site_url: str) -> str:
    """`site-gen/<version> (+<site>)`: remote admins can see who fetches and find the site."""
    return f"site-gen/{__version__} (+{site_url})"
