"""One thing broken at a time: each variant produces exactly its fail, with its fix.

The same deployment as `test_doctor_correct_site` (real nginx or Caddy, the real function),
with one change to the web server's config, the build, the function's clock or its key.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from site_function.runtime import utc_now

from site_core.keys import generate_private_key
from site_gen.doctor import DoctorReport

from .deploy import deployed
from .test_doctor_correct_site import doctor

_NGINX_TYPED_AP = re.compile(
    r"(location \^~ /ap/(?:posts/)? \{\n\s+types \{ \}\n\s+default_type )"
    r"'application/activity\+json';"
)


def _failures(report: DoctorReport) -> dict[str, str]:
    return {f.check: f.fix for f in report.findings if f.status == "fail"}


def _nginx_block(conf: str, header: str) -> re.Match[str]:
    found = re.search(rf"    location {re.escape(header)} \{{\n(?:        .*\n)*?    \}}\n", conf)
    assert found is not None, header
    return found


def wrong_type(conf: str) -> str:
    edited, count = _NGINX_TYPED_AP.subn(r"\1'application/json';", conf)
    assert count == 2
    return edited


def no_webfinger_cors(conf: str) -> str:
    block = _nginx_block(conf, "= /.well-known/webfinger").group()
    return conf.replace(
        block, block.replace("        add_header Access-Control-Allow-Origin * always;\n", "")
    )


def inbox_as_file(conf: str) -> str:
    return conf.replace(_nginx_block(conf, "= /ap/inbox").group(), "")


def write_inbox_file(output: Path) -> None:
    (output / "ap" / "inbox").write_text('{"type": "OrderedCollection"}')


def page_redirect_elsewhere(conf: str) -> str:
    port = re.search(r"listen 127\.0\.0\.1:(\d+);", conf)
    assert port is not None
    redirect = (
        "    location = /ap/outbox-pages/1 {\n"
        f"        return 302 http://localhost:{port.group(1)}/ap/outbox-pages/1;\n    }}\n"
    )
    return conf.replace("    location ^~ /ap/ {", redirect + "    location ^~ /ap/ {", 1)


def no_age_policy(output: Path) -> None:
    shutil.rmtree(output / "age-policy")


CONFIG_VARIANTS: list[tuple[str, Callable[[str], str], set[str], str]] = [
    (
        "wrong type",
        wrong_type,
        {
            f"{name} at its id"
            for name in ("actor", "outbox", "featured", "outbox first page", "post object")
        },
        "as application/activity+json",
    ),
    ("missing CORS", no_webfinger_cors, {"webfinger CORS"}, "Access-Control-Allow-Origin"),
    (
        "redirect to another origin",
        page_redirect_elsewhere,
        {"outbox first page at its id"},
        "no redirect to another host",
    ),
]


@pytest.mark.nginx
@pytest.mark.parametrize(
    ("name", "edit", "fails", "fix"), CONFIG_VARIANTS, ids=[v[0] for v in CONFIG_VARIANTS]
)
def test_a_broken_host_config_gives_its_fail(
    name: str, edit: Callable[[str], str], fails: set[str], fix: str, tmp_path: Path
) -> None:
    with deployed(tmp_path, "nginx", edit=edit) as site:
        report = doctor(site.target)
    found = _failures(report)
    assert set(found) == fails, report.to_text()
    for check in fails:
        assert fix in found[check]
        assert "(README: What each target writes and can do)" in found[check]


@pytest.mark.nginx
def test_an_inbox_served_as_a_static_file(tmp_path: Path) -> None:
    with deployed(tmp_path, "nginx", edit=inbox_as_file, change_output=write_inbox_file) as site:
        report = doctor(site.target)
    found = _failures(report)
    assert set(found) == {"inbox unsigned POST", "inbox path proxied", "inbox signed probe"}, (
        report.to_text()
    )
    assert "proxy the path to the function" in found["inbox path proxied"]
    assert "does not reach the function" in found["inbox unsigned POST"]


@pytest.mark.parametrize("server", [pytest.param("nginx", marks=pytest.mark.nginx), "caddy"])
def test_a_stale_key(server: str, tmp_path: Path) -> None:
    with deployed(tmp_path, server, function_key=generate_private_key()) as site:
        report = doctor(site.target)
    found = _failures(report)
    assert set(found) == {"actor key"}, report.to_text()
    assert "another key than the site's private key" in found["actor key"]
    assert "(README: Commands)" in found["actor key"]


@pytest.mark.nginx
def test_a_skewed_clock(tmp_path: Path) -> None:
    ahead = timedelta(minutes=2)
    with deployed(tmp_path, "nginx", clock=lambda: utc_now() + ahead) as site:
        report = doctor(site.target)
    found = _failures(report)
    assert set(found) == {"function clock"}, report.to_text()
    [clock] = [f for f in report.findings if f.check == "function clock"]
    seconds = re.search(r"clock is \+(\d+) s", clock.seen)
    assert seconds is not None, clock.seen
    assert 110 <= int(seconds.group(1)) <= 125
    assert "Synchronise the function host's clock" in clock.fix


@pytest.mark.parametrize("server", [pytest.param("nginx", marks=pytest.mark.nginx), "caddy"])
def test_a_missing_policy_page(server: str, tmp_path: Path) -> None:
    with deployed(tmp_path, server, change_output=no_age_policy) as site:
        report = doctor(site.target)
    found = _failures(report)
    assert set(found) == {"Threads: age policy"}, report.to_text()
    assert "Threads requires them (README: Deploying)" in found["Threads: age policy"]
