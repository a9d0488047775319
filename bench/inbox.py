"""Benchmark the inbox: signed Follow and Like requests at the real server, beside a bare app.

Run: `.venv/bin/python bench/inbox.py [--seconds 8] [--concurrency 64] [--no-postgres]`
(`--cold-start-only`: step 4 alone)

What it does, all on 127.0.0.1:
1. Makes 64 remote actors (own RSA keys) served by a small actor server in this process, and
   pre-signs unique Follow and Like requests (cavage rsa-sha256, as Mastodon sends them) in a
   pool of processes, so the load loop only sends.
2. Starts the function under uvicorn (uvloop + httptools, 1 worker) in a subprocess, with
   SQLite, then with PostgreSQL (a schema of its own, dropped at the end), and a bare ASGI
   app that reads the body and answers 202, the same way; and the floor
   (bench/verify_floor_app.py): a bare app that verifies each Like's signature with a key
   loaded at start and stores nothing, the ceiling of any inbox that verifies. Each function
   row prints its rate as a share of the bare app's and of the floor's.
3. Warms the key cache (one request per actor: the function fetches each key once), then
   drives each server from this process with an aiohttp load generator: C concurrent senders,
   bounded by a request count and a time limit. Reports req/s, p50, p99 and non-202 answers.
4. Measures cold start: a new interpreter importing the ASGI entry point (import + settings +
   key load + store open + create_app), median of 10 runs.

Deliveries are not drained during the run (SITE_GEN_DRAIN_AFTER_INBOX=false): the Accepts
stay queued, so the figures are those of the inbox alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from function_process import (  # noqa: E402
    BENCH_APP,
    cold_start,
    function_env,
    profiler,
    publish_post,
)
from inbox_load import UvicornProcess, drive, free_port, measured, report  # noqa: E402

PG_URL = os.environ.get("SITE_GEN_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
OUR_BASE = "https://alice.example"
OUR_ACTOR = f"{OUR_BASE}/ap/actor"
LIKED_POST = f"{OUR_BASE}/ap/posts/hello"


# --- remote actors ---------------------------------------------------------------------------


def make_actors(count: int, origin: str) -> list[dict[str, Any]]:
    from site_core.keys import generate_private_key, private_key_to_pem, public_key_pem

    actors = []
    for index in range(count):
        key = generate_private_key()
        actor_id = f"{origin}/users/u{index}"
        actors.append(
            {
                "id": actor_id,
                "key_pem": private_key_to_pem(key).decode(),
                "document": {
                    "@context": ["https://www.w3.org/ns/activitystreams",
                                 "https://w3id.org/security/v1"],
                    "id": actor_id, "type": "Person", "preferredUsername": f"u{index}",
                    "inbox": f"{actor_id}/inbox", "endpoints": {"sharedInbox": f"{origin}/inbox"},
                    "publicKey": {"id": f"{actor_id}#main-key", "owner": actor_id,
                                  "publicKeyPem": public_key_pem(key)},
                },
            }
        )  # fmt: skip
    return actors


def serve_actors(actors: list[dict[str, Any]], port: int) -> Any:
    """A thread serving actor documents (and swallowing deliveries) on 127.0.0.1:port."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    documents = {a["id"]: json.dumps(a["document"]).encode() for a in actors}

    async def actor(request: Request) -> Response:
        url = f"http://127.0.0.1:{port}{request.url.path}"
        if request.method == "POST":
            return Response(status_code=202)
        body = documents.get(url)
        if body is None:
            return Response(status_code=404)
        return Response(body, media_type="application/activity+json")

    app = Starlette(routes=[Route("/{rest:path}", actor, methods=["GET", "POST"])])
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    return server, thread


# --- pre-signed requests -------------------------------------------------------------------


def _sign_batch(args: tuple[dict[str, Any], str, str, int]) -> list[tuple[bytes, dict[str, str]]]:
    from site_core.keys import load_private_key
    from site_core.signatures import SigningKey, sign_request

    actor, kind, inbox, count = args
    key = SigningKey(f"{actor['id']}#main-key", load_private_key(actor["key_pem"]))
    out = []
    for _ in range(count):
        activity_id = f"{actor['id']}/{kind.lower()}/{uuid.uuid4().hex}"
        target = OUR_ACTOR if kind in ("Follow", "Flag") else LIKED_POST
        body = json.dumps({"@context": "https://www.w3.org/ns/activitystreams",
                           "id": activity_id, "type": kind, "actor": actor["id"],
                           "object": target}).encode()  # fmt: skip
        headers = sign_request("POST", inbox, key=key, now=datetime.now(UTC), body=body)
        out.append((body, headers))
    return out


