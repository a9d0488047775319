"""The small HTML page `/interact` answers when it does not redirect: why, and what works anyway.

It uses the site's own stylesheet, so it looks like the site, and holds no script: its
Content-Security-Policy allows only that stylesheet and a form sent back to `/interact`. The owner's
handle is in a labelled, read-only field, selectable to copy without JavaScript, under the
sentence that works on every server: search for it there.
"""

from __future__ import annotations

from html import escape

from starlette.responses import HTMLResponse

from site_core.ids import parse_http_url
from site_core.remote_interaction import Interaction
from site_core.urls import UrlScheme

__all__ = ["interaction_page"]

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title}</title>
<link rel="stylesheet" href="{stylesheet}">
</head>
<body>
<main id="main">
<h1>{title}</h1>
<p role="status">{message}</p>
<p class="handle-copy"><label for="owner-handle">Handle to search for</label>
<input id="owner-handle" class="handle-field" type="text" value="{handle}" readonly></p>
<p>Search for <strong class="handle">{handle}</strong> on your server{verb}.</p>
<form class="interact" action="{action}" method="get">
<label for="interact-handle">Or try another account: your handle</label>
<span class="interact-row">
<input id="interact-handle" name="handle" type="text" value="{typed}"
 placeholder="@you@your.server" autocapitalize="none" spellcheck="false" required>
<input type="hidden" name="intent" value="{intent}">{object_field}
<button type="submit">{button}</button>
</span>
</form>
<p><a href="{back}">Back to {back_name}</a></p>
</main>
</body>
</html>
"""


def _origin(url: str) -> str:
    parsed = parse_http_url(url)
    if parsed is None:
        return "'none'"
    port = f":{parsed.port}" if parsed.port is not None else ""
    return f"{parsed.scheme}://{parsed.host}{port}"


def interaction_page(
    urls: UrlScheme,
    status: int,
    message: str,
    interaction: Interaction | None,
    typed: str = "",
) -> HTMLResponse:
    """The page, with `message` saying what happened; `interaction` (None when the request
    itself was unusable) keeps the retry form on the same follow or reply."""
    reply = interaction is not None and interaction.intent == "reply"
    object_field = ""
    if reply and interaction is not None:
        object_field = f'\n<input type="hidden" name="object" value="{escape(interaction.target)}">'
    body = _PAGE.format(
        title="Reply from your server" if reply else "Follow from your server",
        stylesheet=escape(urls.stylesheet),
        message=escape(message),
        handle=escape(urls.handle),
        verb=" and reply to the post" if reply else " and follow",
        action=escape(urls.interact),
        typed=escape(typed[:300]),
        intent="reply" if reply else "follow",
        object_field=object_field,
        button="Reply" if reply else "Follow",
        back=escape(interaction.return_page if interaction else urls.home),
        back_name="the post" if reply else "the site",
    )
    policy = (
        f"default-src 'none'; style-src {_origin(urls.stylesheet)}; "
        f"form-action {_origin(urls.interact)}; base-uri 'none'; frame-ancestors 'none'"
    )
    headers = {
        "Content-Security-Policy": policy,
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    return HTMLResponse(body, status, headers=headers)
