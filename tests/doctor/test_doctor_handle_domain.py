"""The doctor's handle-domain checks against two loopback origins: the site and the handle's
domain (FEDERATION.md#handle-domain). Correct, each check passes; the handle's domain without
the written JRD, or a site built without `handle_domain`, each gives its fail and its fix.
"""

from __future__ import annotations

import asyncio
import shutil
from contextlib import ExitStack
from pathlib import Path

import pytest
from hosting.conftest import free_port
from static_host import static_host

from site_core.urls import UrlScheme
from site_gen.build.pipeline import build_site
from site_gen.cli.keys_commands import generate_site_keys
from site_gen.config import SiteConfig, load_config
from site_gen.doctor import DoctorTarget, Finding
from site_gen.doctor.handle_domain_checks import check_handle_domain
from site_gen.doctor.observer import Observer
from site_gen.hosting.handle_domain import HANDLE_DOMAIN_FOLDER
from site_remote.client import ClientSettings, make_session

REPO = Path(__file__).resolve().parents[2]
CHECKS = ("handle domain webfinger", "handle domain actor", "handle domain from the site")


def _built(root: Path, site_port: int, handle_domain: str | None) -> SiteConfig:
    shutil.copytree(REPO / "content", root, ignore=shutil.ignore_patterns("public", ".site-gen"))
    text = (root / "site.yaml").read_text(encoding="utf-8")
    lines = [
        f"base_url: http://127.0.0.1:{site_port}" if line.startswith("base_url:") else line
        for line in text.splitlines()
    ]
    lines += [f"handle_domain: {handle_domain}"] if handle_domain else []
    (root / "site.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    generate_site_keys(load_config(root), force=True)
    config = load_config(root)
    build_site(config, offline=True, jobs=1)
    return config


async def _check(urls: UrlScheme) -> dict[str, Finding]:
    session = make_session(ClientSettings(user_agent="doctor-test", allow_private_addresses=True))
    try:
        found = await check_handle_domain(DoctorTarget(urls=urls), Observer(session))
    finally:
        await session.close()
    return {finding.check: finding for finding in found}


@pytest.fixture
def ports() -> tuple[int, int]:
    """Two distinct free ports: the site's and the handle domain's."""
    site = free_port()
    handle = next(port for port in (free_port() for _ in range(10)) if port != site)
    return site, handle


def _run(config: SiteConfig, handle_folder: Path, ports: tuple[int, int]) -> dict[str, Finding]:
    """Serve the site and the handle's domain on their ports, then run the checks."""
    handle_domain = f"127.0.0.1:{ports[1]}"
    urls = UrlScheme(config.base_url, config.username, None, handle_domain)
    with ExitStack() as stack:
        stack.enter_context(static_host(config.output_dir, ports[0]))
        stack.enter_context(static_host(handle_folder, ports[1]))
        return asyncio.run(_check(urls))


def test_a_correct_split_handle_passes_every_check(tmp_path: Path, ports: tuple[int, int]) -> None:
    config = _built(tmp_path / "site", ports[0], f"127.0.0.1:{ports[1]}")
    found = _run(config, config.root / HANDLE_DOMAIN_FOLDER / "static", ports)
    assert {check: f.status for check, f in found.items()} == dict.fromkeys(CHECKS, "pass")
    assert "from a copy" in found["handle domain webfinger"].seen


def test_a_missing_jrd_on_the_handle_domain_fails_with_its_fix(
    tmp_path: Path, ports: tuple[int, int]
) -> None:
    config = _built(tmp_path / "site", ports[0], f"127.0.0.1:{ports[1]}")
    empty = tmp_path / "handle-domain-root"
    empty.mkdir()
    found = _run(config, empty, ports)
    failed = {check: f for check, f in found.items() if f.status == "fail"}
    assert list(failed) == ["handle domain webfinger"]
    finding = failed["handle domain webfinger"]
    assert finding.seen.startswith(f"acct:alice@127.0.0.1:{ports[1]} at ")
    assert "404" in finding.seen
    assert finding.fix == (
        f"Put the redirect of deploy/handle-domain/ on 127.0.0.1:{ports[1]}, or copy its "
        "static/ folder there (deploy/handle-domain/README.txt) (README: Deploying)"
    )


def test_a_site_built_without_the_handle_domain_fails_both_ways_back(
    tmp_path: Path, ports: tuple[int, int]
) -> None:
    """The Ghost mistake, and worse: the handle's domain answers, but the actor and the site's
    own WebFinger still name the site's host, so a server starting from the actor never finds
    the handle."""
    right = _built(tmp_path / "right", ports[0], f"127.0.0.1:{ports[1]}")
    wrong = _built(tmp_path / "wrong", ports[0], None)
    found = _run(wrong, right.root / HANDLE_DOMAIN_FOLDER / "static", ports)
    statuses = {check: f.status for check, f in found.items()}
    assert statuses == {
        "handle domain webfinger": "pass",
        "handle domain actor": "fail",
        "handle domain from the site": "fail",
    }
    assert f"webfinger 'alice@127.0.0.1:{ports[0]}'" in found["handle domain actor"].seen
    assert "Rebuild with handle_domain in site.yaml" in found["handle domain actor"].fix
    assert f"subject 'acct:alice@127.0.0.1:{ports[0]}'" in found["handle domain from the site"].seen


def test_no_checks_when_the_handle_is_on_the_sites_host() -> None:
    assert asyncio.run(_check(UrlScheme("http://127.0.0.1:9", "alice"))) == {}
