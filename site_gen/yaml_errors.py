"""YAML parser errors told in plain words, for site.yaml and a post's front matter alike.

The parser says "expected <block end>, but found '<block mapping start>'"; the person who
typed the file needs "the indentation of this line does not match the lines above", the
line and column, and the line itself. Only the error path comes here: the text is parsed
again with the pure-Python parser, whose messages are the ones recognised below (libyaml
words the same mistakes differently).
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

__all__ = ["YamlProblem", "explain_yaml_error"]

_KEY_AND_VALUE = re.compile(
    r"^(?P<lead>\s*(?:-\s+)?)(?P<key>[^\s:#][^:#]*?)\s*:\s+(?P<value>\S.*)$"
)
_CANNOT_START = re.compile(r"found character '(?P<char>.+)' that cannot start any token")


class YamlProblem(NamedTuple):
    """A YAML mistake located in the file: `line` counts from the file's first line."""

    message: str
    line: int


def _quoted(value: str) -> str:
    value = value.strip()
    if value[:1] in ("'", '"') and value[-1:] == value[:1] and len(value) > 1:
        value = value[1:-1]
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _quote_fix(line_text: str) -> str:
    """How the line reads with its value in quotes, when it is a `key: value` line."""
    match = _KEY_AND_VALUE.match(line_text)
    if match is None:
        return ""
    fixed = f"{match['key']}: {_quoted(match['value'])}"
    return f" (write {match['lead'].lstrip()}{fixed})"


def _sentence(problem: str, context: str, line_text: str, column: int) -> str:
    """The plain sentence for one parser error, with how to fix it."""
    leading = line_text[: len(line_text) - len(line_text.lstrip())]
    if "\t" in leading or "'\\t'" in problem:
        return "a tab is used for indentation: indent with spaces only"
    if "mapping values are not allowed" in problem:
        if ":" in line_text[:column]:
            return "a colon inside a value needs quotes" + _quote_fix(line_text)
        return (
            "the indentation of this line does not match the lines above: it is indented "
            "under the line before, so it reads as part of that value; line it up with the "
            "other keys"
        )
    if "could not find expected ':'" in problem:
        return (
            "this line is not a 'key: value' line: add a colon after the key, or indent it to "
            "continue the value above"
        )
    if "while scanning a quoted scalar" in context and "end of stream" in problem:
        return "a quote opened here is never closed: add the closing quote"
    if "unknown escape character" in problem:
        return (
            'a backslash inside "double quotes" starts an escape: use single quotes, or write '
            "each backslash twice"
        )
    if "expected ',' or ']'" in problem:
        return "a list in [brackets] is not closed or its items are not separated by commas"
    if "expected ',' or '}'" in problem:
        return "a {braces} value is not closed or its items are not separated by commas"
    if "while scanning an alias" in context or "while scanning an anchor" in context:
        char = "*" if "alias" in context else "&"
        return f"a value that starts with {char} needs quotes" + _quote_fix(line_text)
    if "tag" in context and "while scanning" in context:
        return "a value that starts with ! needs quotes" + _quote_fix(line_text)
    cannot_start = _CANNOT_START.search(problem)
    if cannot_start is not None:
        char = cannot_start["char"]
        return f"a value cannot start with {char}: put it in quotes" + _quote_fix(line_text)
    if "expected <block end>" in problem:
        if line_text[:column].rstrip()[-1:] in ("'", '"'):
            return "text follows a closing quote: put the whole value in quotes"
        if problem.endswith("'-'"):
            return (
                "the indentation of this line does not match the lines above: a list item "
                "('- ...') must be indented under the key it belongs to"
            )
        return "the indentation of this line does not match the lines above"
    return f"{problem} ({context})" if context else problem


def _shown(line_text: str, file_line: int, column: int) -> str:
    """The offending line with a caret under the column; tabs are drawn as →."""
    number = str(file_line)
    visible = line_text.replace("\t", "→")
    return f"\n  {number} | {visible}\n  {' ' * len(number)} | {' ' * column}^"


def explain_yaml_error(text: str, first_line: int) -> YamlProblem | None:
    """The plain-words problem of YAML `text` that does not parse, or None if it parses.

    `first_line` is the line of the file on which `text` starts (1 for site.yaml, 2 for
    front matter, which follows the opening `---`).
    """
    import yaml

    try:
        yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        return _explained(exc, text, first_line)
    except yaml.YAMLError as exc:
        return YamlProblem(f"not valid YAML: {exc}", first_line)
    return None


def _explained(exc: Any, text: str, first_line: int) -> YamlProblem:
    problem: str = exc.problem or ""
    context: str = exc.context or ""
    mark = exc.problem_mark or exc.context_mark
    # Some errors are seen only on the line after the mistake: point at where it starts.
    starts_earlier = (
        "could not find expected ':'" in problem
        or "while scanning a quoted scalar" in context
        or "while scanning an alias" in context
        or "while scanning an anchor" in context
        or "while parsing a flow" in context
    )
    if starts_earlier and exc.context_mark is not None:
        mark = exc.context_mark
    lines = text.split("\n")
    index = min(mark.line, len(lines) - 1) if mark is not None else 0
    column = mark.column if mark is not None else 0
    line_text = lines[index] if lines else ""
    file_line = first_line + index
    sentence = _sentence(problem, context, line_text, column)
    if "mapping values are not allowed" in problem and sentence.startswith("the indentation"):
        column = len(line_text) - len(line_text.lstrip())  # the line's start, not its colon
    return YamlProblem(
        f"not valid YAML at column {column + 1}: {sentence}{_shown(line_text, file_line, column)}",
        file_line,
    )
