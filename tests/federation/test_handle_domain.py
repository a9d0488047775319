"""A handle on another domain, resolved both ways as Mastodon resolves it, over real HTTP
(FEDERATION.md#handle-domain).

Two origins on loopback: the site (the build's output, served as a static host serves it) and
the handle's domain, which serves either the redirect the build wrote (real nginx or Caddy with
the written rule) or the written copy of the JRD. Both layouts: the site on a subdomain with the
handle on the parent, and the reverse.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from hosting import servers
from hosting.conftest import free_port
from mastodon_resolver import MastodonResolver, ResolutionError
from requirements import require
from static_host import static_host

from site_gen.build.pipeline import build_site
from site_gen.cli.keys_commands import generate_site_keys
from site_gen.config import SiteConfig, load_config
from site_gen.hosting.handle_domain import HANDLE_DOMAIN_FOLDER, render_handle_domain_files

REPO = Path(__file__).resolve().parents[2]
# (site's base_url, handle_domain): the handle on the parent domain, then on a subdomain.
LAYOUTS = {
    "handle on the parent": ("https://blog.example.com", "example.com"),
    "handle on a subdomain": ("https://example.com", "social.example.com"),
}


def built_site(root: Path, base_url: str, handle_domain: str | None) -> SiteConfig:
    """The sample site with `base_url` and `handle_domain`, a fresh key, built offline."""
    shutil.copytree(REPO / "content", root, ignore=shutil.ignore_patterns("public", ".site-gen"))
    lines = (root / "site.yaml").read_text(encoding="utf-8").splitlines()
    lines = [f"base_url: {base_url}" if line.startswith("base_url:") else line for line in lines]
    lines += [f"handle_domain: {handle_domain}"] if handle_domain else []
    (root / "site.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    generate_site_keys(load_config(root), force=True)
    config = load_config(root)
    build_site(config, offline=True, jobs=1)
    return config


@contextmanager
def nginx_redirect(rules: Path) -> Iterator[str]:
    """Real nginx answering as the handle's domain with the written `nginx.conf` rules."""
    require(Path(servers.NGINX).exists(), "nginx is not installed")
    scratch, port = servers.scratch_dir(), free_port()
    try:
        site_conf = scratch / "site.conf"
        site_conf.write_text(
            f"server {{\n    listen 127.0.0.1:{port};\n    include {rules};\n"
            "    location / { return 404; }\n}\n"
        )
        conf = servers.nginx_main_conf(scratch, site_conf)
        with servers.running(servers.nginx_command(scratch, conf), port, scratch / "error.log"):
            yield f"http://127.0.0.1:{port}"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@contextmanager
def caddy_redirect(rules: Path) -> Iterator[str]:
    """Real Caddy answering as the handle's domain with the written `Caddyfile` rules."""
    caddy = servers.caddy_binary()
    require(caddy is not None, "caddy is not installed")
    scratch, port = servers.scratch_dir(), free_port()
    try:
        conf = servers.caddy_main_conf(
            scratch, f"http://127.0.0.1:{port} {{\n    import {rules}\n    respond 404\n}}\n"
        )
        command = [str(caddy), "run", "--config", str(conf), "--adapter", "caddyfile"]
        log = scratch / "error.log"
        with servers.running(command, port, log, env=servers.caddy_env(scratch)):
            yield f"http://127.0.0.1:{port}"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


HandleHost = Callable[[Path], AbstractContextManager[str]]
MECHANISMS: dict[str, HandleHost] = {
    "nginx redirect": lambda folder: nginx_redirect(folder / "nginx.conf"),
    "caddy redirect": lambda folder: caddy_redirect(folder / "Caddyfile"),
    "copied JRD": lambda folder: static_host(folder / "static"),
}


@dataclass(frozen=True)
class SplitSite:
    config: SiteConfig
    site_host: str
    handle_host: str


@pytest.fixture(scope="module", params=list(LAYOUTS))
def split_site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> SplitSite:
    base_url, handle_domain = LAYOUTS[request.param]
    config = built_site(tmp_path_factory.mktemp("split") / "site", base_url, handle_domain)
    return SplitSite(config, config.urls.host, handle_domain)


