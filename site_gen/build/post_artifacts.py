"""The files that belong to one post alone: its HTML page and its ActivityPub object.

They depend on nothing but the post, the configuration and the theme, which is what lets
the worker processes render them and lets a rebuild skip the posts that did not change.
"""

from __future__ import annotations

from site_core.urls import ACTIVITY_JSON, output_path_for_url
from site_gen.build.artifacts import Artifact, html_artifact
from site_gen.build.theme import Theme
from site_gen.build.views import post_view, site_view
from site_gen.config import SiteConfig
from site_gen.content.model import Post

__all__ = ["render_post_artifacts"]


def render_post_artifacts(post: Post, config: SiteConfig, theme: Theme) -> list[Artifact]:
    """The page `/posts/<slug>/` and, unless a draft, the object `/ap/posts/<slug>`."""
    from site_core.serialize import serialize
    from site_gen.federation.objects import build_object

    urls = config.urls
    view = post_view(post, config)
    page = theme.render(
        "post.html",
        site=site_view(config),
        post=view,
        canonical=view["url"],
        has_code='class="highlight"' in post.html,
    )
    artifacts = [html_artifact(output_path_for_url(urls.path_of(view["url"])), page)]
    if not post.draft:
        object_id = urls.post_object(post.slug)
        artifacts.append(
            Artifact(
                output_path_for_url(urls.path_of(object_id)),
                serialize(build_object(post, config)),
                ACTIVITY_JSON,
            )
        )
    return artifacts
