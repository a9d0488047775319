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
_UNKNOWN: dict[str, Any] = {}  # `_tails` has no answer yet (compared by identity)


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
    _tails: ClassVar[dict[int, dict[str, Any] | None]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        names = _field_names(cls)
        defaults = {name: getattr(cls, name) for name in names if hasattr(cls, name)}
        for earlier, name in pairwise(names):
            if earlier in defaults and name not in defaults:
                raise TypeError(f"{cls.__name__}: {name!r} without a default follows a default")
        cls.__match_args__ = names  # type: ignore[misc]  # set once, as a dataclass does
        cls._defaults = defaults
        cls._tails = {}  # positional count -> the defaults after it, on first use
        if len(names) > 1:
            cls._values = staticmethod(attrgetter(*names))
        else:  # attrgetter of one name returns the value itself, not a tuple
            cls._values = staticmethod(lambda record: tuple(getattr(record, n) for n in names))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The two usual calls, every field given positionally or every one by name, are set in
        # one C-level update (in field order, as the general way sets them); any other call
        # (defaults to fill in, a mix, a mistake) takes `_init_fields`, which says what is wrong.
        names = self.__match_args__
        if not kwargs:
            if len(args) == len(names):
                self.__dict__.update(zip(names, args, strict=True))  # past the refusing __setattr__
                return
        elif not args and len(kwargs) == len(names):
            try:
                values = list(map(kwargs.__getitem__, names))
            except KeyError:
                pass  # a name that is not a field: reported below
            else:
                self.__dict__.update(zip(names, values, strict=True))
                return
        self._init_fields(args, kwargs)

    def _init_fields(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """Any other call: positional then keyword arguments, the defaults for the rest."""
        names = self.__match_args__
        given = len(args)
        if given > len(names):
            raise TypeError(f"{type(self).__name__}() takes {len(names)} arguments")
        if not kwargs:  # the first fields by position, the defaults after them
            tail = self._tails.get(given, _UNKNOWN)
            if tail is _UNKNOWN:
                tail = self._tails[given] = self._tail_defaults(given)
            if tail is not None:
                fields = self.__dict__
                fields.update(zip(names, args, strict=False))
                fields.update(tail)  # in field order: `names[given:]`
                return
        values = dict(zip(names, args, strict=False))
        for name, value in kwargs.items():
            if name not in names or name in values:
                raise TypeError(f"{type(self).__name__}() got an unexpected or repeated {name!r}")
            values[name] = value
        if len(values) < len(names):
            for name in names[given:]:  # the positional ones are there
                if name not in values:
                    if name not in self._defaults:
                        raise TypeError(f"{type(self).__name__}() is missing {name!r}")
                    values[name] = self._defaults[name]
        self.__dict__.update(values)  # past the refusing __setattr__, as set_field is

    @classmethod
    def _tail_defaults(cls, given: int) -> dict[str, Any] | None:
        """The defaults of the fields after the first `given`, or None if one has none."""
        rest = cls.__match_args__[given:]
        if not all(name in cls._defaults for name in rest):
            return None
        return {name: cls._defaults[name] for name in rest}

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
