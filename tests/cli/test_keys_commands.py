"""`site-gen keys generate|show` through the real command line, on a copy of a site."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from site_core.keys import PRIVATE_KEY_ENV, load_private_key, load_public_key
from site_gen.cli import cli

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "site.yaml").write_text(
        (REPO / "content" / "site.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    return folder


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    base = {
        PRIVATE_KEY_ENV: "",
        "SITE_GEN_PRIVATE_KEY_FILE": "",
        "SITE_GEN_ED25519_KEY": "",
        "SITE_GEN_ED25519_KEY_FILE": "",
        "SITE_GEN_SITE": "",
    }
    result = CliRunner().invoke(cli, list(args), env={**base, **(env or {})})
    return result.exit_code, result.stdout, result.stderr


def test_generate_writes_both_halves(site: Path) -> None:
    code, out, _ = _run("keys", "generate", "--site", str(site))
    assert code == 0, out
    private = site / ".site-gen" / "private-key.pem"
    public = site / "public-key.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert stat.S_IMODE(private.parent.stat().st_mode) == 0o700
    key = load_private_key(private.read_bytes())
    assert load_public_key(public.read_text()).public_numbers() == key.public_key().public_numbers()  # type: ignore[union-attr]
    assert str(private) in out
    assert "SITE_GEN_PRIVATE_KEY" in out
    assert "http://localhost:8000/ap/actor#main-key" in out
    assert "PRIVATE KEY" not in out
    assert (site / ".site-gen" / ".gitignore").read_text() == "*\n"


def test_generate_refuses_to_replace_without_force(site: Path) -> None:
    assert _run("keys", "generate", "--site", str(site))[0] == 0
    first = (site / ".site-gen" / "private-key.pem").read_bytes()
    code, _, err = _run("keys", "generate", "--site", str(site))
    assert code == 1
    assert "--force" in err
    assert (site / ".site-gen" / "private-key.pem").read_bytes() == first
    assert _run("keys", "generate", "--site", str(site), "--force")[0] == 0
    assert (site / ".site-gen" / "private-key.pem").read_bytes() != first


def test_generate_refuses_a_state_folder_inside_the_output(site: Path) -> None:
    config = site / "site.yaml"
    config.write_text(config.read_text() + "output: .site-gen\n")
    code, _, err = _run("keys", "generate", "--site", str(site))
    assert code == 1
    assert "inside the output folder" in err
    assert not (site / ".site-gen" / "private-key.pem").exists()


def test_show_prints_key_id_and_public_key_only(site: Path) -> None:
    _run("keys", "generate", "--site", str(site))
    code, out, _ = _run("keys", "show", "--site", str(site))
    assert code == 0
    assert out.startswith("Key id: http://localhost:8000/ap/actor#main-key\n-----BEGIN PUBLIC KEY")
    assert "PRIVATE" not in out


def test_show_derives_the_public_key_from_the_environment(site: Path) -> None:
    _run("keys", "generate", "--site", str(site))
    pem = (site / ".site-gen" / "private-key.pem").read_text()
    (site / ".site-gen" / "private-key.pem").unlink()
    expected = (site / "public-key.pem").read_text()
    (site / "public-key.pem").unlink()
    code, out, _ = _run("keys", "show", "--site", str(site), env={PRIVATE_KEY_ENV: pem})
    assert code == 0
    assert out.endswith(expected)


def test_show_private_warns(site: Path) -> None:
    _run("keys", "generate", "--site", str(site))
    code, out, err = _run("keys", "show", "--site", str(site), "--private")
    assert code == 0
    assert out == (site / ".site-gen" / "private-key.pem").read_text()
    assert "WARNING" in err
    assert "PRIVATE KEY" not in err


def test_show_without_any_key_is_a_clear_error(site: Path) -> None:
    code, out, err = _run("keys", "show", "--site", str(site))
    assert code == 1
    assert "keys generate" in err
    assert "Traceback" not in out + err


def test_generate_writes_the_ed25519_pair_too(site: Path) -> None:
    from site_core.keys import load_ed25519_private_key
    from site_core.multikey import public_key_multibase

    code, out, _ = _run("keys", "generate", "--site", str(site))
    assert code == 0, out
    private = site / ".site-gen" / "ed25519-private-key.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    key = load_ed25519_private_key(private.read_bytes())
    public = load_public_key((site / "ed25519-public-key.pem").read_text())
    assert public_key_multibase(public) == public_key_multibase(key)  # type: ignore[arg-type]
    assert "SITE_GEN_ED25519_KEY" in out
    assert "http://localhost:8000/ap/actor#ed25519-key" in out
    code, out, _ = _run("keys", "show", "--site", str(site), "--ed25519")
    assert code == 0
    assert out.startswith("Key id: http://localhost:8000/ap/actor#ed25519-key\n")
    assert f"publicKeyMultibase: {public_key_multibase(key)}\n" in out
    assert "PRIVATE" not in out


def test_ed25519_alone_is_added_to_an_existing_site(site: Path) -> None:
    assert _run("keys", "generate", "--site", str(site))[0] == 0
    (site / ".site-gen" / "ed25519-private-key.pem").unlink()
    (site / "ed25519-public-key.pem").unlink()
    rsa_before = (site / ".site-gen" / "private-key.pem").read_bytes()
    code, out, err = _run("keys", "generate", "--site", str(site), "--ed25519")
    assert code == 0, out + err
    assert (site / ".site-gen" / "private-key.pem").read_bytes() == rsa_before
    assert (site / "ed25519-public-key.pem").exists()
    assert "private-key.pem (mode" not in out.replace("ed25519-private-key.pem (mode", "")
    # Once there, it is not replaced without --force.
    code, _, err = _run("keys", "generate", "--site", str(site), "--ed25519")
    assert code == 1
    assert "--force" in err


def test_show_private_ed25519_warns(site: Path) -> None:
    _run("keys", "generate", "--site", str(site))
    code, out, err = _run("keys", "show", "--site", str(site), "--ed25519", "--private")
    assert code == 0
    assert out == (site / ".site-gen" / "ed25519-private-key.pem").read_text()
    assert "WARNING" in err
