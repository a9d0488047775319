"""Fixtures of the entry-point tests: one site, made and built by the CLI as its owner would.

The function started from variables alone knows the owner's settings only from the build
(`SITE_GEN_DOCUMENTS_DIR`) or from a publish; these tests give it the build, whose actor
accepts followers without approval, and the site's own key file.
"""

from __future__ import annotations

import subprocess

import pytest
from entrypoint_harness import BuiltSite, process_environment


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    folder = tmp_path_factory.mktemp("entrypoints") / "site"
    env = process_environment({})
    for command in (
        ["site-gen", "init", str(folder), "--username", "alice", "--name", "Alice"],
        ["site-gen", "build", "--site", str(folder)],
    ):
        subprocess.run(command, env=env, check=True, capture_output=True, timeout=120)
    return BuiltSite(folder)
