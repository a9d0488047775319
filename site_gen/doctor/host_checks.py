"""The host configuration the build wrote, checked live.

Every path whose type its extension cannot give is served with its type (`typed_paths`, the
table the host configs are written from) and the CORS header where the build asks for it;
the live paths are passed to the function, not answered as files; a post object that is not
in the build reaches the function (which answers 410 for a deleted one); redirects stay on
the site's origin.
"""

from __future__ import annotations

from site_gen.doctor.observer import Observer, Seen
from site_gen.doctor.report import Finding
from site_gen.doctor.target import DoctorTarget
from site_gen.hosting.routes import CORS_PATHS, typed_paths

__all__ = ["check_host"]

_MISSING_POST = "site-gen-doctor-never-published"
_CONFIG_FIX = "Install the host config the build wrote (or rebuild with the right hosting:)"


async def check_host(target: DoctorTarget, web: Observer) -> list[Finding]:
    findings = [await _typed(target, web, path, media_type) for path, media_type in _paths()]
    findings.append(await _inbox_not_a_file(target, web))
    findings.append(await _missing_post(target, web))
    findings += [await _deleted(web, url) for url in target.deleted_posts]
    findings.append(await _redirect(target, web))
    return findings


def _paths() -> list[tuple[str, str]]:
    """The exact typed paths (the /ap/ documents are checked under every Accept by
    `document_checks`)."""
    return [(path, media_type) for path, media_type, prefix in typed_paths() if not prefix]


async def _typed(target: DoctorTarget, web: Observer, path: str, media_type: str) -> Finding:
    check = f"type of {path}"
    seen = await web.get(target.urls.base_url + path)
    wanted = media_type.split(";", 1)[0]
    if seen.status != 200 or seen.media_type != wanted:
        return Finding.problem(
            check, f"{seen.describe()}, expected {media_type}", _CONFIG_FIX, "hosts"
        )
    # WebFinger's CORS header is `discovery_checks`' finding; one problem, one fail.
    if (
        path in CORS_PATHS
        and path != "/.well-known/webfinger"
        and seen.headers.get("access-control-allow-origin") != "*"
    ):
        seen_text = f"{seen.describe()} without Access-Control-Allow-Origin: *"
        return Finding.problem(check, seen_text, _CONFIG_FIX, "hosts")
    return Finding.ok(check, seen.describe())


async def _inbox_not_a_file(target: DoctorTarget, web: Observer) -> Finding:
    seen = await web.get(target.urls.inbox, "application/activity+json")
    if seen.status == 200:
        fix = (
            "A file answers at the inbox path: delete it from the output and proxy the path to "
            "the function"
        )
        return Finding.problem("inbox path proxied", f"GET {seen.url}: 200, a file", fix, "hosts")
    return Finding.ok("inbox path proxied", f"GET {seen.url}: {seen.describe()}")


def _from_function(seen: Seen) -> bool:
    return seen.media_type in ("application/json", "application/activity+json")


async def _missing_post(target: DoctorTarget, web: Observer) -> Finding:
    check = "missing post object reaches the function"
    seen = await web.get(target.urls.post_object(_MISSING_POST), "application/activity+json")
    if seen.status in (404, 410) and _from_function(seen):
        return Finding.ok(check, seen.describe())
    fix = (
        "Objects missing from the build must go to the function, which answers 410 for deleted "
        "posts"
    )
    return Finding.problem(
        check, f"{seen.url}: {seen.describe()}", f"{fix}: {_CONFIG_FIX}", "hosts"
    )


async def _deleted(web: Observer, url: str) -> Finding:
    seen = await web.get(url, "application/activity+json")
    if seen.status == 410:
        return Finding.ok(f"deleted {url}", "410 Gone")
    fix = "Run site-gen publish after deleting a post (the function then answers 410)"
    return Finding.problem(f"deleted {url}", seen.describe(), fix, "publishing")


async def _redirect(target: DoctorTarget, web: Observer) -> Finding:
    """A page asked for without its trailing slash: any redirect must stay on our origin."""
    check = "redirects stay on the site"
    seen = await web.get(target.urls.profile.rstrip("/"), "text/html")
    location = seen.headers.get("location", "")
    redirected = seen.status in (301, 302, 303, 307, 308)
    if redirected and location.startswith(("http", "//")) and not target.same_origin(location):
        fix = "Remove the redirect to another origin: peers drop documents that change origin"
        return Finding.problem(check, f"{seen.url} -> {location}", fix, "hosts")
    return Finding.ok(check, f"{seen.url}: {seen.describe()}")
