"""`Settings.from_env`: every variable it reads, what a wrong one says, and secrets kept back.

Every entry point builds the function from these variables, so each one is checked here:
the required ones (missing or blank: a `ConfigError` naming it), the optional strings
(blank means unset), the two booleans (accepted spellings, anything else an error naming the
variable), and the key (PEM text, with real or escaped newlines, or a file; the text wins).
The admin token, the key and the database password never appear in `repr`, `str` or errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from site_function.settings import Settings

from site_core.errors import ConfigError, KeyMaterialError, SiteGenError
from site_core.keys import private_key_to_pem, public_key_pem

TOKEN = "admin-token-6f1d8a2be4c94f0b"
PASSWORD = "pg-pass-9c2e7d41"
DATABASE = f"postgresql://site:{PASSWORD}@127.0.0.1:5432/test"
NOT_A_KEY = "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----"


@pytest.fixture(scope="module")
def pem(our_key: Any) -> str:
    return private_key_to_pem(our_key).decode("ascii")


def _pem_body(pem: str) -> list[str]:
    """The base64 lines of a PEM: the secret part."""
    return [line for line in pem.splitlines() if line and not line.startswith("-----")]


@pytest.fixture
def env(pem: str) -> dict[str, str]:
    """The smallest complete environment: the four required variables."""
    return {
        "SITE_GEN_BASE_URL": "https://alice.example",
        "SITE_GEN_USERNAME": "alice",
        "SITE_GEN_PRIVATE_KEY": pem,
        "SITE_GEN_DATABASE_URL": DATABASE,
    }


def _same_key(a: rsa.RSAPrivateKey, b: rsa.RSAPrivateKey) -> bool:
    return public_key_pem(a) == public_key_pem(b)


def test_the_required_variables_alone_give_the_defaults(env: dict[str, str], our_key: Any) -> None:
    settings = Settings.from_env(env)
    assert settings.base_url == "https://alice.example"
    assert settings.username == "alice"
    assert _same_key(settings.private_key, our_key)
    assert settings.database_url == DATABASE
    assert settings.admin_token is None  # the admin API stays closed
    assert settings.function_url is None
    assert settings.urls.inbox == "https://alice.example/ap/inbox"  # the site's host
    assert settings.signing_key.key_id == "https://alice.example/ap/actor#main-key"
    assert settings.documents_dir is None
    assert settings.documents_origin is None
    assert settings.public_base is None
    assert settings.allow_private_addresses is False
    assert settings.drain_after_inbox is True


def test_every_optional_variable_is_read(env: dict[str, str], tmp_path: Path) -> None:
    env.update(
        SITE_GEN_ADMIN_TOKEN=f"  {TOKEN}\n",
        SITE_GEN_FUNCTION_URL="https://fn.alice.example/",
        SITE_GEN_DOCUMENTS_DIR=str(tmp_path / "public"),
        SITE_GEN_DOCUMENTS_ORIGIN=" https://alice.github.io ",
        SITE_GEN_PUBLIC_BASE="https://alice.example/fn",
        SITE_GEN_ALLOW_PRIVATE_ADDRESSES="true",
        SITE_GEN_DRAIN_AFTER_INBOX="false",
    )
    settings = Settings.from_env(env)
    assert settings.admin_token == TOKEN
    assert settings.function_url == "https://fn.alice.example/"
    assert settings.urls.inbox == "https://fn.alice.example/ap/inbox"
    assert settings.documents_dir == tmp_path / "public"
    assert settings.documents_origin == "https://alice.github.io"
    assert settings.public_base == "https://alice.example/fn"
    assert settings.allow_private_addresses is True
    assert settings.drain_after_inbox is False


@pytest.mark.parametrize(
    "name",
    [
        "SITE_GEN_ADMIN_TOKEN",
        "SITE_GEN_FUNCTION_URL",
        "SITE_GEN_DOCUMENTS_DIR",
        "SITE_GEN_DOCUMENTS_ORIGIN",
        "SITE_GEN_PUBLIC_BASE",
    ],
)
def test_a_blank_optional_variable_counts_as_unset(env: dict[str, str], name: str) -> None:
    env[name] = "   "
    assert getattr(Settings.from_env(env), name.removeprefix("SITE_GEN_").lower()) is None


@pytest.mark.parametrize(
    "name", ["SITE_GEN_BASE_URL", "SITE_GEN_USERNAME", "SITE_GEN_DATABASE_URL"]
)
@pytest.mark.parametrize("value", [None, "", "  \t"], ids=["unset", "empty", "blank"])
def test_a_missing_required_variable_is_a_config_error_naming_it(
    env: dict[str, str], name: str, value: str | None
) -> None:
    if value is None:
        del env[name]
    else:
        env[name] = value
    with pytest.raises(ConfigError) as error:
        Settings.from_env(env)
    assert str(error.value) == f"the environment variable {name} is required"


@pytest.mark.parametrize(
    ("name", "default"),
    [("SITE_GEN_ALLOW_PRIVATE_ADDRESSES", False), ("SITE_GEN_DRAIN_AFTER_INBOX", True)],
)
def test_booleans_accept_the_usual_spellings(env: dict[str, str], name: str, default: bool) -> None:
    field = name.removeprefix("SITE_GEN_").lower()
    assert getattr(Settings.from_env(env), field) is default
    for text in ("true", "TRUE", " 1 ", "yes", "On"):
        assert getattr(Settings.from_env({**env, name: text}), field) is True, text
    for text in ("false", "False", "0", "no", "OFF"):
        assert getattr(Settings.from_env({**env, name: text}), field) is False, text


@pytest.mark.parametrize("name", ["SITE_GEN_ALLOW_PRIVATE_ADDRESSES", "SITE_GEN_DRAIN_AFTER_INBOX"])
@pytest.mark.parametrize("text", ["maybe", "2", "enabled", "tru"])
def test_a_bad_boolean_is_an_error_naming_the_variable(
    env: dict[str, str], name: str, text: str
) -> None:
    with pytest.raises(ConfigError) as error:
        Settings.from_env({**env, name: text})
    assert str(error.value) == f"{name} must be true or false, not {text!r}"


def test_the_key_as_pem_text_with_escaped_newlines(
    env: dict[str, str], pem: str, our_key: Any
) -> None:
    """CI secret fields often hold the PEM on one line with literal `\\n`."""
    env["SITE_GEN_PRIVATE_KEY"] = pem.strip().replace("\n", "\\n")
    assert _same_key(Settings.from_env(env).private_key, our_key)


def test_the_key_from_a_file(env: dict[str, str], pem: str, our_key: Any, tmp_path: Path) -> None:
    key_file = tmp_path / "private-key.pem"
    key_file.write_text(pem)
    del env["SITE_GEN_PRIVATE_KEY"]
    env["SITE_GEN_PRIVATE_KEY_FILE"] = str(key_file)
    assert _same_key(Settings.from_env(env).private_key, our_key)


def test_the_pem_text_wins_over_the_file(env: dict[str, str], our_key: Any, tmp_path: Path) -> None:
    env["SITE_GEN_PRIVATE_KEY_FILE"] = str(tmp_path / "absent.pem")  # not even read
    assert _same_key(Settings.from_env(env).private_key, our_key)


def test_no_key_names_both_variables(env: dict[str, str]) -> None:
    del env["SITE_GEN_PRIVATE_KEY"]
    with pytest.raises(KeyMaterialError) as error:
        Settings.from_env(env)
    assert "SITE_GEN_PRIVATE_KEY or SITE_GEN_PRIVATE_KEY_FILE" in str(error.value)


def test_a_missing_key_file_is_named(env: dict[str, str], tmp_path: Path) -> None:
    del env["SITE_GEN_PRIVATE_KEY"]
    env["SITE_GEN_PRIVATE_KEY_FILE"] = str(tmp_path / "absent.pem")
    with pytest.raises(KeyMaterialError) as error:
        Settings.from_env(env)
    assert f"SITE_GEN_PRIVATE_KEY_FILE ({tmp_path / 'absent.pem'})" in str(error.value)


def test_an_unreadable_pem_is_named_and_not_repeated(env: dict[str, str], pem: str) -> None:
    broken = pem.replace(_pem_body(pem)[3], "!!" + _pem_body(pem)[3][2:])
    env["SITE_GEN_PRIVATE_KEY"] = broken
    with pytest.raises(KeyMaterialError) as error:
        Settings.from_env(env)
    message = str(error.value)
    assert message.startswith("SITE_GEN_PRIVATE_KEY: ")
    assert not any(line in message for line in _pem_body(pem))


def test_secrets_are_not_in_repr_or_str(env: dict[str, str], pem: str) -> None:
    env["SITE_GEN_ADMIN_TOKEN"] = TOKEN
    settings = Settings.from_env(env)
    for shown in (repr(settings), str(settings)):
        assert TOKEN not in shown
        assert PASSWORD not in shown
        assert not any(line in shown for line in _pem_body(pem))
        assert "alice.example" in shown  # the rest is shown: this is the real text


@pytest.mark.parametrize(
    "change",
    [
        {"SITE_GEN_BASE_URL": ""},
        {"SITE_GEN_USERNAME": ""},
        {"SITE_GEN_DATABASE_URL": " "},
        {"SITE_GEN_DRAIN_AFTER_INBOX": "perhaps"},
        {"SITE_GEN_ALLOW_PRIVATE_ADDRESSES": "perhaps"},
        {"SITE_GEN_PRIVATE_KEY": NOT_A_KEY},
    ],
)
def test_errors_never_carry_a_secret(env: dict[str, str], pem: str, change: dict[str, str]) -> None:
    env.update(SITE_GEN_ADMIN_TOKEN=TOKEN, **change)
    with pytest.raises(SiteGenError) as error:
        Settings.from_env(env)
    message = str(error.value)
    assert TOKEN not in message
    assert PASSWORD not in message
    assert not any(line in message for line in _pem_body(pem))


def test_the_handle_domain_names_the_handle_and_is_checked(env: dict[str, str]) -> None:
    assert Settings.from_env(env).urls.handle == "@alice@alice.example"
    settings = Settings.from_env({**env, "SITE_GEN_HANDLE_DOMAIN": " Example.ORG "})
    assert settings.handle_domain == "example.org"
    assert settings.urls.handle == "@alice@example.org"
    assert settings.urls.actor == "https://alice.example/ap/actor"  # every id stays on the site
    for wrong in ("https://example.org", "example.org/path", "alice@example.org"):
        with pytest.raises(ConfigError, match="SITE_GEN_HANDLE_DOMAIN"):
            Settings.from_env({**env, "SITE_GEN_HANDLE_DOMAIN": wrong})
