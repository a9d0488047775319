"""Compiled templates in the user's cache folder: reused, and never a reason for a build to fail."""

from __future__ import annotations

from pathlib import Path

from site_gen.build.theme import Theme, template_cache_folder

_PAGE = '{% extends "base.html" %}{% block main %}<p>{{ words }}</p>{% endblock %}\n'


def _site_templates(tmp_path: Path, page: str = _PAGE) -> Path:
    folder = tmp_path / "templates"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "words.html").write_text(page, encoding="utf-8")
    (folder / "base.html").write_text(
        "<main>{% block main %}{% endblock %}</main>\n", encoding="utf-8"
    )
    return folder


def _render(templates: Path, cache: Path, words: str = "tulips & bikes") -> str:
    return Theme(templates, cache).render("words.html", words=words)


def test_a_second_theme_loads_what_the_first_compiled(tmp_path: Path) -> None:
    templates, cache = _site_templates(tmp_path), tmp_path / "cache"
    first = _render(templates, cache)
    files = sorted(cache.glob("*.jinja"))
    assert len(files) == 2  # words.html and base.html
    stamps = [path.stat().st_mtime_ns for path in files]
    assert _render(templates, cache) == first == "<main><p>tulips &amp; bikes</p></main>\n"
    assert [path.stat().st_mtime_ns for path in files] == stamps  # loaded, not written again


def test_a_changed_template_is_compiled_again(tmp_path: Path) -> None:
    templates, cache = _site_templates(tmp_path), tmp_path / "cache"
    _render(templates, cache)
    _site_templates(tmp_path, _PAGE.replace("<p>", "<p class=new>"))
    assert _render(templates, cache) == "<main><p class=new>tulips &amp; bikes</p></main>\n"


def test_damaged_files_are_compiled_again(tmp_path: Path) -> None:
    templates, cache = _site_templates(tmp_path), tmp_path / "cache"
    expected = _render(templates, cache)
    files = sorted(cache.glob("*.jinja"))
    sound = [path.read_bytes() for path in files]
    # a changed byte that still unmarshals: the code would print <mXin>
    assert b"<main>" in sound[1] or b"<main>" in sound[0]
    damaged = 1 if b"<main>" in sound[1] else 0
    files[damaged].write_bytes(sound[damaged].replace(b"<main>", b"<mXin>"))
    files[1 - damaged].write_bytes(sound[1 - damaged][: len(sound[1 - damaged]) // 2])  # cut
    assert _render(templates, cache) == expected
    assert [path.read_bytes() for path in files] == sound  # compiled and written again


def test_a_cache_folder_that_cannot_be_written_only_costs_the_compiling(tmp_path: Path) -> None:
    templates = _site_templates(tmp_path)
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    assert _render(templates, blocked / "cache") == "<main><p>tulips &amp; bikes</p></main>\n"
    assert blocked.read_text(encoding="utf-8") == "not a folder"


def test_two_template_folders_never_share_a_file(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    one = _site_templates(tmp_path / "one")
    other = _site_templates(tmp_path / "other", _PAGE.replace("<p>", "<p id=other>"))
    assert _render(one, cache) == "<main><p>tulips &amp; bikes</p></main>\n"
    assert _render(other, cache) == "<main><p id=other>tulips &amp; bikes</p></main>\n"
    assert _render(one, cache) == "<main><p>tulips &amp; bikes</p></main>\n"


def test_the_folder_follows_xdg_cache_home_else_the_home_folder(tmp_path: Path) -> None:
    xdg = {"XDG_CACHE_HOME": str(tmp_path / "xdg"), "HOME": str(tmp_path / "home")}
    assert template_cache_folder(xdg) == tmp_path / "xdg" / "site-gen" / "templates"
    relative = template_cache_folder({"XDG_CACHE_HOME": "relative"})  # ignored, as XDG says
    assert relative is not None
    assert relative.parts[-3:] == (".cache", "site-gen", "templates")
    assert relative.is_absolute()
