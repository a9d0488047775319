"""`FrozenRecord`: small immutable value classes without `@dataclass(frozen=True)`'s cost.

A frozen dataclass compiles its `__init__`, `__repr__`, `__eq__`, `__hash__`, `__setattr__` and
`__delattr__` with `exec` when its module is imported: about a millisecond per class, and the
inbox's events and the store's records are dozens of classes that every cold start imports.
A `FrozenRecord` subclass is declared as a frozen dataclass is (annotated fields in order,
defaults as class attributes); type checkers read it as one (`dataclass_transform`), and at
import it only collects its field names. One shared `__init__`, equality and hash over the
fields in order, the same repr, `FrozenInstanceError` on assignment, keyword and positional
`match` patterns and pickling behave as the dataclass's did. A class that needs to normalize
its arguments writes its own `__init__` and assigns through `set_field`.
"""

from __future__ import annotations

import inspect
from dataclasses import FrozenInstanceError
from itertools import pairwise
from operator import attrgetter
from typing import Any, ClassVar, dataclass_transform

__all__ = ["FrozenRecord", "set_field"]

# Custom `__init__`s assign through this: the class's own `__setattr__` refuses every assignment.
set_field = object.__setattr__


def _field_names(cls: type) -> tuple[str, ...]:
    """Annotated names of `cls` and its record bases, bases first (ClassVars are not fields)."""
    names: dict[str, None] = {}
    for klass in reversed(cls.__mro__):
        if klass is object or klass is FrozenRecord:
            continue
        for name, annotation in inspect.get_annotations(klass).items():
            if not str(annotation).startswith(("ClassVar", "typing.ClassVar")):
                names[name] = None
    return tuple(names)


@dataclass_transform(frozen_default=True)
class FrozenRecord:
    """Base of a frozen value class declared by its annotated fields (see the module)."""

    __match_args__: ClassVar[tuple[str, ...]] = ()
    _values: ClassVar[Any]
    _defaults: ClassVar[dict[str, Any]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        names = _field_names(cls)
        defaults = {name: getattr(cls, name) for name in names if hasattr(cls, name)}
        for earlier, name in pairwise(names):
            if earlier in defaults and name not in defaults:
                raise TypeError(f"{cls.__name__}: {name!r} without a default follows a default")
        cls.__match_args__ = names  # type: ignore[misc]  # set once, as a dataclass does
        cls._defaults = defaults
        if len(names) > 1:
            cls._values = staticmethod(attrgetter(*names))
        else:  # attrgetter of one name returns the value itself, not a tuple
            cls._values = staticmethod(lambda record: tuple(getattr(record, n) for n in names))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        names = self.__match_args__
        if len(args) > len(names):
            raise TypeError(f"{type(self).__name__}() takes {len(names)} arguments")
        values = dict(zip(names, args, strict=False))
        for name, value in kwargs.items():
            if name not in names or name in values:
                raise TypeError(f"{type(self).__name__}() got an unexpected or repeated {name!r}")
            values[name] = value
        if len(values) < len(names):
            for name in names:
                if name not in values:
                    if name not in self._defaults:
                        raise TypeError(f"{type(self).__name__}() is missing {name!r}")
                    values[name] = self._defaults[name]
        self.__dict__.update(values)  # past the refusing __setattr__, as set_field is

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        equal: bool = self._values(self) == self._values(other)
        return equal

    def __hash__(self) -> int:
        return hash(self._values(self))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__match_args__)
        return f"{self.__class__.__qualname__}({shown})"

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        # Rebuilt through `__init__`, whose parameters are the fields in their order.
        return self.__class__, tuple(self._values(self))
