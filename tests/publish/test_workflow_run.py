"""The workflow `site-gen init` writes, run for real: install, build, deploy, publish.

Two pushes of a scratch site (hosting nginx, on branch `master`) go through every step of
the generated `.github/workflows/publish.yml` (see workflow_runner.py): the runner installs
the site-gen wheel built from this checkout, builds, rsyncs the build into the folder a real
nginx serves on loopback (the site's base_url), and `site-gen publish` reads function_url
from site.yaml and talks to the real function under uvicorn. A follower of the test's own
fetches our actor from nginx to verify every signature: after the second push it has
exactly one verified Create, for the post added in between.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from click.testing import CliRunner
from e2e.e2e_remotes import ServerThread, bound_socket
from function.function_harness import NameMap
from hosting import servers
from requirements import require
from site_function.app import create_app
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from workflow_runner import Runner

from site_core.keys import generate_private_key, load_public_key, public_key_pem
from site_core.signatures import (
    SigningKey,
    VerificationFailure,
    VerifiedSignature,
    parse_signature,
    sign_request,
    verify_request,
)
from site_gen.cli import cli
from site_gen.config import SiteConfig, load_config
from site_gen.federation.key_files import ed25519_private_key_path
from site_gen.hosting import BuildInfo, render_host_config
from site_gen.serve.function_settings import settings_from_site
from site_gen.workflows import WORKFLOW_PATH
from site_remote import make_session

REPO = Path(__file__).resolve().parents[2]
TOKEN = "workflow-admin-token-0123456789"
AS_JSON = "application/activity+json"
pytestmark = [pytest.mark.slow, pytest.mark.nginx]


@dataclass
class Follower:
    """A remote account that verifies each delivery with the key it fetches from our site."""

    key: Any = field(default_factory=generate_private_key)
    sock: socket.socket = field(default_factory=bound_socket)
    verified: list[dict[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/users/fan"

    def document(self) -> dict[str, Any]:
        return {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": self.id,
            "type": "Person",
            "preferredUsername": "fan",
            "inbox": f"{self.id}/inbox",
            "publicKey": {
                "id": f"{self.id}#main-key",
                "owner": self.id,
                "publicKeyPem": public_key_pem(self.key),
            },
        }

    async def actor(self, request: Request) -> Response:
        return Response(json.dumps(self.document()), media_type=AS_JSON)

    async def inbox(self, request: Request) -> Response:
        body = await request.body()
        headers = {name.lower(): value for name, value in request.headers.items()}
        signature = parse_signature("POST", request.url.path, request.url.query, headers)
        if isinstance(signature, VerificationFailure):
            self.refused.append(f"{signature.reason}: {signature.detail}")
            return JSONResponse({"error": "signature"}, 401)
        # As a fediverse server does: the key comes from the signer's actor, on its host.
        async with httpx.AsyncClient(timeout=10) as client:
            fetched = await client.get(signature.key_id, headers={"Accept": AS_JSON})
        if fetched.status_code != 200 or fetched.headers.get("content-type") != AS_JSON:
            self.refused.append(f"key fetch {fetched.status_code} {fetched.headers}")
            return JSONResponse({"error": "key"}, 401)
        pem = fetched.json()["publicKey"]["publicKeyPem"]
        result = verify_request(
            "POST", request.url.path, request.url.query, headers, body,
            load_public_key(pem), datetime.now(UTC), signature=signature,
        )  # fmt: skip
        if not isinstance(result, VerifiedSignature):
            self.refused.append(f"{result.reason}: {result.detail}")
            return JSONResponse({"error": "signature"}, 401)
        self.verified.append(json.loads(body))
        return Response(status_code=202)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/users/fan", self.actor, methods=["GET"]),
                Route("/users/fan/inbox", self.inbox, methods=["POST"]),
            ]
        )

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [activity for activity in self.verified if activity.get("type") == kind]

    def follow(self, http: httpx.Client, actor_url: str) -> httpx.Response:
        """Follow our actor: read it from the site (nginx), POST a signed Follow to its inbox."""
        actor = http.get(actor_url, headers={"Accept": AS_JSON}).json()
        body = json.dumps(
            {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{self.id}#follow/1",
             "type": "Follow", "actor": self.id, "object": actor["id"]}
        ).encode()  # fmt: skip
        headers = sign_request(
            "POST", actor["inbox"], key=SigningKey(f"{self.id}#main-key", self.key),
            now=datetime.now(UTC), body=body,
        )  # fmt: skip
        return http.post(actor["inbox"], content=body, headers=headers)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _git(repo: Path, *args: str) -> None:
    command = ["git", "-C", str(repo), "-c", "user.name=Owner", "-c", "user.email=o@localhost"]
    subprocess.run([*command, *args], check=True, capture_output=True, timeout=60)


def _wait_for(condition: Callable[[], bool], what: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@dataclass
class Stage:
    """The owner's repository, the server's document root, the running servers."""

    repo: Path
    config: SiteConfig
    deploy_root: Path
    follower: Follower
    http: httpx.Client
    scratch: Path

    def queued(self) -> int:
        """Deliveries still waiting in the function's queue (its admin API)."""
        status = self.http.get(
            f"{self.config.function_url}/admin/api/deliveries",
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert status.status_code == 200, status.text
        return int(status.json()["counts"].get("queued", 0))

    def push(self, number: int, wheel: Path) -> Runner:
        """One run of the workflow for what the repository holds now."""
        workflow = yaml.safe_load((self.repo / WORKFLOW_PATH).read_text("utf-8"))
        assert str(workflow["env"]["SITE_GEN_PACKAGE"]).startswith("site-gen")
        runner = Runner(
            scratch=self.scratch / f"run-{number}",
            repository=self.repo,
            secrets={
                "SITE_GEN_PRIVATE_KEY": self.config.private_key_path.read_text("ascii"),
                "SITE_GEN_ED25519_KEY": ed25519_private_key_path(self.config).read_text("ascii"),
                "SITE_GEN_ADMIN_TOKEN": TOKEN,
                "DEPLOY_TARGET": str(self.deploy_root),
            },
            github={"ref_name": "master", "event": {"repository": {"default_branch": "master"}}},
            env_overrides={"SITE_GEN_PACKAGE": str(wheel)},  # the one line an owner edits
        )
        runner.scratch.mkdir()
        assert runner.run_job(workflow, "publish")
        return runner


@pytest.fixture
def stage(tmp_path: Path) -> Iterator[Stage]:
    require(Path(servers.NGINX).exists(), "nginx")
    require(shutil.which("rsync"), "rsync")
    require(shutil.which("git"), "git")
    function_sock, nginx_port = bound_socket(), _free_port()
    function_url = f"http://127.0.0.1:{function_sock.getsockname()[1]}"
    base_url = f"http://127.0.0.1:{nginx_port}"
    repo = tmp_path / "repo"
    made = CliRunner().invoke(
        cli,
        ["init", str(repo), "--username", "alice", "--name", "Alice", "--base-url", base_url,
         "--hosting", "nginx", "--function-url", function_url],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    _git(repo, "init", "-q", "-b", "master")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "A new site")
    config = load_config(repo)

    web = servers.scratch_dir()
    deploy_root = web / "public"
    deploy_root.mkdir(mode=0o755)
    info = BuildInfo(document_root=str(deploy_root), listen=("127.0.0.1", nginx_port))
    artifacts = {a.path: a for a in render_host_config(config, info)}
    (web / "site.conf").write_bytes(artifacts["deploy/nginx.conf"].content)
    nginx = servers.nginx_command(web, servers.nginx_main_conf(web, web / "site.conf"))

    settings = settings_from_site(
        config,
        {"SITE_GEN_ADMIN_TOKEN": TOKEN},
        database_url=f"sqlite:///{tmp_path / 'function.sqlite3'}",
        allow_private_addresses=True,
        serve_documents=False,
    )
    app = create_app(settings, session_factory=lambda s: make_session(s.client, resolver=NameMap()))
    follower = Follower()
    try:
        with (
            servers.running(nginx, nginx_port, web / "error.log"),
            ServerThread(app, function_sock),
            ServerThread(follower.app(), follower.sock),
            httpx.Client(timeout=20) as http,
        ):
            yield Stage(repo, config, deploy_root, follower, http, tmp_path)
    finally:
        shutil.rmtree(web, ignore_errors=True)


def test_two_pushes_deploy_and_deliver_one_verified_create(stage: Stage, wheel: Path) -> None:
    urls = stage.config.urls
    # --- first push: the new site goes online; the first publish sends nothing old --------
    first = stage.push(1, wheel)
    assert "site-gen" in first.output_of("Install site-gen")
    installed = first.python_env / "bin" / "site-gen"
    assert installed.is_file(), "the runner's site-gen must come from SITE_GEN_PACKAGE"
    assert "First publish" in first.output_of("Publish to followers")
    actor = stage.http.get(urls.actor, headers={"Accept": AS_JSON})
    assert actor.status_code == 200
    assert actor.headers["content-type"] == AS_JSON
    assert actor.json()["inbox"] == urls.inbox  # function_url, read from site.yaml

    # --- a fediverse account follows the site; the Accept verifies against the site's key --
    followed = stage.follower.follow(stage.http, urls.actor)
    assert followed.status_code == 202, followed.text
    _wait_for(
        lambda: bool(stage.follower.of_type("Accept")),
        f"a verified Accept (refused: {stage.follower.refused})",
    )

    # --- second push with a new post: exactly one verified Create reaches the follower -----
    # Dated now, after the first note: an older date would move the actor's `published`.
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    post = stage.repo / "posts" / f"{stamp[:10]}-workflow-news.md"
    post.write_text(f"---\ndate: {stamp}\n---\nPublished by the workflow.\n", encoding="utf-8")
    _git(stage.repo, "add", "-A")
    _git(stage.repo, "commit", "-q", "-m", "A new post")
    second = stage.push(2, wheel)

    published = second.output_of("Publish to followers")
    assert "Create (create) workflow-news" in published, published
    assert "Queued 1 delivery for 1 activity." in published, published
    assert stage.http.get(f"{stage.config.base_url}/posts/workflow-news/").status_code == 200
    # The function may deliver in the background after the publish call: wait for its queue.
    _wait_for(
        lambda: bool(stage.follower.of_type("Create")) and stage.queued() == 0,
        f"the Create to be delivered (refused: {stage.follower.refused})",
    )
    creates = stage.follower.of_type("Create")
    assert len(creates) == 1, creates
    assert creates[0]["object"]["id"] == urls.post_object("workflow-news")
    assert "Published by the workflow." in creates[0]["object"]["content"]
    assert stage.follower.refused == []


def test_the_job_runs_only_on_the_default_branch(tmp_path: Path) -> None:
    """A push to another branch starts the workflow, and its job is skipped."""
    site = tmp_path / "site"
    assert CliRunner().invoke(cli, ["init", str(site), "--hosting", "nginx"]).exit_code == 0
    workflow = yaml.safe_load((site / WORKFLOW_PATH).read_text("utf-8"))
    on = workflow[True]  # YAML 1.1 reads the key `on` as a boolean
    assert on["push"]["branches"] == ["**"]
    assert "workflow_dispatch" in on
    for branch, default, runs in (("master", "master", True), ("drafts", "main", False)):
        runner = Runner(
            tmp_path / branch, site, {},
            {"ref_name": branch, "event": {"repository": {"default_branch": default}}},
        )  # fmt: skip
        assert runner.condition(workflow["jobs"]["publish"]["if"]) is runs
