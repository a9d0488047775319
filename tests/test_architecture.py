"""The import contracts of pyproject.toml hold, and a forbidden import does break them.

`lint-imports` runs on a copy of the four packages, once as they are and once per kind of
forbidden import added to the copy, so a contract that could never fail would show here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = {
    "site_core": "site_core",
    "site_remote": "site_remote",
    "site_gen": "site_gen",
    "site_function": "functions/site_function",
}


def _importlinter_toml() -> str:
    """The [tool.importlinter] section of the project's pyproject.toml, as its own file."""
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    start = text.index("\n[tool.importlinter]\n") + 1
    section = text[start:]
    tomllib.loads(section)  # the section stands on its own
    return section


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    if not LINT_IMPORTS.exists():
        pytest.fail(f"{LINT_IMPORTS} is missing: pip install -e '.[dev]'")
    for package, source in PACKAGES.items():
        shutil.copytree(
            REPO / source,
            tmp_path / "src" / package,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    (tmp_path / "src" / ".importlinter.toml").write_text(_importlinter_toml(), encoding="utf-8")
    return tmp_path / "src"


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(root / ".importlinter.toml"), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _add_import(module: Path, statement: str) -> None:
    text = module.read_text(encoding="utf-8")
    marker = "from __future__ import annotations\n"
    assert marker in text, module
    module.write_text(text.replace(marker, f"{marker}\n{statement}\n", 1), encoding="utf-8")


def test_the_packages_as_they_are_keep_every_contract(copy: Path) -> None:
    result = _lint(copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "statement", "contract"),
    [
        (
            "site_core/urls.py",
            "import site_gen.config",
            "The core imports neither the generator nor the function BROKEN",
        ),
        (
            "site_core/publish/plan.py",
            "import site_function.store.base",
            "The core imports neither the generator nor the function BROKEN",
        ),
        (
            "site_core/ids.py",
            "import site_remote.client",
            "The core imports neither the generator nor the function BROKEN",
        ),
        (
            "site_remote/address_guard.py",
            "import site_function.settings",
            "site_remote imports neither the generator nor the function BROKEN",
        ),
        (
            "site_remote/client.py",
            "import site_gen.config",
            "site_remote imports neither the generator nor the function BROKEN",
        ),
        (
            "site_function/json_text.py",
            "import site_gen.text",
            "The function does not import the generator BROKEN",
        ),
        (
            "site_gen/build/feeds.py",
            "import site_function.app",
            "The generator does not import the function, except its CLI and local preview BROKEN",
        ),
        (
            "site_function/store/records.py",
            "import site_function.delivery.policy",
            "No cycles among the function's subpackages BROKEN",
        ),
    ],
)
def test_a_forbidden_import_breaks_its_contract(
    copy: Path, module: str, statement: str, contract: str
) -> None:
    _add_import(copy / module, statement)
    result = _lint(copy)
    assert result.returncode != 0
    assert contract in result.stdout, result.stdout


def test_the_cli_and_the_preview_may_import_the_function(copy: Path) -> None:
    _add_import(copy / "site_gen/cli/options.py", "import site_function.app")
    result = _lint(copy)
    assert result.returncode == 0, result.stdout + result.stderr
