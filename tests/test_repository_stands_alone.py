"""The repository stands alone: no file reaches outside it, and a bare copy collects every test.

Fixtures and benchmark inputs once came from a folder beside the repository, so a fresh clone
could not even collect the tests. Two checks keep it from coming back: a scan of every file
for paths that climb out of the repository, and a copy of the repository, alone in an empty
folder, that must collect exactly the tests the working tree collects (a missing folder can
also silently empty a parametrized list, which only the comparison shows).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from requirements import require

REPO = Path(__file__).resolve().parents[1]
COLLECT_SECONDS = 90

# Each pattern names a way a file has reached outside the repository. A line that holds such a
# path as data (a sample for another check) says so with this marker and is not reported.
SAMPLE_MARKER = "stands-alone: sample"
OUTSIDE_PATTERNS = {
    "a folder beside the repository": re.compile(r"\.\.[/\\]shared\b"),
    "path arithmetic above a root": re.compile(
        r"(parents\[\d+\]|\.parent|\bREPO|\bROOT)\s*/\s*[\"']\.\.[\"']"
    ),
    "'..' joined to 'shared'": re.compile(r"[\"']\.\.[\"']\s*[,/]\s*[\"']shared[\"']"),
    "a shell path above the repository": re.compile(r"\$\(dirname [^)]*\)/\.\./\.\."),
}


def repository_files() -> list[Path]:
    """Tracked files plus new ones git does not ignore: what a commit of the work would hold."""
    require((REPO / ".git").exists(), "a git checkout of the repository", "clone it with git")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout.decode()
    return [REPO / name for name in listed.split("\0") if name and (REPO / name).is_file()]


def test_no_file_reads_a_path_outside_the_repository() -> None:
    found: list[str] = []
    for path in repository_files():
        if path.suffix == ".md":
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # images and other binary files hold no paths
        for number, line in enumerate(text.splitlines(), start=1):
            found += [
                f"{path.relative_to(REPO)}:{number}: {what}: {line.strip()}"
                for what, pattern in OUTSIDE_PATTERNS.items()
                if pattern.search(line) and SAMPLE_MARKER not in line
            ]
    assert not found, "these reach outside (store what they need inside):\n" + "\n".join(found)


def test_the_patterns_catch_the_old_paths_and_spare_test_data() -> None:
    # Spelled in pieces so that no scanner (this test's or a hook's) reads this file as one
    # that reaches outside.
    folder = "sha" + "red"
    old = [
        f'SHARED = Path(__file__).resolve().parents[2] / ".." / "{folder}"',  # stands-alone: sample
        f'VECTORS = REPO / ".." / "{folder}" / "fixtures"',  # stands-alone: sample
        f"Compare with ../{folder}/notes.md",
        'cd "$(dirname "$0")/../.."',  # stands-alone: sample
    ]
    for line in old:
        assert any(pattern.search(line) for pattern in OUTSIDE_PATTERNS.values()), line
    data = [
        'output / "ap" / ".." / "ap" / "key.pem"',
        'href="../garden/"',
        'cd "$(dirname "$0")/.."',
    ]
    for line in data:
        assert not any(pattern.search(line) for pattern in OUTSIDE_PATTERNS.values()), line


def _start_collection(root: Path) -> subprocess.Popen[str]:
    """`pytest --collect-only` in `root`, importing the project from `root` itself."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env["PYTHONPATH"] = os.pathsep.join([str(root), str(root / "functions")])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    try:
        output, _ = process.communicate(timeout=COLLECT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        return -1, f"collection took over {COLLECT_SECONDS} s\n{output}"
    return process.returncode, output


def _test_ids(output: str, files: set[str]) -> set[str]:
    """The collected test ids that belong to `files` (not to files created meanwhile)."""
    ids = (line.strip() for line in output.splitlines() if "::" in line)
    return {test_id for test_id in ids if test_id.split("::", 1)[0] in files}


def test_a_bare_copy_collects_the_same_tests(tmp_path: Path) -> None:
    copy = tmp_path / "alone" / "site-gen"  # nothing beside it
    files = {path.relative_to(REPO).as_posix() for path in repository_files()}
    for name in files:
        target = copy / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target)
    in_copy = _start_collection(copy)
    in_tree = _start_collection(REPO)
    copy_status, copy_output = _finish(in_copy)
    tree_status, tree_output = _finish(in_tree)
    assert copy_status == 0, copy_output[-4000:]
    assert tree_status == 0, tree_output[-4000:]
    in_tree_ids, in_copy_ids = _test_ids(tree_output, files), _test_ids(copy_output, files)
    missing = sorted(in_tree_ids - in_copy_ids)
    assert not missing, "not collected in the copy:\n" + "\n".join(missing[:50])
    assert in_copy_ids == in_tree_ids
