"""A conversation file's YAML node tree, composed by libyaml with a cheaper tag resolver.

libyaml builds the nodes in C but asks PyYAML's Python resolver for the tag of every
scalar: about 25 calls per item, a quarter of the cost of reading a large site's files.
The resolver here gives exactly the tags of the safe loader's (the checks read them: a
name typed as `123` is an int, not text) with less work: a quoted or block scalar, or a
plain one whose first character starts no implicit tag (URLs, names, keys), is text at
once; the few short words that do (`true`, `null`, statuses) are looked up once per process.
"""

from __future__ import annotations

import functools
from typing import Any

__all__ = ["compose_nodes"]

_KNOWN_LIMIT = 4096  # short plain scalars remembered per process (keys, flags, kinds)
_KNOWN_LENGTH = 16


def compose_nodes(text: str) -> Any:
    """The root node of `text` (None for an empty document); raises `yaml.YAMLError`."""
    import yaml

    return yaml.compose(text, Loader=_loader())


@functools.cache
def _loader() -> type[Any]:
    """libyaml's safe loader (PyYAML's own without libyaml) with the resolver below."""
    import yaml
    from yaml.nodes import ScalarNode

    base: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    if None in base.yaml_implicit_resolvers or base.yaml_path_resolvers:
        return base  # a resolver this shortcut does not know of: the standard one
    standard = base.resolve
    text_tag: str = base.DEFAULT_SCALAR_TAG
    starts = frozenset(first for first in base.yaml_implicit_resolvers if first)
    known: dict[str, str] = {}

    class Loader(base):  # type: ignore[misc]
        def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
            if kind is not ScalarNode:
                tag: str = standard(self, kind, value, implicit)
                return tag
            if not implicit[0] or (value and value[0] not in starts):
                return text_tag  # quoted, a block, or nothing could make it another type
            tag = known.get(value) or standard(self, kind, value, implicit)
            if len(value) <= _KNOWN_LENGTH and len(known) < _KNOWN_LIMIT:
                known[value] = tag
            return tag

    return Loader
