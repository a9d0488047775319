"""The Jinja2 environment of a site: its own `templates/` first, then the default theme.

Templates receive view models (plain dicts from `site_gen.build.views`), never internal
objects, so a theme cannot reach into the build. Autoescaping is on for every template.
The compiled templates are kept in the user's cache folder (`template_cache`), as `.pyc`
files are: a fresh site or a cold build does not compile the default theme again.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2

__all__ = ["DEFAULT_THEME_DIR", "Theme", "template_cache_folder"]

_PACKAGED_THEME = Path(__file__).resolve().parents[1] / "default_theme"  # in an installed wheel
_SOURCE_THEME = Path(__file__).resolve().parents[2] / "templates"  # in a checkout
DEFAULT_THEME_DIR = _PACKAGED_THEME if _PACKAGED_THEME.is_dir() else _SOURCE_THEME


def _theme_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


def _is_template(name: str) -> bool:
    """The page templates (`static/` holds the stylesheet and pictures, copied as they are)."""
    return name.endswith(".html") and not name.startswith("static/")


# What the code Jinja2 compiles a template to depends on, besides the source and versions.
_CODE_SETTINGS = (
    "block_start_string", "block_end_string", "variable_start_string", "variable_end_string",
    "comment_start_string", "comment_end_string", "line_statement_prefix",
    "line_comment_prefix", "trim_blocks", "lstrip_blocks", "newline_sequence",
    "keep_trailing_newline", "autoescape", "optimized", "undefined", "finalize", "is_async",
)  # fmt: skip


def template_cache_folder(environ: Mapping[str, str] = os.environ) -> Path | None:
    """Where compiled templates are kept for every build on the machine (`template_cache`):
    `$XDG_CACHE_HOME/site-gen/templates`, else `~/.cache/...`; None without a home folder."""
    base = environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # unset, empty or relative: the XDG default
        try:
            base = str(Path.home() / ".cache")
        except (RuntimeError, KeyError):
            return None
    return Path(base) / "site-gen" / "templates"


class Theme:
    """Renders named templates with a view model; one per process, reused for every page."""

    def __init__(self, site_templates: Path | None, bytecode_cache: Path | None = None) -> None:
        self.folders = tuple(
            folder for folder in (site_templates, DEFAULT_THEME_DIR) if folder and folder.is_dir()
        )
        self._templates: dict[str, jinja2.Template] = {}
        self._bytecode_cache = bytecode_cache

    @functools.cached_property
    def environment(self) -> jinja2.Environment:
        import jinja2

        loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(f)) for f in self.folders])
        from site_gen.build.view_environment import view_environment_class

        environment = view_environment_class()(
            loader=loader,
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            undefined=jinja2.StrictUndefined,
            # One build, one set of templates: no stat() of every template on every page.
            auto_reload=False,
            cache_size=-1,
        )
        if self._bytecode_cache is not None:
            # Compiling the templates costs ~0.25 s of CPU before the pool starts; a file is
            # used only for the same template file, source and settings.
            from site_gen.build.template_cache import TemplateCache

            settings = [(name, getattr(environment, name)) for name in _CODE_SETTINGS]
            settings.append(("extensions", sorted(environment.extensions)))
            environment.bytecode_cache = TemplateCache(self._bytecode_cache, repr(settings))
        return environment

    def render(self, name: str, **context: Any) -> str:
        template = self._templates.get(name)
        if template is None:
            template = self._templates[name] = self.environment.get_template(name)
        return template.render(**context)

    def compile_all(self) -> None:
        """Compile every template now (a forked worker inherits them compiled); one that does
        not compile is left for `render` to report, if a page uses it."""
        import jinja2

        environment = self.environment
        for name in environment.list_templates(filter_func=_is_template):
            try:
                environment.get_template(name)
            except (jinja2.TemplateError, UnicodeDecodeError):
                continue

    def static_file(self, name: str) -> bytes:
        """A file of the theme's `static/` folder (the stylesheet), site override first."""
        for folder in self.folders:
            path = folder / "static" / name
            if path.is_file():
                return path.read_bytes()
        raise FileNotFoundError(name)

    def fingerprint(self) -> str:
        """Changes whenever any template changes: part of the key of the page caches."""
        digest = hashlib.sha256()
        for folder in self.folders:
            for path in _theme_files(folder):
                digest.update(str(path.relative_to(folder)).encode())
                digest.update(path.read_bytes())
        return digest.hexdigest()
