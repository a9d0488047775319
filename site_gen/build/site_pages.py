"""Pages about the site rather than its posts: profile, policies, 404, and the stylesheets."""

from __future__ import annotations

from collections.abc import Sequence

from site_core.urls import output_path_for_url
from site_gen.build.artifacts import Artifact, html_artifact
from site_gen.build.theme import Theme
from site_gen.build.views import HIGHLIGHT_STYLESHEET_PATH, STYLESHEET_PATH, post_view, site_view
from site_gen.config import SiteConfig
from site_gen.content.image_size import image_size
from site_gen.content.markdown_render import highlight_stylesheet
from site_gen.content.model import Post

__all__ = ["RECENT_POSTS", "render_site_pages"]

RECENT_POSTS = 5  # listed on the profile page, newest first


def _header_size(config: SiteConfig) -> tuple[int, int] | None:
    """The header's width and height, so the page does not move when it arrives."""
    file = config.static_dir / config.header if config.header else None
    return image_size(file) if file is not None and file.is_file() else None


def _profile(config: SiteConfig, posts: Sequence[Post]) -> dict[str, object]:
    urls = config.urls
    return {
        "bio": list(config.bio_paragraphs),
        "header": urls.asset(config.header) if config.header else None,
        "header_size": _header_size(config),
        "fields": [
            {
                "name": field.name,
                "value": field.value,
                "url": field.value if field.value.startswith(("https://", "http://")) else None,
            }
            for field in config.fields
        ],
        "post_count": len(posts),
        "recent": [post_view(post, config) for post in posts[:RECENT_POSTS]],
        "moved_to": config.moved_to if (config.moved_to or "").startswith("https://") else None,
    }


def render_site_pages(posts: Sequence[Post], config: SiteConfig, theme: Theme) -> list[Artifact]:
    """The profile (with the newest of `posts`, newest first), policies, 404 and stylesheets."""
    urls = config.urls
    site = site_view(config)

    def page(url: str, template: str, **context: object) -> Artifact:
        html = theme.render(template, site=site, canonical=url, **context)
        return html_artifact(output_path_for_url(urls.path_of(url)), html)

    return [
        page(urls.profile, "profile.html", profile=_profile(config, posts)),
        page(urls.privacy, "privacy.html"),
        page(urls.age_policy, "age_policy.html"),
        html_artifact("404.html", theme.render("404.html", site=site)),
        Artifact(STYLESHEET_PATH, theme.static_file("style.css"), "text/css; charset=utf-8"),
        Artifact(
            HIGHLIGHT_STYLESHEET_PATH,
            highlight_stylesheet().encode("utf-8"),
            "text/css; charset=utf-8",
        ),
    ]
