"""The copied avatars and images that approved conversations show, copied into the output.

Only the files a built page shows are published (`ConversationSummary.media`): the picture of a
pending or rejected reply stays in the repository and never reaches the host. Files are
named by their content, so one is kept as it is while its name and size are unchanged.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable, Sequence

from site_core.urls import output_path_for_url
from site_gen.build.artifacts import Artifact
from site_gen.build.conversation_inputs import ConversationInputs
from site_gen.build.post_rendering import PostEntry, page_hash
from site_gen.config import SiteConfig
from site_gen.conversations.data_paths import MEDIA_DIR, conversations_dir

__all__ = ["conversation_media"]


def conversation_media(
    model: Sequence[PostEntry],
    config: SiteConfig,
    conversations: ConversationInputs,
    is_kept: Callable[[str, str], bool],
    page_hashes: dict[str, str],
) -> list[Artifact | str]:
    """`conversations/media/<name>` of every file a built post's conversation shows (a path
    string where the output's copy is still valid)."""
    files: set[str] = set()
    summaries = conversations.summaries
    for entry in model if summaries else ():  # no conversations: no loop over the posts
        if entry.post.slug in summaries:
            files |= conversations.media(entry.post.slug, config.conversation)
    folder = conversations_dir(config.root) / MEDIA_DIR
    urls = config.urls
    items: list[Artifact | str] = []
    for file in sorted(files):
        name = file.removeprefix(f"{MEDIA_DIR}/")
        source = folder / name
        path = output_path_for_url(urls.path_of(urls.conversation_media(name)))
        hash_ = page_hash("conversation media", name, source.stat().st_size)
        page_hashes[path] = hash_
        if is_kept(path, hash_):
            items.append(path)
            continue
        media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        items.append(Artifact(path, source.read_bytes(), media_type))
    return items
