"""The committed JSON caches of build-time lookups (mentions.json, replies.json).

Each cache is a public file committed with the site, so that builds work offline and give the
same bytes every time. It is written sorted and indented with a final newline, with ordinary
permissions (0644 under the usual umask, never the 0600 of a temporary file), and only when
its bytes change, so that an unchanged cache keeps its bytes and its mtime.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["load_json_object", "save_json_object"]


def _public_mode() -> int:
    """The mode `open()` would give a new file: 0644 under the usual umask of 022."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def load_json_object(path: Path, warnings: list[str]) -> dict[str, Any]:
    """The cache's object; a missing file is empty, a broken one is empty and a warning."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        warnings.append(f"{path}: ignored, not a readable JSON file ({exc})")
        return {}
    return raw if isinstance(raw, dict) else {}


def save_json_object(path: Path, value: dict[str, Any], *, prefix: str) -> None:
    """Write `value` to `path` atomically, unless the file already holds these bytes."""
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    data = text.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return
    except OSError:
        pass  # missing or unreadable: write it
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, _public_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
