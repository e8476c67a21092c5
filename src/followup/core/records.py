"""Record and Frozen: what @dataclass generates for a class (==, hash, repr, order, frozen), written
once here for every record instead of compiled for each.

@dataclass builds each generated method by compiling source text when the class is defined: about
half a millisecond for a frozen class, ~10 ms for the ~20 records a cold `followup advise` defines
(Python 3.11). A record here is still a dataclass, declared @dataclass(init=False, repr=False,
eq=False), so dataclasses.fields, replace and is_dataclass work as before; it writes its own
__init__ (the same signature the dataclass would generate; a frozen one sets its fields with
object.__setattr__, as a frozen dataclass does) and takes the other methods from these bases,
which behave as the generated ones: == and order compare the fields that have compare=True, in
order, between instances of the same class only; a Frozen record hashes them and refuses
assignment and deletion (FrozenInstanceError); a Record is mutable and unhashable; repr shows every
field. tests/core/test_records.py holds each record to its dataclass twin.
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError, fields
from operator import attrgetter
from typing import Any

_KEYS: dict[type, tuple[tuple[str, ...], Any]] = {}  # class -> (field names, getter of compared fields)


def _layout(cls: type) -> tuple[tuple[str, ...], Any]:
    """A record class's field names and a function giving the tuple of its compared fields."""
    found = _KEYS.get(cls)
    if found is None:
        compared = [f.name for f in fields(cls) if f.compare]
        found = _KEYS[cls] = (tuple(f.name for f in fields(cls)), _getter(compared))
    return found


def _getter(names: list[str]) -> Any:
    if len(names) > 1:
        return attrgetter(*names)  # a C function returning the tuple
    if names:  # attrgetter of one name gives the value, not a 1-tuple
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return lambda obj: ()


class Record:
    """A mutable record: ==, order (for subclasses that ask for it) and repr; not hashable."""

    __slots__ = ()  # (defining __eq__ and not __hash__ makes it unhashable, as a dataclass with eq)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            key = _layout(self.__class__)[1]
            return bool(key(self) == key(other))
        return NotImplemented

    def __repr__(self) -> str:
        names = _layout(self.__class__)[0]
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{self.__class__.__qualname__}({shown})"


class Frozen(Record):
    """A frozen record: a Record that is hashable and refuses assignment and deletion."""

    __slots__ = ()

    def __hash__(self) -> int:
        return hash(_layout(self.__class__)[1](self))

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")


class Ordered(Frozen):
    """A frozen record with <, <=, > and >= over its compared fields (dataclass order=True)."""

    __slots__ = ()

    def _key(self, other: object) -> tuple[Any, Any] | None:
        if other.__class__ is self.__class__:
            key = _layout(self.__class__)[1]
            return key(self), key(other)
        return None

    def __lt__(self, other: object) -> bool:
        pair = self._key(other)
        return NotImplemented if pair is None else bool(pair[0] < pair[1])

    def __le__(self, other: object) -> bool:
        pair = self._key(other)
        return NotImplemented if pair is None else bool(pair[0] <= pair[1])

    def __gt__(self, other: object) -> bool:
        pair = self._key(other)
        return NotImplemented if pair is None else bool(pair[0] > pair[1])

    def __ge__(self, other: object) -> bool:
        pair = self._key(other)
        return NotImplemented if pair is None else bool(pair[0] >= pair[1])
