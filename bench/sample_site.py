"""The sample site (`content/`) built for one loopback origin and served from it.

Shared by bench/lighthouse.py and bench/screenshots.py. The site is built with `base_url`
set to the origin it is served from, so canonical links, the avatar and every image resolve
to that server, as on a real host. Each path gets the Content-Type the hosts are configured
with (`media_type_for_path`).
"""

from __future__ import annotations

import contextlib
import mimetypes
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from site_core.urls import media_type_for_path
from site_gen.build.pipeline import build_site
from site_gen.config import load_config

__all__ = ["REPO", "SAMPLE_PAGES", "served_sample_site"]

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "content"
TEST_PUBLIC_KEY = REPO / "tests" / "build" / "keys" / "test-public-key.pem"
# The pages a visitor meets first: (name, path). The post is the one with a conversation.
SAMPLE_PAGES = (
    ("home", "/"),
    ("post", "/posts/static-sites/"),
    ("tag", "/tags/gardens/"),
    ("archive", "/archive/"),
    ("profile", "/profile/"),
)


class _Handler(SimpleHTTPRequestHandler):
    def guess_type(self, path: str | os.PathLike[str]) -> str:
        assert self.directory is not None
        url_path = "/" + Path(path).relative_to(self.directory).as_posix()
        return media_type_for_path(url_path) or mimetypes.guess_type(str(path))[0] or "text/plain"

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _build(origin: str, folder: Path) -> Path:
    """The sample site copied into `folder`, with `base_url: origin`, built; its output."""
    site = folder / "site"
    shutil.copytree(SAMPLE, site, ignore=shutil.ignore_patterns(".site-gen", "public"))
    shutil.copy(TEST_PUBLIC_KEY, site / "public-key.pem")
    config_file = site / "site.yaml"
    text = config_file.read_text("utf-8")
    config_file.write_text(re.sub(r"(?m)^base_url: .*$", f"base_url: {origin}", text), "utf-8")
    output = folder / "public"
    build_site(load_config(site), output=output, jobs=1, offline=True)
    return output


@contextlib.contextmanager
def served_sample_site() -> Iterator[str]:
    """Build the sample site and serve it on 127.0.0.1 (an ephemeral port); yields the origin."""
    output: list[str] = [""]

    class Handler(_Handler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=output[0], **kwargs)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    with tempfile.TemporaryDirectory(prefix="site-gen-sample-") as folder:
        output[0] = str(_build(origin, Path(folder)))
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield origin
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
