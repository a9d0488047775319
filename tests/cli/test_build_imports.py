"""`site-gen build` imports what a build needs and nothing of the owner commands.

A build of a hundred posts spends most of its time starting up; the command line loads its
command modules on first use, and an offline build never loads the HTTP client, the event
loop or the function. Each check runs the real command in a fresh interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from site_gen.cli import COMMAND_MODULES, cli
from site_gen.scaffold import make_site

# Modules of the owner commands and of outgoing HTTP: none belongs in an offline build.
UNRELATED = (
    "site_function",
    "site_remote",
    "aiohttp",
    "asyncio",
    "httpx",
    "starlette",
    "urllib.request",
    "importlib.metadata",
    "site_gen.doctor",
    "site_gen.publish",
)

_RUN = """
import json, sys
from site_gen.cli import main
sys.argv = ["site-gen", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _run(*args: str) -> tuple[int, str, set[str]]:
    """The exit code, the standard error and the modules loaded at the end."""
    # Not the keys other tests put in the environment: the scaffolded site has its own.
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITE_GEN_")}
    done = subprocess.run(
        [sys.executable, "-c", _RUN, *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=env,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return int(result["code"] or 0), done.stderr, set(result["modules"])


def _unrelated(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == u or m.startswith(f"{u}.") for u in UNRELATED))


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_offline_build_imports_nothing_unrelated(tmp_path: Path, jobs: str) -> None:
    site = make_site(tmp_path / "blog", username="bob", display_name="Bob").folder
    for number in range(90 if jobs == "2" else 2):  # 90: enough for the worker pool
        (site / "posts" / f"post-{number}.md").write_text(
            f"---\ntitle: Post {number}\ndate: 2024-01-01 10:00:00\n---\n\n"
            "Text with `@decorator` code.\n\n```python\n@dataclass\nclass A: ...\n```\n",
            encoding="utf-8",
        )
    code, errors, modules = _run("build", "--site", str(site), "--offline", "--jobs", jobs)
    assert code == 0, errors
    assert (site / "public" / "posts" / "post-1" / "index.html").is_file()
    assert {"jinja2", "markdown", "site_gen.build.pipeline"} <= modules
    assert _unrelated(modules) == []


def test_build_help_loads_only_the_build_commands() -> None:
    code, errors, modules = _run("build", "--help")
    assert code == 0, errors
    assert "site_gen.cli.site_commands" in modules
    others = {f"site_gen.cli.{m}" for ms in COMMAND_MODULES.values() for m in ms}
    assert sorted(others & modules) == ["site_gen.cli.site_commands"]
    assert _unrelated(modules) == []
    assert "site_gen.build.pipeline" not in modules


def test_every_command_is_listed_and_loads() -> None:
    """The table of lazy commands names exactly what the modules register."""
    from click import Context

    context = Context(cli)
    for name in cli.list_commands(context):
        command = cli.get_command(context, name)
        assert command is not None
        assert command.name == name
    assert set(cli.commands) == set(COMMAND_MODULES)
    assert cli.get_command(context, "no-such-command") is None
