"""The wheel people install carries everything a build needs (theme, workflow template).

Built for real with the project's build backend, then installed into a fresh virtual
environment outside the checkout, where it must make and build a new site.
"""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(REPO)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("site_gen-*.whl")
    return built


def test_wheel_carries_the_theme_and_the_workflow(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    theme = {p.relative_to(REPO / "templates").as_posix() for p in (REPO / "templates").rglob("*")}
    for name in theme:
        if (REPO / "templates" / name).is_file():
            assert f"site_gen/default_theme/{name}" in names
    assert "site_gen/workflows/publish.yml.tmpl" in names
    assert "site_core/py.typed" in names
    assert "site_remote/py.typed" in names
    assert "site_gen/py.typed" in names
    assert "site_function/py.typed" in names
    assert not any(name.startswith(("tests/", "bench/", "content/")) for name in names)


def test_installed_wheel_builds_a_new_site(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    # The dependencies are those of this environment: expose them instead of downloading.
    venv.create(env_dir, system_site_packages=False, with_pip=False)
    site_packages = next((env_dir / "lib").glob("python*/site-packages"))
    deps = [p for p in sys.path if p.endswith("site-packages")]
    (site_packages / "deps.pth").write_text("\n".join(deps) + "\n")
    python = env_dir / "bin" / "python"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site_packages)
    script = (
        "import sys, site_gen.build.theme as t;"
        "from site_gen.cli import main;"
        "assert 'default_theme' in str(t.DEFAULT_THEME_DIR), t.DEFAULT_THEME_DIR;"
        "sys.argv = ['site-gen'] + sys.argv[1:]; main()"
    )
    run = [str(python), "-I", "-c", script]
    subprocess.run([*run, "init", str(tmp_path / "site")], check=True, cwd=tmp_path)
    subprocess.run([*run, "build", "--site", str(tmp_path / "site")], check=True, cwd=tmp_path)
    output = tmp_path / "site" / "public"
    assert (output / "index.html").is_file()
    assert (output / "theme" / "style.css").is_file()
    assert (output / "ap" / "actor").is_file()
