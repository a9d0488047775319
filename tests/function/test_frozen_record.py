"""`FrozenRecord` behaves as the frozen dataclass it replaces: construction by position and
keyword with defaults, refusal of bad arguments, equality, hash, repr, immutability, `match`
and pickling."""

from __future__ import annotations

import pickle
from dataclasses import FrozenInstanceError

import pytest
from site_function.frozen_record import FrozenRecord
from site_function.inbox_events import FollowRequested
from site_function.store.records import ModerationResult


class Pair(FrozenRecord):
    left: str
    right: int = 2


def test_construction_equality_hash_and_repr() -> None:
    by_position, by_keyword = Pair("a", 2), Pair(left="a")
    assert by_position == by_keyword
    assert hash(by_position) == hash(by_keyword)
    assert Pair("a", 3) != by_position
    assert Pair("a") != ("a", 2)
    assert repr(by_keyword) == "Pair(left='a', right=2)"
    assert FollowRequested("actor", "follow").new is True


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((), {}, "missing 'left'"),
        (("a", 1, 2), {}, "takes 2 arguments"),
        (("a",), {"left": "b"}, "repeated 'left'"),
        (("a",), {"colour": "red"}, "unexpected or repeated 'colour'"),
    ],
)
def test_bad_arguments_are_refused(
    args: tuple[object, ...], kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        Pair(*args, **kwargs)  # type: ignore[arg-type]


def test_frozen_match_and_pickle() -> None:
    pair = Pair("a", 5)
    with pytest.raises(FrozenInstanceError):
        pair.left = "b"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        del pair.right
    match pair:
        case Pair(left, right=right):
            assert (left, right) == ("a", 5)
        case _:
            pytest.fail("a positional and keyword pattern must match")
    assert pickle.loads(pickle.dumps(pair)) == pair


def test_a_default_cannot_precede_a_required_field() -> None:
    with pytest.raises(TypeError, match="without a default follows a default"):

        class Wrong(FrozenRecord):
            first: int = 1
            second: str  # type: ignore[misc]  # what the test is about


def test_an_own_init_normalizes_arguments() -> None:
    assert ModerationResult() == ModerationResult(changed=[], unchanged=[], missing=[])


def test_every_field_by_position_or_by_name_sets_them_in_field_order() -> None:
    by_position = Pair("a", 3)
    by_name = Pair(right=3, left="a")  # given out of order: stored in field order all the same
    assert by_position == by_name
    assert list(vars(by_name).items()) == [("left", "a"), ("right", 3)]
    assert list(vars(by_position)) == ["left", "right"]
    with pytest.raises(TypeError, match="unexpected or repeated 'colour'"):
        Pair(left="a", colour="red")  # type: ignore[call-arg]  # as many names as fields
    with pytest.raises(TypeError, match="unexpected or repeated 'colour'"):
        Pair(colour="red", right=1)  # type: ignore[call-arg]


class Triple(FrozenRecord):
    first: str
    second: int = 2
    third: tuple[int, ...] = ()


def test_leading_fields_by_position_take_the_defaults_after_them() -> None:
    assert Triple("a") == Triple("a", 2, ())
    assert list(vars(Triple("a", 5)).items()) == [("first", "a"), ("second", 5), ("third", ())]
    assert Triple("a", third=(1,)) == Triple("a", 2, (1,))
    assert Triple("b") == Triple(first="b")  # the remembered defaults serve later calls too
    with pytest.raises(TypeError, match="missing 'first'"):
        Triple()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="missing 'first'"):
        Triple()  # type: ignore[call-arg]  # the remembered answer for no arguments is None