@contextmanager
def resolvers(site: SplitSite, handle_host: HandleHost) -> Iterator[list[MastodonResolver]]:
    """Mastodon 4.6 (FEP-2c59) and an earlier version, both seeing the two origins."""
    folder = site.config.root / HANDLE_DOMAIN_FOLDER
    with (
        static_host(site.config.output_dir) as site_origin,
        handle_host(folder) as handle_origin,
        httpx.Client(timeout=5) as client,
    ):
        origins = {site.site_host: site_origin, site.handle_host: handle_origin}
        yield [MastodonResolver(client, origins, fep_2c59=flag) for flag in (True, False)]


@pytest.mark.parametrize("mechanism", list(MECHANISMS))
def test_the_handle_resolves_to_the_actor_and_back(split_site: SplitSite, mechanism: str) -> None:
    urls = split_site.config.urls
    canonical = f"@alice@{split_site.handle_host}"
    with resolvers(split_site, MECHANISMS[mechanism]) as versions:
        for mastodon in versions:
            # Someone types the handle; then the one on the site's host (an alias).
            assert mastodon.resolve_handle(canonical) == (canonical, urls.actor)
            assert mastodon.resolve_handle(f"@alice@{split_site.site_host}") == (
                canonical,
                urls.actor,
            )
            # A post or a follow arrives first: from the actor back to the same handle.
            actor = mastodon.fetch_actor(urls.actor)
            assert actor["webfinger"] == canonical.removeprefix("@")
            assert mastodon.verify_actor(actor) == canonical


def test_without_the_handle_domains_answer_nothing_resolves(
    split_site: SplitSite, tmp_path: Path
) -> None:
    """The handle's domain serves nothing: every way in fails, in every version (a site that
    names a handle it cannot back is unreachable, so the doctor must catch it)."""
    empty = tmp_path / "empty"
    (empty / "static").mkdir(parents=True)
    with resolvers(split_site, lambda _folder: static_host(empty / "static")) as versions:
        for mastodon in versions:
            with pytest.raises(ResolutionError, match="WebFinger"):
                mastodon.resolve_handle(f"@alice@{split_site.handle_host}")
            with pytest.raises(ResolutionError, match="WebFinger"):
                mastodon.verify_actor(mastodon.fetch_actor(split_site.config.urls.actor))


def test_the_written_jrd_is_the_sites_own(split_site: SplitSite) -> None:
    config = split_site.config
    copied = config.root / HANDLE_DOMAIN_FOLDER / "static" / ".well-known" / "webfinger"
    assert copied.read_bytes() == (config.output_dir / ".well-known" / "webfinger").read_bytes()
    jrd = json.loads(copied.read_bytes())
    assert jrd["subject"] == f"acct:alice@{split_site.handle_host}"
    assert f"acct:alice@{split_site.site_host}" in jrd["aliases"]
    # None of the rules for the other host is published with the site.
    rules = {
        path.read_bytes()
        for path in (config.root / HANDLE_DOMAIN_FOLDER).rglob("*")
        if path.is_file() and path.parent.name != ".well-known"
    }
    published = [p for p in config.output_dir.rglob("*") if p.is_file() and p.read_bytes() in rules]
    assert len(rules) == 7
    assert published == []


def test_the_handle_shows_everywhere_the_site_names_itself(split_site: SplitSite) -> None:
    output, canonical = split_site.config.output_dir, f"@alice@{split_site.handle_host}"
    for page in ("index.html", "profile/index.html", "privacy/index.html"):
        html = (output / page).read_text(encoding="utf-8")
        assert canonical in html, page
        assert f"@alice@{split_site.site_host}<" not in html, page
    post = next((output / "posts").glob("*/index.html")).read_text(encoding="utf-8")
    assert f'<meta name="fediverse:creator" content="{canonical}">' in post


def test_no_files_for_the_handle_domain_when_the_handle_is_the_sites(tmp_path: Path) -> None:
    config = built_site(tmp_path / "site", "https://example.com", "example.com")
    assert not config.urls.split_handle
    assert render_handle_domain_files(config) == []
    assert not (config.root / HANDLE_DOMAIN_FOLDER).exists()
    jrd = json.loads((config.output_dir / ".well-known" / "webfinger").read_bytes())
    assert jrd["subject"] == "acct:alice@example.com"
    assert jrd["aliases"] == [config.urls.actor, config.urls.profile]
