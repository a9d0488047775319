"""AWS Lambda: `site_function.entrypoints.aws_lambda.handler` invoked with the events AWS sends.

The events are payload format 2.0 as an API Gateway HTTP API and a Function URL send them
(tests/fixtures/aws/), the Follows really signed by a loopback account whose actor the
function fetches over HTTP. Lambda freezes the container when the handler returns, so the
Accept must have reached the follower by then; a drain cut off by the invocation's time
limit is logged and resumes at the next invocation. Warm invocations reuse one app.
"""

from __future__ import annotations

import asyncio
import base64
import importlib
import json
import logging
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl

import pytest
from entrypoint_harness import (
    BuiltSite,
    assert_accepts,
    signed_follow,
    site_environment,
    verified_accept,
)
from function_harness import FakeFediverse, RemoteActor

from site_core.keys import generate_private_key

MODULE = "site_function.entrypoints.aws_lambda"
EVENTS = Path(__file__).resolve().parents[2] / "fixtures" / "aws"
SHAPES = ["http-api-v2", "function-url"]
# The function's own domain (API Gateway custom domain), as site.yaml's function_url names it:
# senders sign for it, and a request signed for another host is refused.
FUNCTION_URL = "https://fn.alice.example"


class LambdaContext:
    """The attributes of the context object Lambda's Python runtime passes to a handler."""

    function_name = "site-gen-function"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:site-gen-function"
    memory_limit_in_mb = 512
    aws_request_id = "8f5e2f0e-4a39-4b9e-8b1a-7c0d5e6f7a8b"
    log_group_name = "/aws/lambda/site-gen-function"
    log_stream_name = "2024/03/12/[$LATEST]0123456789abcdef"

    def __init__(self, seconds: float = 15.0) -> None:
        self._deadline = time.monotonic() + seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def lambda_event(
    shape: str,
    method: str,
    path: str,
    *,
    query: str = "",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    base64_body: bool | None = None,
) -> dict[str, Any]:
    """The fixture event of `shape`, carrying this request."""
    event = json.loads((EVENTS / f"{shape}.json").read_text())
    event["rawPath"] = path
    event["rawQueryString"] = query
    event["requestContext"]["http"].update(method=method, path=path)
    if query:
        event["queryStringParameters"] = dict(parse_qsl(query))
    sent = {**event["headers"], **{k.lower(): v for k, v in (headers or {}).items()}}
    if body:
        encode = event["isBase64Encoded"] if base64_body is None else base64_body
        event["body"] = base64.b64encode(body).decode() if encode else body.decode()
        event["isBase64Encoded"] = encode
        sent["content-length"] = str(len(body))
    else:  # AWS leaves out the body of a GET
        event.pop("body", None)
        event["isBase64Encoded"] = False
        for name in ("content-length", "content-type"):
            sent.pop(name, None)
    event["headers"] = sent
    return event


