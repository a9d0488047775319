"""site-gen: a static website and a static ActivityPub presence from Markdown.

This package is imported by the serverless function too, so importing it must stay cheap:
no build-time library (jinja2, markdown, yaml, click) is imported here.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
