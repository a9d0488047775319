"""site-gen: a static website and a static ActivityPub presence from Markdown.

The protocol both this generator and the function speak lives in `site_core`; the version is
the core's, so the CLI and the function's User-Agent always agree.
"""

from site_core import __version__

__all__ = ["__version__"]
