"""Pages about the site rather than its posts: profile, policies, 404, and the stylesheets."""

from __future__ import annotations

from collections.abc import Sequence

from site_core.urls import output_path_for_url
from site_gen.build.artifacts import Artifact, html_artifact
from site_gen.build.theme import Theme
from site_gen.build.views import HIGHLIGHT_STYLESHEET_PATH, STYLESHEET_PATH, site_view
from site_gen.config import SiteConfig
from site_gen.content.markdown_render import highlight_stylesheet
from site_gen.content.model import Post

__all__ = ["render_site_pages"]


def _profile(config: SiteConfig, post_count: int) -> dict[str, object]:
    urls = config.urls
    return {
        "bio": list(config.bio_paragraphs),
        "header": urls.asset(config.header) if config.header else None,
        "fields": [
            {
                "name": field.name,
                "value": field.value,
                "url": field.value if field.value.startswith(("https://", "http://")) else None,
            }
            for field in config.fields
        ],
        "post_count": post_count,
        "moved_to": config.moved_to if (config.moved_to or "").startswith("https://") else None,
    }


def render_site_pages(posts: Sequence[Post], config: SiteConfig, theme: Theme) -> list[Artifact]:
    urls = config.urls
    site = site_view(config)

    def page(url: str, template: str, **context: object) -> Artifact:
        html = theme.render(template, site=site, canonical=url, **context)
        return html_artifact(output_path_for_url(urls.path_of(url)), html)

    return [
        page(urls.profile, "profile.html", profile=_profile(config, len(posts))),
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
