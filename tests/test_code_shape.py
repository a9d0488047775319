"""Modules stay short and functions read in one screen, or say why they cannot.

Every module of the three packages has at most 400 lines; every function (methods and nested
functions too) has at most 60, counted with ast as `end_lineno - lineno + 1`, unless its
docstring holds "long:" followed by the reason. The checks also run on small made-up sources,
so a checker that could never fail would show here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("site_core", "site_remote", "site_gen", "functions/site_function")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
_REASON = re.compile(r"\blong:\s*\w")


def shape_problems(source: str, name: str) -> list[str]:
    """What is too long in one module's source, one message per problem."""
    problems: list[str] = []
    lines = len(source.splitlines())
    if lines > MAX_MODULE_LINES:
        problems.append(f"{name}: {lines} lines (at most {MAX_MODULE_LINES}): split the module")
    for node in ast.walk(ast.parse(source, filename=name)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        length = (node.end_lineno or node.lineno) - node.lineno + 1
        if length <= MAX_FUNCTION_LINES:
            continue
        if _REASON.search(ast.get_docstring(node) or ""):
            continue
        problems.append(
            f"{name}:{node.lineno}: {node.name} has {length} lines (at most "
            f'{MAX_FUNCTION_LINES}): split it, or give the reason in its docstring as "long: ..."'
        )
    return problems


def _modules() -> list[Path]:
    found = [path for package in PACKAGES for path in sorted((REPO / package).rglob("*.py"))]
    assert len(found) > 50, f"expected the packages' modules under {REPO}, found {len(found)}"
    return found


def test_every_module_and_function_has_the_right_length() -> None:
    problems: list[str] = []
    for path in _modules():
        name = str(path.relative_to(REPO))
        problems += shape_problems(path.read_text(encoding="utf-8"), name)
    assert not problems, "\n".join(problems)


def _function(lines: int, docstring: str = "Does one thing.", *, is_async: bool = False) -> str:
    """A made-up function of exactly `lines` lines."""
    head = "async def" if is_async else "def"
    body = "".join(f"    x{i} = {i}\n" for i in range(lines - 2))
    return f'{head} f():\n    """{docstring}"""\n{body}'


def test_a_function_of_60_lines_passes_and_61_fails() -> None:
    assert shape_problems(_function(60), "ok.py") == []
    (problem,) = shape_problems(_function(61), "bad.py")
    assert problem.startswith("bad.py:1: f has 61 lines (at most 60)")


@pytest.mark.parametrize("is_async", [False, True])
def test_methods_and_nested_functions_are_measured(is_async: bool) -> None:
    nested = 'def outer():\n    """long: it holds f."""\n' + "".join(
        f"    {line}\n" for line in _function(61, is_async=is_async).splitlines()
    )
    method = "class C:\n" + "".join(
        f"    {line}\n" for line in _function(61, is_async=is_async).splitlines()
    )
    (problem,) = shape_problems(nested, "nested.py")
    assert problem.startswith("nested.py:3: f has 61 lines")
    (problem,) = shape_problems(method, "method.py")
    assert problem.startswith("method.py:2: f has 61 lines")


def test_a_long_function_needs_a_reason_after_long() -> None:
    explained = "Parse the field.\n\n    long: one loop keeps the hot parser fast.\n    "
    assert shape_problems(_function(80, explained), "ok.py") == []
    assert len(shape_problems(_function(80, "Parse the field; too long: "), "bad.py")) == 1
    assert len(shape_problems(_function(80, "Parse the field, long."), "bad.py")) == 1


def test_a_module_over_400_lines_fails() -> None:
    assert shape_problems("x = 1\n" * 400, "ok.py") == []
    (problem,) = shape_problems("x = 1\n" * 401, "big.py")
    assert problem.startswith("big.py: 401 lines (at most 400)")
