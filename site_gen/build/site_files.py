"""The files the main process renders while the workers render post content.

Listings by title (tags, archive, sitemap), the pages about the site (profile, policies,
404, stylesheets), robots.txt, the `static/` folder and the host's config files. Each is
a path string where the output's file is still valid, else an artifact to stage.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import islice

from site_gen.build.artifacts import Artifact
from site_gen.build.conversation_inputs import ConversationInputs
from site_gen.build.conversation_media import conversation_media
from site_gen.build.metadata_pages import metadata_pages
from site_gen.build.post_collection import BuildModel
from site_gen.build.post_rendering import page_hash
from site_gen.build.previous_build import PreviousBuild
from site_gen.build.site_pages import RECENT_POSTS, render_site_pages
from site_gen.build.sitemap import render_robots
from site_gen.build.static_files import static_artifacts
from site_gen.build.theme import Theme
from site_gen.config import SiteConfig
from site_gen.hosting import render_host_config, write_site_files
from site_gen.hosting.handle_domain import render_handle_domain_files

__all__ = ["site_files", "write_host_files"]


def site_files(
    model: BuildModel,
    config: SiteConfig,
    theme: Theme,
    site_fingerprint: str,
    previous: PreviousBuild,
    is_kept: Callable[[str, str], bool],
    page_hashes: dict[str, str],
    conversations: ConversationInputs | None = None,
) -> list[Artifact | str]:
    """Every file of the site that no worker writes, except the feed and the documents."""
    conversations = conversations or ConversationInputs()
    files = metadata_pages(
        model.entries, config, theme, site_fingerprint, is_kept, page_hashes,
        conversations.reply_count,
    )  # fmt: skip
    files += conversation_media(model.entries, config, conversations, is_kept, page_hashes)
    # The profile lists the newest posts: their metadata is part of the site pages' inputs.
    published = (entry.row_digest for entry in model.entries if not entry.post.draft)
    recent = islice(published, RECENT_POSTS)
    site_hash = page_hash(site_fingerprint, "site pages", len(model.published), *recent)
    site_paths = previous.pages_with(site_hash)
    if site_paths and all(is_kept(path, site_hash) for path in site_paths):
        files += site_paths  # kept as they are (and Jinja is not even loaded)
        page_hashes.update(dict.fromkeys(site_paths, site_hash))  # still valid next time
    else:
        for item in render_site_pages(model.published, config, theme):
            page_hashes[item.path] = site_hash
            files.append(item)
    files += [
        render_robots(config),
        *static_artifacts(config.static_dir),
        *(
            Artifact(host_file.path, host_file.content, "text/plain; charset=utf-8")
            for host_file in render_host_config(config)
            if host_file.location == "output"
        ),
    ]
    return files


def write_host_files(config: SiteConfig) -> None:
    """The host's files that live in the site folder (vercel.json, deploy/nginx.conf), and
    what the handle's domain must serve when it is not the site's (deploy/handle-domain/)."""
    write_site_files(
        config.root, [*render_host_config(config), *render_handle_domain_files(config)]
    )
