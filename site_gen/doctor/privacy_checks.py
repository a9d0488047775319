"""No page or document gives away an email address or a private key, or loads another origin.

The pages looked at are the home page, the profile, the policy pages and one post page, plus
every document the other checks fetched. Handles (`@user@host`, `acct:user@host`) are not
email addresses; `mailto:` links are. A page that loads a script, style, image or frame from
another origin tells that origin who reads the site.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from site_gen.doctor.accept_headers import BROWSER
from site_gen.doctor.observer import Observer, Seen
from site_gen.doctor.report import Finding
from site_gen.doctor.target import DoctorTarget

__all__ = ["check_privacy", "foreign_resources"]

_EMAIL = re.compile(
    rb"mailto:[^\s\"'<>]+|(?<![@\w.+:/%-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"
)
_PRIVATE_KEY = re.compile(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----")
# Tags and attributes a browser loads on its own when it shows the page.
_LOADED = {
    "img": ("src", "srcset"),
    "script": ("src",),
    "iframe": ("src",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "source": ("src", "srcset"),
    "embed": ("src",),
    "object": ("data",),
}
_LOADED_LINKS = frozenset(
    {"stylesheet", "icon", "preload", "modulepreload", "manifest", "prefetch"}
)


class _Resources(HTMLParser):
    """Collects the URLs a page makes the browser load."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "link" and _LOADED_LINKS & set(values.get("rel", "").lower().split()):
            self.urls.append(values.get("href", ""))
        for name in _LOADED.get(tag, ()):
            for part in values.get(name, "").split(","):
                if part.strip():
                    self.urls.append(part.strip().split()[0])


def foreign_resources(page: Seen, origin: str) -> list[str]:
    """The URLs of other origins the page loads."""
    parser = _Resources()
    parser.feed(page.body.decode("utf-8", "replace"))
    found = []
    for url in parser.urls:
        absolute = urljoin(page.url, url)
        parts = urlsplit(absolute)
        if (
            parts.scheme in ("http", "https")
            and f"{parts.scheme}://{parts.netloc}".lower() != origin
        ):
            found.append(absolute)
    return found


async def _pages(target: DoctorTarget, web: Observer) -> list[Seen]:
    urls = [target.urls.home, target.urls.profile, target.urls.privacy, target.urls.age_policy]
    pages = [await web.get(url, BROWSER) for url in urls]
    return [page for page in pages if page.status == 200 and page.media_type == "text/html"]


async def check_privacy(target: DoctorTarget, web: Observer) -> list[Finding]:
    pages = await _pages(target, web)
    answers = [seen for seen in web.answers() if seen.status == 200]
    return [_emails(answers), _keys(answers), _foreign(target, pages)]


def _emails(answers: list[Seen]) -> Finding:
    found = sorted({(m.group().decode(), s.url) for s in answers for m in _EMAIL.finditer(s.body)})
    if not found:
        return Finding.ok("privacy: email addresses", f"none in {len(answers)} answers")
    seen_text = "; ".join(f"{email} in {url}" for email, url in found[:5])
    fix = "Remove email addresses from posts, bio and templates"
    return Finding.problem("privacy: email addresses", seen_text, fix, "configuration")


def _keys(answers: list[Seen]) -> Finding:
    found = sorted({seen.url for seen in answers if _PRIVATE_KEY.search(seen.body)})
    if not found:
        return Finding.ok("privacy: private keys", "no private key material")
    fix = (
        "Remove the private key from the output at once, then run site-gen keys generate"
        " and publish"
    )
    return Finding.problem(
        "privacy: private keys", f"key material in {', '.join(found)}", fix, "keys"
    )


def _foreign(target: DoctorTarget, pages: list[Seen]) -> Finding:
    found = sorted(
        {(u, page.url) for page in pages for u in foreign_resources(page, target.origin)}
    )
    if not found:
        seen_text = f"{len(pages)} pages load only the site's own files"
        return Finding.ok("privacy: other origins", seen_text)
    seen_text = "; ".join(f"{page} loads {url}" for url, page in found[:5])
    fix = "Copy the resources into static/ so pages load nothing from other origins"
    return Finding.problem("privacy: other origins", seen_text, fix, "configuration")