def presign(
    actors: list[dict[str, Any]], kind: str, inbox: str, total: int, pool: ProcessPoolExecutor
) -> list[tuple[bytes, dict[str, str]]]:
    per_actor = max(1, total // len(actors))
    batches = pool.map(_sign_batch, [(a, kind, inbox, per_actor) for a in actors])
    requests: list[tuple[bytes, dict[str, str]]] = []
    columns = list(batches)
    for index in range(per_actor):  # interleave actors, as real traffic would
        requests.extend(column[index] for column in columns)
    return requests


def reference(
    target: str,
    env: dict[str, str],
    port: int,
    requests: list[tuple[bytes, dict[str, str]]],
    args: argparse.Namespace,
) -> dict[str, Any]:
    """One reference app (bench/bare_app.py, bench/verify_floor_app.py) served and driven as
    the function is."""
    server = UvicornProcess(target, env, BENCH, port)
    try:
        inbox = f"http://127.0.0.1:{port}/ap/inbox"
        return measured(server.process.pid, inbox, requests, args.concurrency, args.seconds)
    finally:
        server.stop()


def report_cold_start(tmp: Path, key_file: Path) -> None:
    env = function_env(tmp, f"sqlite:///{tmp / 'cold.sqlite3'}", key_file)
    cold = cold_start(env)
    floor = cold_start(env, module="starlette.applications")
    print(
        f"cold start (import + settings + key + store + create_app): "
        f"{cold['import_and_create_ms']:.0f} ms in-process, "
        f"{cold['process_wall_ms']:.0f} ms whole process (median of 10); "
        f"floor 'import starlette.applications' alone: "
        f"{floor['import_and_create_ms']:.0f} ms / {floor['process_wall_ms']:.0f} ms; "
        f"own share {cold['import_and_create_ms'] - floor['import_and_create_ms']:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="Time limit per run.")
    parser.add_argument("--concurrency", type=int, default=64, help="Concurrent senders.")
    parser.add_argument("--requests", type=int, default=24000, help="Pre-signed per kind.")
    parser.add_argument("--no-postgres", action="store_true", help="Skip PostgreSQL.")
    parser.add_argument("--no-sqlite", action="store_true", help="Skip SQLite.")
    parser.add_argument(
        "--profile",
        metavar="PREFIX",
        help="Attach py-spy (PY_SPY or `py-spy` on PATH) to the function during each run and"
        " write collapsed stacks to PREFIX-<db>-<kind>.txt.",
    )
    parser.add_argument(
        "--cold-start-only", action="store_true", help="Measure only the cold start (step 4)."
    )
    args = parser.parse_args()

    from site_core.keys import generate_private_key, private_key_to_pem

    if args.cold_start_only:
        with tempfile.TemporaryDirectory() as folder:
            key_file = Path(folder) / "key.pem"
            key_file.write_bytes(private_key_to_pem(generate_private_key()))
            report_cold_start(Path(folder), key_file)
        return

    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        key_file = tmp / "key.pem"
        key_file.write_bytes(private_key_to_pem(generate_private_key()))
        actor_port = free_port()
        actors = make_actors(64, f"http://127.0.0.1:{actor_port}")
        actor_server, actor_thread = serve_actors(actors, actor_port)

        databases: list[tuple[str, str, str | None]] = []
        if not args.no_sqlite:
            databases.append(("sqlite", f"sqlite:///{tmp / 'state.sqlite3'}", None))
        if not args.no_postgres:
            import psycopg

            schema = f"bench_inbox_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(PG_URL, autocommit=True) as conn:
                conn.execute(f'CREATE SCHEMA "{schema}"')
            databases.append(("postgres", f"{PG_URL}?options=-csearch_path%3D{schema}", schema))

        try:
            ports = {name: free_port() for name, _, _ in databases}
            print(f"pre-signing {args.requests} Follow + {args.requests} Like requests ...")
            with ProcessPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
                signed: dict[tuple[str, str], list[Any]] = {}
                for name, _, _ in databases:
                    inbox = f"http://127.0.0.1:{ports[name]}/ap/inbox"
                    for kind in ("Follow", "Like", "Flag"):
                        count = 64 if kind == "Flag" else args.requests
                        signed[(name, kind)] = presign(actors, kind, inbox, count, pool)

            (tmp / "bench_function.py").write_text(BENCH_APP)
            keys_file = tmp / "floor_keys.json"
            keys_file.write_text(json.dumps({f"{a['id']}#main-key": a["document"]["publicKey"][
                "publicKeyPem"] for a in actors}))  # fmt: skip
            reference_env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(BENCH)]),
                             "BENCH_FLOOR_KEYS": str(keys_file)}  # fmt: skip
            print(f"c={args.concurrency}, up to {args.seconds} s per run, 1 uvicorn worker")
            for name, url, _ in databases:
                env = {**function_env(tmp, url, key_file), "PYTHONPATH": str(tmp)}
                publish_post(url, LIKED_POST)
                bare_result = reference(
                    "bare_app:app", reference_env, ports[name], signed[(name, "Follow")], args
                )
                report(f"bare ASGI 202 ({name} run)", bare_result, None)
                floor_result = reference(
                    "verify_floor_app:app", reference_env, ports[name], signed[(name, "Like")], args
                )
                report("floor: verify, store nothing", floor_result, bare_result)
                target = "bench_function:app"
                server = UvicornProcess(target, env, ROOT, ports[name])
                try:
                    inbox = f"http://127.0.0.1:{ports[name]}/ap/inbox"
                    warm = asyncio.run(drive(inbox, signed[(name, "Flag")], 8, 30))
                    assert warm["statuses"] == {202: 64}, warm["statuses"]
                    for kind in ("Follow", "Like"):
                        spy = profiler(args.profile, name, kind, server.process.pid, args.seconds)
                        result = measured(
                            server.process.pid, inbox, signed[(name, kind)], args.concurrency,
                            args.seconds,
                        )  # fmt: skip
                        if spy is not None:
                            spy.wait(timeout=args.seconds + 30)
                        report(f"function {kind} ({name})", result, bare_result, floor_result)
                finally:
                    server.stop()
            report_cold_start(tmp, key_file)
        finally:
            actor_server.should_exit = True
            actor_thread.join(timeout=10)
            for _, _, schema in databases:
                if schema:
                    import psycopg

                    with psycopg.connect(PG_URL, autocommit=True) as conn:
                        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()
