"""AWS Lambda under the real runtime interface client (awslambdaric), as the Python image runs it.

`python -m awslambdaric site_function.entrypoints.aws_lambda.handler` polls the Lambda Runtime
API (`AWS_LAMBDA_RUNTIME_API`), builds the real context (its remaining time from the
`Lambda-Runtime-Deadline-Ms` header, which `DrainBeforeFreeze` reads), calls the handler and
posts the answer or the error. The Runtime API here is a loopback server of the tests' own,
written from AWS's description of it; the events are the recorded ones of tests/fixtures/aws/.
The client loops for ever waiting for invocations: each test kills it at the end.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import queue
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from entrypoint_harness import (
    BuiltSite,
    assert_accepts,
    process_environment,
    site_environment,
    verified_accept,
    wait_until,
)
from function_harness import FakeFediverse
from requirements import require
from test_aws_lambda import FUNCTION_URL, follow_event, lambda_event

HANDLER = "site_function.entrypoints.aws_lambda.handler"
API = "/2018-06-01/runtime"
FUNCTION_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:site-gen-function"
OUTCOMES = ("response", "error")  # POST /invocation/{id}/response or /error
WAIT = 30.0  # seconds: a cold start of the client, or one invocation, never takes this long


@dataclass(frozen=True)
class Outcome:
    """What the client posted for one invocation, and what `observe` saw at that moment."""

    kind: str  # "response" or "error"
    body: bytes
    headers: dict[str, str]
    observed: Any

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class RuntimeApi:
    """The Lambda Runtime API on 127.0.0.1: invocations handed out in order, outcomes kept."""

    observe: Callable[[], Any] = lambda: None
    pending: queue.Queue[tuple[str, bytes, int]] = field(default_factory=queue.Queue)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    init_errors: list[Outcome] = field(default_factory=list)
    polls: int = 0
    stopped: threading.Event = field(default_factory=threading.Event)

    def invoke(self, event: dict[str, Any], seconds: float = 15.0) -> Outcome:
        """Hand `event` to the client with `seconds` until its deadline; its outcome."""
        request_id = str(uuid.uuid4())
        deadline_ms = int((time.time() + seconds) * 1000)
        self.pending.put((request_id, json.dumps(event).encode(), deadline_ms))
        assert wait_until(lambda: request_id in self.outcomes, WAIT), "no outcome posted"
        return self.outcomes[request_id]

    def serve(self) -> ThreadingHTTPServer:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(
                self, status: int, body: bytes = b"", headers: dict[str, str] | None = None
            ) -> None:
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # killed
                    self._send(status, body, headers or {})

            def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if self.path != f"{API}/invocation/next":
                    return self._answer(404)
                api.polls += 1
                while not api.stopped.is_set():  # a long poll, as the real API does
                    try:
                        request_id, event, deadline_ms = api.pending.get(timeout=0.1)
                    except queue.Empty:
                        continue
                    trace = f"Root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]};Sampled=0"
                    return self._answer(200, event, {
                        "Lambda-Runtime-Aws-Request-Id": request_id,
                        "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
                        "Lambda-Runtime-Invoked-Function-Arn": FUNCTION_ARN,
                        "Lambda-Runtime-Trace-Id": trace,
                    })  # fmt: skip
                self._answer(503)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = dict(self.headers.items())
                parts = self.path.removeprefix(f"{API}/").split("/")
                if parts == ["init", "error"]:
                    api.init_errors.append(Outcome("init-error", body, headers, None))
                elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in OUTCOMES:
                    # Observed before the outcome is recorded: what had happened when it came.
                    api.outcomes[parts[1]] = Outcome(parts[2], body, headers, api.observe())
                else:
                    return self._answer(404)
                self._answer(202, b'{"status":"OK"}')

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        return server


@dataclass
class RuntimeClient:
    """The client process and the Runtime API it polls."""

    api: RuntimeApi
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextlib.contextmanager
def _start(tmp_path: Path, env: dict[str, str]) -> Iterator[RuntimeClient]:
    """The client started with `env` (after the Lambda variables), killed on leaving."""
    require(
        importlib.util.find_spec("awslambdaric"),
        "awslambdaric is not installed",
        "pip install -e '.[dev]'",
    )
    api = RuntimeApi()
    server = api.serve()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    task_root = tmp_path / "task"  # /var/task in the image; the package comes from the venv
    task_root.mkdir()
    log = tmp_path / "client.log"
    port = server.server_address[1]
    lambda_env = {
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
        "LAMBDA_TASK_ROOT": str(task_root),
        "AWS_LAMBDA_FUNCTION_NAME": "site-gen-function",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_REGION": "eu-west-1",
    }
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "awslambdaric", HANDLER],
            env=process_environment({**env, **lambda_env}),
            cwd=task_root,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        yield RuntimeClient(api, process, log)
    finally:
        process.kill()  # it polls for the next invocation for ever
        process.wait(timeout=WAIT)
        api.stopped.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def client(tmp_path: Path, built_site: BuiltSite) -> Iterator[RuntimeClient]:
    """The client running our handler, configured by variables only, before any invocation."""
    env = site_environment(built_site, tmp_path, SITE_GEN_FUNCTION_URL=FUNCTION_URL)
    with _start(tmp_path, env) as started:
        yield started


def test_webfinger_and_the_actor_answer_200_with_their_types(client: RuntimeClient) -> None:
    webfinger = client.api.invoke(lambda_event(
        "function-url", "GET", "/.well-known/webfinger",
        query="resource=acct:alice@localhost:8000",
    ))  # fmt: skip
    assert webfinger.kind == "response", webfinger
    answer = webfinger.json
    assert answer["statusCode"] == 200, answer
    assert answer["headers"]["content-type"].startswith("application/jrd+json")
    assert answer["isBase64Encoded"] is False
    assert json.loads(answer["body"])["subject"] == "acct:alice@localhost:8000"

    actor = client.api.invoke(lambda_event("http-api-v2", "GET", "/ap/actor")).json
    assert actor["statusCode"] == 200, actor
    assert actor["headers"]["content-type"].startswith("application/activity+json")
    assert json.loads(actor["body"])["id"] == "http://localhost:8000/ap/actor"


def test_a_follow_is_accepted_before_the_response_is_posted_and_warm_invocations_share_a_process(
    client: RuntimeClient, fediverse: FakeFediverse, built_site: BuiltSite
) -> None:
    bob = fediverse.add("127.0.0.1", "bob_runtime")
    carol = fediverse.add("127.0.0.1", "carol_runtime")
    # What the follower had received when the client posted the invocation's response: after
    # that post Lambda may freeze the container, so the Accept must be there already.
    client.api.observe = lambda: (len(bob.received), len(carol.received))
    follows = []
    for shape, follower, seen in (("http-api-v2", bob, (1, 0)), ("function-url", carol, (1, 1))):
        follow, event = follow_event(shape, follower)
        outcome = client.api.invoke(event)
        assert outcome.kind == "response", client.output()
        assert outcome.json["statusCode"] == 202, outcome.json
        assert outcome.observed == seen
        follows.append((follower, follow))
    for follower, follow in follows:
        [delivery] = follower.received
        assert_accepts(verified_accept(delivery, built_site.key), follow)

    for shape in ("function-url", "http-api-v2"):
        health = client.api.invoke(lambda_event(shape, "GET", "/healthz"))
        assert health.json["statusCode"] == 200
        followers = client.api.invoke(lambda_event(shape, "GET", "/ap/followers", query="page=1"))
        assert sorted(json.loads(followers.json["body"])["orderedItems"]) == [bob.id, carol.id]
    # Six invocations, one cold start: the same process polled for each, and is still polling.
    assert wait_until(lambda: client.api.polls == 7)
    assert client.process.poll() is None
    assert client.api.init_errors == []


def test_a_drain_cut_by_a_short_deadline_is_logged_and_resumes_at_the_next_invocation(
    client: RuntimeClient, fediverse: FakeFediverse, built_site: BuiltSite
) -> None:
    dave = fediverse.add("127.0.0.1", "dave_runtime")
    follow, event = follow_event("http-api-v2", dave)
    client.api.observe = lambda: len(dave.received)
    # 0.3 s to the deadline: less than the margin kept for returning the answer, so no wait
    cut = client.api.invoke(event, seconds=0.3)
    assert cut.kind == "response", client.output()
    assert cut.json["statusCode"] == 202
    assert cut.observed == 0
    assert wait_until(lambda: "delivery drain not finished" in client.output()), client.output()

    health = client.api.invoke(lambda_event("function-url", "GET", "/healthz"))
    assert health.json["statusCode"] == 200
    [delivery] = dave.received
    assert_accepts(verified_accept(delivery, built_site.key), follow)


def test_a_missing_private_key_ends_the_cold_start_with_one_clear_line(
    tmp_path: Path, built_site: BuiltSite
) -> None:
    missing_key = tmp_path / "gone" / "private-key.pem"
    env = site_environment(built_site, tmp_path, SITE_GEN_PRIVATE_KEY_FILE=str(missing_key))
    with _start(tmp_path, env) as client:
        assert client.process.wait(timeout=WAIT) != 0
        reason = (
            f"site-gen function: cannot start: no private key at SITE_GEN_PRIVATE_KEY_FILE "
            f"({missing_key}); run 'site-gen keys generate' or set SITE_GEN_PRIVATE_KEY"
        )
        # Reported where Lambda shows it (the init error the invoker and the console see).
        [init_error] = client.api.init_errors
        report = json.loads(init_error.body)
        assert report["errorMessage"] == reason
        assert report["errorType"] == "StartFailure"
        assert reason in client.output()
        for text in (init_error.body.decode(), client.output()):
            assert env["SITE_GEN_ADMIN_TOKEN"] not in text
            assert "BEGIN" not in text  # no key material
        assert client.api.polls == 0
