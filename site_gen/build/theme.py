"""The Jinja2 environment of a site: its own `templates/` first, then the default theme.

Templates receive view models (plain dicts from `site_gen.build.views`), never internal
objects, so a theme cannot reach into the build. Autoescaping is on for every template.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2

__all__ = ["DEFAULT_THEME_DIR", "Theme"]

_PACKAGED_THEME = Path(__file__).resolve().parents[1] / "default_theme"  # in an installed wheel
_SOURCE_THEME = Path(__file__).resolve().parents[2] / "templates"  # in a checkout
DEFAULT_THEME_DIR = _PACKAGED_THEME if _PACKAGED_THEME.is_dir() else _SOURCE_THEME


def _theme_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


def _is_template(name: str) -> bool:
    """The page templates (`static/` holds the stylesheet and pictures, copied as they are)."""
    return name.endswith(".html") and not name.startswith("static/")


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
        bytecode_cache = None
        if self._bytecode_cache is not None:
            # Compiling the templates costs each process ~0.1 s per build; keyed by the
            # template's source, so a changed template is compiled again.
            self._bytecode_cache.mkdir(parents=True, exist_ok=True)
            bytecode_cache = jinja2.FileSystemBytecodeCache(str(self._bytecode_cache))
        return jinja2.Environment(
            loader=loader,
            bytecode_cache=bytecode_cache,
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            undefined=jinja2.StrictUndefined,
            # One build, one set of templates: no stat() of every template on every page.
            auto_reload=False,
            cache_size=-1,
        )

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