def follow_event(
    shape: str, follower: RemoteActor, *, base64_body: bool | None = None, key: Any = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A Follow signed for the function's inbox, and the event of `shape` carrying it."""
    url = f"{FUNCTION_URL}/ap/inbox"
    follow, body, headers = signed_follow(follower, url)
    if key is not None:  # the same request, signed by a key that is not the follower's
        headers = follower.sign(url, body, key=key)
    event = lambda_event(shape, "POST", "/ap/inbox", headers=headers, body=body,
                         base64_body=base64_body)  # fmt: skip
    return follow, event


@pytest.fixture
def aws_lambda(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, built_site: BuiltSite
) -> Iterator[ModuleType]:
    """The handler module imported at a cold start, configured by variables only."""
    for name in [n for n in list(os.environ) if n.startswith("SITE_GEN_")]:
        monkeypatch.delenv(name)
    env = site_environment(built_site, tmp_path, SITE_GEN_FUNCTION_URL=FUNCTION_URL)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    sys.modules.pop(MODULE, None)
    asyncio.set_event_loop(None)  # a fresh process has none: Mangum makes its own at import
    module = importlib.import_module(MODULE)
    try:
        yield module
    finally:
        sys.modules.pop(MODULE, None)
        loop = asyncio.get_event_loop()  # the loop Mangum runs every invocation on
        loop.run_until_complete(module.app.state.runtime.close())
        loop.close()
        asyncio.set_event_loop(None)


def _json(response: dict[str, Any]) -> Any:
    assert response["isBase64Encoded"] is False
    return json.loads(response["body"])


@pytest.mark.parametrize("base64_body", [True, False], ids=["base64", "text"])
@pytest.mark.parametrize("shape", SHAPES)
def test_a_signed_follow_is_accepted_and_the_accept_delivered_before_the_handler_returns(
    aws_lambda: ModuleType,
    fediverse: FakeFediverse,
    built_site: BuiltSite,
    shape: str,
    base64_body: bool,
) -> None:
    bob = fediverse.add("127.0.0.1", f"bob_{shape.replace('-', '_')}_{base64_body}")
    follow, event = follow_event(shape, bob, base64_body=base64_body)
    response = aws_lambda.handler(event, LambdaContext())
    assert response["statusCode"] == 202, response
    # No waiting here: once the handler has returned, Lambda may freeze the container.
    [delivery] = bob.received
    assert_accepts(verified_accept(delivery, built_site.key), follow)
    [row] = aws_lambda.app.state.runtime.store.list_deliveries()
    assert row.state == "done"
    assert row.inbox == bob.inbox


def test_healthz_and_the_followers_answer_through_both_event_shapes(
    aws_lambda: ModuleType, fediverse: FakeFediverse
) -> None:
    carol = fediverse.add("127.0.0.1", "carol_lambda")
    _, event = follow_event("function-url", carol)
    assert aws_lambda.handler(event, LambdaContext())["statusCode"] == 202
    for shape in SHAPES:  # warm invocations of the same app
        health = aws_lambda.handler(lambda_event(shape, "GET", "/healthz"), LambdaContext())
        assert health["statusCode"] == 200
        assert _json(health) == {"status": "ok"}

        collection = aws_lambda.handler(
            lambda_event(shape, "GET", "/ap/followers"), LambdaContext()
        )
        assert collection["statusCode"] == 200
        assert collection["headers"]["content-type"].startswith("application/activity+json")
        assert _json(collection)["totalItems"] == 1

        page = aws_lambda.handler(
            lambda_event(shape, "GET", "/ap/followers", query="page=1"), LambdaContext()
        )
        assert page["statusCode"] == 200
        assert _json(page)["orderedItems"] == [carol.id]


@pytest.mark.parametrize("shape", SHAPES)
def test_a_bad_signature_is_refused_with_401(
    aws_lambda: ModuleType, fediverse: FakeFediverse, shape: str
) -> None:
    mallory = fediverse.add("127.0.0.1", f"mallory_{shape.replace('-', '_')}")
    _, event = follow_event(shape, mallory, key=generate_private_key())
    response = aws_lambda.handler(event, LambdaContext())
    assert response["statusCode"] == 401, response
    assert _json(response)["status"] == "bad_signature"
    store = aws_lambda.app.state.runtime.store
    assert store.get_follower(mallory.id) is None
    assert store.list_deliveries() == []
    assert mallory.received == []


def test_a_drain_cut_off_by_the_time_limit_is_logged_and_resumes_at_the_next_invocation(
    aws_lambda: ModuleType, fediverse: FakeFediverse, built_site: BuiltSite, caplog: Any
) -> None:
    dave = fediverse.add("127.0.0.1", "dave_lambda")
    follow, event = follow_event("http-api-v2", dave)
    with caplog.at_level(logging.WARNING, logger="site_function"):
        # 0.3 s left: less than the margin kept for returning the answer, so no wait at all
        response = aws_lambda.handler(event, LambdaContext(seconds=0.3))
    assert response["statusCode"] == 202
    assert dave.received == []
    assert "delivery drain not finished" in caplog.text
    [row] = aws_lambda.app.state.runtime.store.list_deliveries()
    assert row.state == "queued"  # durable: nothing is lost while the container is frozen

    health = aws_lambda.handler(lambda_event("function-url", "GET", "/healthz"), LambdaContext())
    assert health["statusCode"] == 200
    [delivery] = dave.received
    assert_accepts(verified_accept(delivery, built_site.key), follow)


def test_a_missing_variable_stops_the_cold_start_with_its_name(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, built_site: BuiltSite
) -> None:
    for name in [n for n in list(os.environ) if n.startswith("SITE_GEN_")]:
        monkeypatch.delenv(name)
    env = site_environment(built_site, tmp_path)
    for name, value in env.items():
        if name != "SITE_GEN_USERNAME":
            monkeypatch.setenv(name, value)
    sys.modules.pop(MODULE, None)
    # An exception, not SystemExit: Lambda's runtime reports it as the init error
    # (test_aws_lambda_runtime.py runs the real client).
    with pytest.raises(Exception, match="SITE_GEN_USERNAME") as stopped:
        importlib.import_module(MODULE)
    sys.modules.pop(MODULE, None)
    assert type(stopped.value).__name__ == "StartFailure"
    message = str(stopped.value)
    assert message == (
        "site-gen function: cannot start: the environment variable SITE_GEN_USERNAME is required"
    )
    assert env["SITE_GEN_ADMIN_TOKEN"] not in message
