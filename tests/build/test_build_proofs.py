"""The build signs each post's object with the site's Ed25519 key (FEDERATION.md#integrity-proofs)
and lists that key in the actor (FEDERATION.md#multikey): verified here as a receiver would,
from the built files alone, across a rebuild, and refused when the key is missing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from build_sites import SAMPLE_SITE, copy_site

from site_core.errors import KeyMaterialError
from site_core.integrity_proofs import (
    BAD_PROOF,
    ProofFailure,
    VerifiedProof,
    assertion_key,
    proof_method,
    verify_proof,
)
from site_gen.build.object_proofs import NO_PROOF_KEY_WARNING
from site_gen.build.pipeline import build_site, check_site
from site_gen.config import load_config


@pytest.fixture(autouse=True)
def _no_key_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SITE_GEN_ED25519_KEY", raising=False)
    monkeypatch.delenv("SITE_GEN_ED25519_KEY_FILE", raising=False)


def _objects(output: Path) -> dict[str, dict[str, Any]]:
    folder = output / "ap" / "posts"
    return {path.name: json.loads(path.read_bytes()) for path in sorted(folder.iterdir())}


def _verify_all(output: Path) -> list[VerifiedProof | ProofFailure]:
    """Every object checked against the key the built actor lists for its proof's method."""
    actor = json.loads((output / "ap" / "actor").read_bytes())
    results = []
    for document in _objects(output).values():
        key = assertion_key(actor, proof_method(document) or "")
        assert key is not None, "the proof names a key the actor does not list"
        results.append(verify_proof(document, key))
    return results


def test_every_object_verifies_against_the_actors_key(sample_site: Path) -> None:
    report = build_site(load_config(sample_site), jobs=1, offline=True)
    assert NO_PROOF_KEY_WARNING not in report.warnings
    actor = json.loads((report.output / "ap" / "actor").read_bytes())
    (method,) = actor["assertionMethod"]
    assert method["id"] == "http://localhost:8000/ap/actor#ed25519-key"
    assert method["controller"] == actor["id"]
    assert method["publicKeyMultibase"].startswith("z6Mk")
    assert actor["publicKey"]["id"].endswith("#main-key")  # RSA stays the HTTP-signature key
    results = _verify_all(report.output)
    assert results
    assert all(isinstance(result, VerifiedProof) for result in results)
    # `created` is the post's own date, not the time of the build.
    for document in _objects(report.output).values():
        assert document["proof"]["created"] == document.get("updated", document["published"])


def test_a_tampered_object_fails(sample_site: Path) -> None:
    output = build_site(load_config(sample_site), jobs=1, offline=True).output
    actor = json.loads((output / "ap" / "actor").read_bytes())
    document = _objects(output)["spring-garden"]
    key = assertion_key(actor, proof_method(document) or "")
    assert key is not None
    document["content"] = document["content"].replace("tulips", "roses")
    result = verify_proof(document, key)
    assert isinstance(result, ProofFailure)
    assert result.reason == BAD_PROOF


def test_a_rebuild_is_byte_identical(sample_site: Path, tmp_path: Path) -> None:
    config = load_config(sample_site)
    first = build_site(config, jobs=1, offline=True)
    before = {p.name: p.read_bytes() for p in (first.output / "ap" / "posts").iterdir()}
    # A clean build renders every object again: same key, same post, same bytes.
    again = build_site(config, jobs=2, offline=True, clean=True)
    after = {p.name: p.read_bytes() for p in (again.output / "ap" / "posts").iterdir()}
    assert before == after
    assert all(isinstance(result, VerifiedProof) for result in _verify_all(again.output))


def test_the_private_key_from_the_environment_signs(
    sample_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    private = sample_site / ".site-gen" / "ed25519-private-key.pem"
    pem = private.read_text("ascii")
    private.unlink()
    # monkeypatch, not os.environ: a delenv of an absent variable restores nothing, and the
    # key would leak into every later test.
    monkeypatch.setenv("SITE_GEN_ED25519_KEY", pem)
    report = build_site(load_config(sample_site), jobs=1, offline=True)
    assert all(isinstance(result, VerifiedProof) for result in _verify_all(report.output))


def test_a_signing_site_without_its_private_key_stops(sample_site: Path) -> None:
    (sample_site / ".site-gen" / "ed25519-private-key.pem").unlink()
    config = load_config(sample_site)
    with pytest.raises(KeyMaterialError, match="SITE_GEN_ED25519_KEY"):
        build_site(config, jobs=1, offline=True)
    assert not config.output_dir.exists()
    # A check writes nothing and needs no secret (a pull request from a fork has none).
    assert check_site(config, jobs=1).posts > 0


def test_a_mismatched_or_misplaced_key_is_refused(sample_site: Path, tmp_path: Path) -> None:
    from site_core.keys import ed25519_private_key_to_pem, generate_ed25519_key

    private = sample_site / ".site-gen" / "ed25519-private-key.pem"
    private.write_bytes(ed25519_private_key_to_pem(generate_ed25519_key()))
    with pytest.raises(KeyMaterialError, match="does not match"):
        build_site(load_config(sample_site), jobs=1, offline=True)
    (sample_site / "ed25519-public-key.pem").write_bytes(private.read_bytes())
    with pytest.raises(KeyMaterialError, match="PRIVATE key"):
        build_site(load_config(sample_site), jobs=1, offline=True)


def test_a_site_without_the_key_builds_unsigned_with_a_warning(tmp_path: Path) -> None:
    site = copy_site(SAMPLE_SITE, tmp_path / "site", ed25519=False)
    report = build_site(load_config(site), jobs=1, offline=True)
    assert NO_PROOF_KEY_WARNING in report.warnings
    assert "keys generate --ed25519" in NO_PROOF_KEY_WARNING
    assert all("proof" not in document for document in _objects(report.output).values())
    assert "assertionMethod" not in json.loads((report.output / "ap" / "actor").read_bytes())
    # Adding the key later signs every object on the next build (the key is in every page hash).
    signed = copy_site(SAMPLE_SITE, tmp_path / "signed")
    for name in ("ed25519-public-key.pem", ".site-gen/ed25519-private-key.pem"):
        target = site / name
        target.parent.mkdir(exist_ok=True)
        target.write_bytes((signed / name).read_bytes())
    again = build_site(load_config(site), jobs=1, offline=True)
    assert NO_PROOF_KEY_WARNING not in again.warnings
    results = _verify_all(again.output)
    assert results
    assert all(isinstance(result, VerifiedProof) for result in results)
