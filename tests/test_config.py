"""site.yaml: valid files load with defaults; every mistake names the file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_core.errors import ConfigError
from site_gen.config import check_profile_images, load_config, parse_config

REPO = Path(__file__).resolve().parents[1]

MINIMAL = "base_url: https://example.com\nusername: alice\ndisplay_name: Alice\n"


def _parse(text: str, tmp_path: Path):
    return parse_config(text, tmp_path / "site.yaml")


def test_sample_site_config_loads() -> None:
    config = load_config(REPO / "content")
    assert config.username == "alice"
    assert config.urls.actor == "http://localhost:8000/ap/actor"
    assert config.fields[0].name == "Website"


def test_defaults_are_applied(tmp_path: Path) -> None:
    config = _parse(MINIMAL, tmp_path)
    assert config.title == "Alice"
    assert config.language == "en"
    assert config.discoverable is True
    assert config.indexable is True
    assert config.manually_approves_followers is False
    assert config.function_url is None
    assert config.urls.inbox == "https://example.com/ap/inbox"
    assert config.output_dir == (tmp_path / "public").resolve()


def test_function_url_moves_only_the_live_routes(tmp_path: Path) -> None:
    config = _parse(MINIMAL + "function_url: https://fn.example.net/\n", tmp_path)
    assert config.urls.inbox == "https://fn.example.net/ap/inbox"
    assert config.urls.followers == "https://fn.example.net/ap/followers"
    assert config.urls.actor == "https://example.com/ap/actor"


@pytest.mark.parametrize(
    ("extra", "line", "words"),
    [
        ("manualy_approves_followers: true\n", 4, "did you mean 'manually_approves_followers'"),
        ("discoverable: yes please\n", 4, "'discoverable' must be true or false"),
        ("hosting: geocities\n", 4, "'hosting' must be one of"),
        ("posts_per_page: 0\n", 4, "'posts_per_page'"),
        ("language: english!\n", 4, "'language'"),
        ("also_known_as: nope\n", 4, "'also_known_as' must be a list"),
        ("fields:\n  - name: Site\n    vaule: x\n", 6, "unknown key 'fields.vaule'"),
        ("username: bob\n", 4, "appears twice"),
        ("output: ../elsewhere\n", 4, "inside the site folder"),
    ],
)
def test_mistakes_name_file_line_and_key(tmp_path: Path, extra: str, line: int, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _parse(MINIMAL + extra, tmp_path)
    message = str(caught.value)
    assert f"site.yaml:{line}:" in message
    assert words in message


def test_base_url_must_be_https_root(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="https URL"):
        _parse(MINIMAL.replace("https://example.com", "http://example.com"), tmp_path)
    with pytest.raises(ConfigError, match="without a path"):
        _parse(MINIMAL.replace("https://example.com", "https://example.com/blog"), tmp_path)


def test_missing_required_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="missing required key 'display_name'"):
        _parse("base_url: https://example.com\nusername: alice\n", tmp_path)


def test_invalid_yaml_has_a_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"site.yaml:\d+: not valid YAML"):
        _parse(MINIMAL + "bio: [unclosed\n", tmp_path)


def test_missing_file_suggests_init(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="site-gen init"):
        load_config(tmp_path)


def test_a_setting_indented_under_the_bio_is_named(tmp_path: Path) -> None:
    text = MINIMAL + "bio: |\n  I write about bikes.\n  language: fr\n"
    with pytest.raises(ConfigError) as caught:
        _parse(text, tmp_path)
    assert caught.value.line == 6
    assert caught.value.message == (
        "this line is indented under bio: | so it is part of the bio; remove the indentation"
        " to make it a setting"
    )


def test_a_folded_bio_names_its_indicator(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"site.yaml:5: this line is indented under bio: >"):
        _parse(MINIMAL + "bio: >\n  hosting: netlify\n", tmp_path)


def test_prose_with_colons_in_the_bio_stays_prose(tmp_path: Path) -> None:
    bio = "bio: |\n  Note: I ride bikes.\n  Home: Lyon\n\n  Languages: en, fr\nlanguage: fr\n"
    config = _parse(MINIMAL + bio, tmp_path)
    assert config.bio_paragraphs == ("Note: I ride bikes. Home: Lyon", "Languages: en, fr")
    assert config.language == "fr"


def _site(tmp_path: Path, extra: str) -> Path:
    (tmp_path / "static" / "images").mkdir(parents=True)
    (tmp_path / "static" / "images" / "avatar.png").write_bytes(b"png")
    (tmp_path / "site.yaml").write_text(MINIMAL + extra, "utf-8")
    return tmp_path


def test_an_avatar_typo_suggests_the_closest_file(tmp_path: Path) -> None:
    site = _site(tmp_path, "title: Notes\navatar: images/avatr.png\n")
    config = load_config(site)  # commands that need no image still work
    with pytest.raises(ConfigError) as caught:
        check_profile_images(config)
    assert caught.value.line == 5
    assert caught.value.message == (
        "'avatar': image 'images/avatr.png' not found under static/:"
        " did you mean images/avatar.png?"
    )


def test_a_missing_header_without_a_close_name_says_where_to_put_it(tmp_path: Path) -> None:
    site = _site(tmp_path, "header: banner/wide.jpg\n")
    with pytest.raises(
        ConfigError, match=r"site.yaml:4: 'header': .*put the file at static/banner"
    ):
        check_profile_images(load_config(site))


def test_remote_and_present_profile_images_pass(tmp_path: Path) -> None:
    site = _site(tmp_path, "avatar: /images/avatar.png\nheader: https://cdn.example.org/h.jpg\n")
    config = load_config(site)
    check_profile_images(config)
    assert (config.avatar, config.header) == ("/images/avatar.png", "https://cdn.example.org/h.jpg")
