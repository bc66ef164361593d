"""The exact type of every field of a command or event class, from its annotations.

Commands and events are NamedTuples of ints, strs and (batches) tuples, which is what
the journal encodes.  ``tuple(map(type, value)) == field_types(type(value))`` checks all
fields of one value in a single comparison, and exactly: ``type(True)`` is ``bool``,
not ``int``.
"""
from __future__ import annotations

from typing import Tuple

__all__ = ["field_types"]

_DECLARED = {"int": int, "str": str}


def field_types(cls: type) -> Tuple[type, ...]:
    """The declared type of each field of NamedTuple class ``cls``, in field order.

    Raises ``TypeError`` for a field of any other type: the journal could not hold it."""
    types = []
    for name in cls._fields:  # type: ignore[attr-defined]
        annotation = cls.__annotations__[name]
        declared = str(getattr(annotation, "__forward_arg__", annotation))  # a ForwardRef
        if declared.startswith(("Tuple[", "tuple")):
            types.append(tuple)
        elif declared in _DECLARED:
            types.append(_DECLARED[declared])
        else:
            raise TypeError(f"{cls.__name__}.{name}: {declared} is not int, str or a tuple")
    return tuple(types)
