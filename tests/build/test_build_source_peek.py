"""What the main process learns from a changed source before the pool forks: its bytes (read
in few system calls, the same bytes as `Path.read_bytes`) and its code languages, whose lexers
are compiled once in the parent; and a site without an Ed25519 key never loads `cryptography`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pygments.lexers import get_lexer_by_name

from site_gen.build.build_inputs import read_sources, resolve_mentions
from site_gen.build.post_rendering import RenderSettings, _warm_up
from site_gen.config import load_config
from site_gen.content.markdown_render import fence_languages
from site_gen.content.reader import read_source


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 3 * 1024 * 1024 + 7])
def test_read_source_gives_the_bytes_of_the_file(tmp_path: Path, size: int) -> None:
    path = tmp_path / "post.md"
    path.write_bytes(bytes(range(256)) * (size // 256) + b"x" * (size % 256))
    assert read_source(path) == path.read_bytes()
    assert read_source(str(path)) == path.read_bytes()


def test_read_source_of_a_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_source(tmp_path / "gone.md")


def test_fence_languages_are_those_the_highlighter_is_asked_for() -> None:
    text = (
        "```Python\nprint(1)\n```\n\n~~~ .rust\nfn main() {}\n~~~\n\n"
        "```\nno language\n```\n\n```js\nnever closed\n"
    )
    assert sorted(fence_languages(text)) == ["python", "rust"]
    assert fence_languages("no code at all") == ()


def test_the_changed_sources_bring_their_code_languages(sample_site: Path) -> None:
    (sample_site / "posts" / "code.md").write_text(
        "---\ntitle: Code\ndate: 2024-01-01 10:00:00\n---\n\n```Haskell\nmain = pure ()\n```\n",
        encoding="utf-8",
    )
    config = load_config(sample_site)
    sources = read_sources(config, sample_site / ".site-gen" / "cache", drafts=False, reuse=False)
    mentions = resolve_mentions(config, sources, offline=True, webfinger_origins=None, save=False)
    assert "haskell" in mentions.code_languages


def test_the_parent_compiles_the_lexers_before_forking(sample_site: Path) -> None:
    from site_gen.build.theme import Theme

    lexer_class = type(get_lexer_by_name("ocaml"))
    if "_tokens" in lexer_class.__dict__:
        delattr(lexer_class, "_tokens")
    assert "_tokens" not in lexer_class.__dict__
    config = load_config(sample_site)
    settings = RenderSettings(config, {}, False, "", "", Path("unused"), None, {})
    _warm_up(Theme(config.templates_dir), frozenset({"ocaml", "no-such-language"}))
    assert "_tokens" in lexer_class.__dict__  # compiled: forked workers inherit it
    assert settings.code_languages == frozenset()


def test_a_build_without_an_ed25519_key_does_not_import_cryptography(sample_site: Path) -> None:
    (sample_site / "ed25519-public-key.pem").unlink(missing_ok=True)  # no proofs
    script = (
        "import sys\n"
        "from site_gen.build.pipeline import build_site\n"
        "from site_gen.config import load_config\n"
        f"build_site(load_config({str(sample_site)!r}), jobs=1, offline=True)\n"
        "print('cryptography' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
