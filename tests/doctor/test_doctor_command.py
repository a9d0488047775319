"""`site-gen doctor` as a command, the probe as the function answers it, and the doctor's
offline JSON-LD contexts."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from fixtures_path import JSONLD_CONTEXTS

from site_core.doctor_probe import PROBE_HEADER, parse_probe_reply, probe_body
from site_core.keys import generate_private_key
from site_core.signatures import SigningKey, sign_request
from site_gen.cli import cli
from site_gen.doctor.jsonld_checks import CONTEXTS

from .deploy import deployed
from .test_doctor_broken_site import no_age_policy


@pytest.mark.nginx
def test_the_command_prints_json_and_exits_1_on_a_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SITE_GEN_PRIVATE_KEY", raising=False)
    monkeypatch.delenv("SITE_GEN_PRIVATE_KEY_FILE", raising=False)
    monkeypatch.delenv("SITE_GEN_ADMIN_TOKEN", raising=False)
    with deployed(tmp_path, "nginx", change_output=no_age_policy) as site:
        args = ["doctor", "--site", str(site.config.root), "--json", "--allow-private-addresses"]
        result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert report["ok"] is False
    failed = [f["check"] for f in report["findings"] if f["status"] == "fail"]
    assert failed == ["Threads: age policy"]
    statuses = {f["check"]: f["status"] for f in report["findings"]}
    assert statuses["inbox signed probe"] == "pass"  # the key from .site-gen/private-key.pem
    assert statuses["admin token"] == "info"  # no token here: not tried


def test_a_bad_url_is_a_clear_error(tmp_path: Path) -> None:
    site = Path(__file__).resolve().parents[2] / "content"
    result = CliRunner().invoke(cli, ["doctor", "ftp://x.example", "--site", str(site)])
    assert result.exit_code == 2
    assert "is not an http(s) URL" in result.output


def _probe(inbox: str, key: SigningKey, body: bytes) -> dict[str, str]:
    return sign_request(
        "POST", inbox, key=key, now=datetime.now(UTC), body=body, headers={PROBE_HEADER: "1"}
    )


@pytest.mark.nginx
def test_the_probe_is_answered_never_stored_and_needs_our_key(tmp_path: Path) -> None:
    with deployed(tmp_path, "nginx") as site, httpx.Client(timeout=5) as client:
        urls, ours = site.config.urls, site.target.signing_key
        assert ours is not None
        body = probe_body(urls.actor, datetime.now(UTC))
        answer = client.post(urls.inbox, content=body, headers=_probe(urls.inbox, ours, body))
        assert answer.status_code == 202, answer.text
        assert parse_probe_reply(answer.content) is not None
        other = SigningKey(urls.key_id, generate_private_key())
        refused = client.post(urls.inbox, content=body, headers=_probe(urls.inbox, other, body))
        assert refused.status_code == 401
        assert refused.json()["status"] == "doctor_probe_refused"
    with sqlite3.connect(tmp_path / "state.sqlite3") as db:
        names = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        stored = {n: db.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}
    assert stored
    assert {name: count for name, count in stored.items() if count and "inbox" in name} == {}


def test_the_doctors_contexts_are_the_tests_contexts() -> None:
    names = sorted(p.name for p in JSONLD_CONTEXTS.iterdir())
    assert sorted(p.name for p in CONTEXTS.iterdir()) == names
    for name in names:
        assert (CONTEXTS / name).read_bytes() == (JSONLD_CONTEXTS / name).read_bytes(), name
