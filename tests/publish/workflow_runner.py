"""Run a GitHub Actions job on this machine the way a runner would, step by step.

Only what the workflow `site-gen init` writes needs to work: `${{ secrets.X }}`,
`${{ env.X }}` and `${{ github.a.b }}` expressions, a job `if` comparing two of those, `run:`
steps (bash with `-eo pipefail`, as GitHub runs them, in the checkout, with `RUNNER_TEMP` and
`GITHUB_OUTPUT`), and two `uses:` steps replaced by their local equivalent: `actions/checkout`
is a `git clone` of the scratch repository, `actions/setup-python` a fresh virtual
environment. Anything else fails loudly, so the workflow cannot grow a step the test silently
skips. The one exception is a step that calls the GitHub CLI (`gh`, GitHub's own API): it is
not run, and listed in `skipped` (and printed) for the test to check by name.

The fresh environment sees this environment's third-party packages through a folder of
links (everything but site-gen itself), so `pip install` of the site-gen wheel resolves its
dependencies locally, with no index at all: the runner must install site-gen from
`SITE_GEN_PACKAGE` to have a `site-gen` command.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_CALLS_GH = re.compile(r"(^|[\s;|&(])gh\s", re.MULTILINE)
_OWN_ENTRIES = ("site_gen", "site_function", "_editable_impl_site_gen", "__editable__")


@dataclass
class StepRun:
    name: str
    output: str


@dataclass
class Runner:
    """One job run: its own checkout, Python, HOME and context."""

    scratch: Path
    repository: Path
    secrets: dict[str, str]
    github: dict[str, Any]
    env_overrides: dict[str, str] = field(default_factory=dict)
    steps: list[StepRun] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def workspace(self) -> Path:
        return self.scratch / "workspace"

    @property
    def python_env(self) -> Path:
        return self.scratch / "python"

    def base_env(self) -> dict[str, str]:
        home = self.scratch / "home"
        home.mkdir(exist_ok=True)
        (self.scratch / "runner-temp").mkdir(exist_ok=True)
        return {
            "PATH": f"{self.python_env / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_REF_NAME": str(self.github.get("ref_name", "")),
            "RUNNER_TEMP": str(self.scratch / "runner-temp"),
            # No package index and no pip config: only the wheel and the linked packages.
            "PIP_NO_INDEX": "1",
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        }

    def resolve(self, text: str, env: dict[str, str]) -> str:
        return _EXPRESSION.sub(lambda match: self._value(match.group(1), env), text)

    def _value(self, expression: str, env: dict[str, str]) -> str:
        kind, _, name = expression.partition(".")
        if kind == "secrets" and name.isidentifier():
            return self.secrets.get(name, "")  # GitHub gives a missing secret as ""
        if kind == "env" and name in env:
            return env[name]
        if kind == "github":
            value: Any = self.github
            for part in name.split("."):
                value = value[part]
            return str(value)
        raise AssertionError(f"the test runner does not know the expression {expression!r}")

    def condition(self, expression: str) -> bool:
        """A job `if`: `a == b` of two context values (GitHub drops the `${{ }}` there)."""
        left, sep, right = expression.partition("==")
        if not sep or "==" in right:
            raise AssertionError(f"the test runner cannot evaluate {expression!r}")
        return self._value(left.strip(), {}) == self._value(right.strip(), {})

    def run_job(self, workflow: dict[str, Any], job_name: str) -> bool:
        """Run every step of the job in order; False when its `if` skips it."""
        job = workflow["jobs"][job_name]
        if "if" in job and not self.condition(str(job["if"])):
            return False
        env = self.base_env()
        for name, value in {**workflow.get("env", {}), **job.get("env", {})}.items():
            env[name] = self.resolve(str(value), env)
        env.update(self.env_overrides)
        for step in job["steps"]:
            self._run_step(step, env)
        return True

    def _run_step(self, step: dict[str, Any], env: dict[str, str]) -> None:
        name = str(step.get("name", step.get("uses", step.get("run"))))
        if "uses" in step:
            self.steps.append(StepRun(name, self._uses(str(step["uses"]))))
            return
        if _CALLS_GH.search(str(step["run"])):
            print(f"workflow runner: NOT RUN (calls the GitHub CLI): {name}")
            self.skipped.append(name)
            return
        step_env = dict(env)
        for key, value in step.get("env", {}).items():
            step_env[key] = self.resolve(str(value), env)
        step_env["GITHUB_OUTPUT"] = str(self.scratch / f"step-{len(self.steps)}.output")
        script = self.scratch / f"step-{len(self.steps)}.sh"
        script.write_text(self.resolve(str(step["run"]), step_env) + "\n", encoding="utf-8")
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=self.workspace,
            env=step_env,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        output = done.stdout + done.stderr
        assert done.returncode == 0, f"step {name!r} failed ({done.returncode}):\n{output[-4000:]}"
        self.steps.append(StepRun(name, output))

    def _uses(self, action: str) -> str:
        if action.startswith("actions/checkout@"):
            return _run(["git", "clone", "-q", str(self.repository), str(self.workspace)])
        if action.startswith("actions/setup-python@"):
            return make_python_env(self.python_env)
        raise AssertionError(f"the test runner has no local equivalent of {action}")

    def output_of(self, name: str) -> str:
        return next(step.output for step in self.steps if step.name == name)


def make_python_env(folder: Path) -> str:
    """A fresh venv that sees this environment's third-party packages, not site-gen."""
    _run([sys.executable, "-m", "venv", "--without-pip", str(folder)])
    site_packages = next(folder.glob("lib/python*/site-packages"))
    linked = folder / "linked-packages"
    linked.mkdir()
    for source in (Path(p) for p in sys.path if p.endswith("site-packages")):
        for entry in source.iterdir():
            if entry.name.startswith(_OWN_ENTRIES) or entry.suffix == ".pth":
                continue
            if not (linked / entry.name).exists():
                (linked / entry.name).symlink_to(entry)
    (site_packages / "linked-packages.pth").write_text(f"{linked}\n", encoding="utf-8")
    return f"python at {folder}"


def _run(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, f"{command[:3]} failed: {done.stderr[-2000:]}"
    return done.stdout
