"""The conversations workflow `site-gen init` writes, run for real against a local function.

A scratch site repository (branch `master`) and our function on 127.0.0.1 with a reply in
it: the runner (workflow_runner.py) installs the site-gen wheel of this checkout, pulls, and
pushes the branch `site-gen/conversations` back to the repository. Only the step that calls
the GitHub CLI (the pull request) is not run, and the runner lists it. A second run starts
from that branch, so a status the owner edited there is kept while a new like arrives.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from conversations.sync_harness import (
    FakeFediverse,
    Pictures,
    RunningFunction,
    add_actor,
    publish_post,
    start_function,
)
from requirements import require
from workflow_runner import Runner

from site_core.keys import generate_private_key
from site_gen.cli import cli
from site_gen.workflows import CONVERSATIONS_WORKFLOW_PATH

TOKEN = "test-admin-token-0123456789"
POST = "https://alice.example/ap/posts/hello"
BRANCH = "site-gen/conversations"
pytestmark = [pytest.mark.slow]


def _git(repo: Path, *args: str) -> str:
    command = ["git", "-C", str(repo), "-c", "user.name=Owner", "-c", "user.email=o@localhost"]
    done = subprocess.run([*command, *args], check=True, capture_output=True, text=True, timeout=60)
    return done.stdout


@pytest.fixture
def fn(tmp_path: Path) -> Iterator[RunningFunction]:
    with start_function(f"sqlite:///{tmp_path / 'fn.sqlite3'}", generate_private_key()) as running:
        publish_post(running.store, POST)
        yield running


def _make_repo(folder: Path, fn: RunningFunction) -> Path:
    made = CliRunner().invoke(
        cli,
        ["init", str(folder), "--username", "alice", "--base-url", "https://alice.example",
         "--hosting", "nginx", "--function-url", fn.url],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    with (folder / "site.yaml").open("a") as config:
        config.write("conversation:\n  hold_words: [giveaway]\n")
    _git(folder, "init", "-q", "-b", "master")
    _git(folder, "add", "-A")
    _git(folder, "commit", "-q", "-m", "A new site")
    return folder


def _run(repo: Path, scratch: Path, wheel: Path) -> Runner:
    workflow: dict[str, Any] = yaml.safe_load((repo / CONVERSATIONS_WORKFLOW_PATH).read_text())
    runner = Runner(
        scratch=scratch,
        repository=repo,
        secrets={"SITE_GEN_ADMIN_TOKEN": TOKEN},
        github={"ref_name": "master", "token": "unused"},
        env_overrides={"SITE_GEN_PACKAGE": str(wheel)},
    )
    scratch.mkdir()
    assert runner.run_job(workflow, "pull")
    assert runner.skipped == ["Open the pull request"]  # the only step not run: it calls gh
    return runner


def _on_branch(repo: Path, path: str) -> str:
    return _git(repo, "show", f"{BRANCH}:{path}")


def test_the_workflow_pulls_into_the_conversations_branch(
    fn: RunningFunction, tmp_path: Path, wheel: Path
) -> None:
    require(subprocess.run(["git", "--version"], capture_output=True).returncode == 0, "git")
    repo = _make_repo(tmp_path / "repo", fn)
    with FakeFediverse() as fediverse, Pictures().running() as pictures:
        fan = add_actor(fediverse, "talk.test", "fan", pictures.add("fan", (200, 0, 0)))
        note = {"id": f"{fan.id}/notes/1", "type": "Note", "attributedTo": fan.id,
                "inReplyTo": POST, "content": "<p>Nice post</p>"}  # fmt: skip
        fn.send(fan, fan.activity("Create", note))
        held = {"id": f"{fan.id}/notes/2", "type": "Note", "attributedTo": fan.id,
                "inReplyTo": POST, "content": "<p>A GIVEAWAY for you</p>"}  # fmt: skip
        fn.send(fan, fan.activity("Create", held))

        first = _run(repo, tmp_path / "run-1", wheel)
        report = first.output_of("Pull the conversations")
        assert report.startswith("2 new (2 replies)."), report
        # The runner holds no --allow-private-addresses: the loopback avatar is not copied.
        assert "not copied" in report
        assert pictures.fetched["fan"] == 0
        hello = _on_branch(repo, "conversations/hello.yaml")
        # Proposed for approval (merging approves it), except what a hold word keeps back.
        assert f"- id: {note['id']}\n  kind: reply\n  status: approved\n" in hello
        assert f"- id: {held['id']}\n  kind: reply\n  status: pending\n" in hello
        assert note["id"] in _on_branch(repo, "conversations/pulled.json")
        assert _git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip() == "master"
        assert "conversations" not in _git(repo, "ls-tree", "--name-only", "master")

        # The owner rejects the first reply in the pull request's branch; then a like arrives.
        worktree = tmp_path / "review"
        _git(repo, "worktree", "add", "-q", str(worktree), BRANCH)
        edited = (
            (worktree / "conversations/hello.yaml")
            .read_text()
            .replace(f"{note['id']}\n  kind: reply\n  status: approved",
                     f"{note['id']}\n  kind: reply\n  status: rejected")
        )  # fmt: skip
        (worktree / "conversations/hello.yaml").write_text(edited)
        _git(worktree, "commit", "-q", "-am", "Reject the reply")
        _git(repo, "worktree", "remove", str(worktree))
        like = fan.activity("Like", POST)
        fn.send(fan, like)

        second = _run(repo, tmp_path / "run-2", wheel)
        assert second.output_of("Pull the conversations").startswith("1 new (1 like)."), (
            second.output_of("Pull the conversations")
        )
        hello = _on_branch(repo, "conversations/hello.yaml")
        assert f"- id: {note['id']}\n  kind: reply\n  status: rejected\n" in hello
        assert f"- id: {like['id']}\n  kind: like\n  status: approved\n" in hello
        log = _git(repo, "log", "--format=%s", BRANCH).splitlines()
        assert log[:3] == ["Conversations: 1 new (1 like).", "Reject the reply",
                           "Conversations: 2 new (2 replies)."]  # fmt: skip

        third = _run(repo, tmp_path / "run-3", wheel)
        assert "Nothing new to commit." in third.output_of("Commit to the conversations branch")
