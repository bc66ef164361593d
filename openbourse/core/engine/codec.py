"""Canonical bytes for commands and events.

A record is ``marshal`` of ``(tag, field, field, ...)`` where ``tag`` is the type's journal
tag (``engine/products.py``: the core's types by their index in ``COMMAND_TYPES`` /
``EVENT_TYPES``, products' types by their reserved tags) and nested commands (batches) are
encoded the same way.  Fields are only ints (any size), strs, ``None`` and tuples, for
which marshal format version 2 is stable and byte-for-byte deterministic; it is
implemented in C, which keeps journaling cheap on the hot path.  ``CODEC_VERSION`` goes
into the journal header so a future format change is detected instead of misread.
"""
from __future__ import annotations

import marshal
from typing import Any, Dict, List, Sequence, Tuple

from ..commands import BatchCancel, BatchPlace, Command
from .products import COMMAND_TAGS, EVENT_TAGS

__all__ = [
    "CODEC_VERSION",
    "encode_command",
    "decode_command",
    "decode_commands",
    "encode_event",
    "decode_event",
    "command_to_tuple",
    "command_from_tuple",
]

CODEC_VERSION = 1
_MARSHAL_VERSION = 2  # no back-references: output never depends on object identity

_COMMAND_TAG: Dict[type, int] = {cls: tag for tag, cls in COMMAND_TAGS.items()}
_EVENT_TAG: Dict[type, int] = {cls: tag for tag, cls in EVENT_TAGS.items()}


#: Commands with nested commands (batches); every other command is a flat tuple of scalars
#: and takes the fast path below (this runs for every journaled and replayed command).
_NESTED = frozenset((BatchPlace, BatchCancel))
assert all(any("Tuple[" in str(a) for a in cls.__annotations__.values()) == (cls in _NESTED)
           for cls in COMMAND_TAGS.values()), (
    "a command with nested commands is missing from _NESTED")
_tuple_new = tuple.__new__


def command_to_tuple(command: Command) -> Tuple[Any, ...]:
    cls = type(command)
    if cls not in _NESTED:
        return (_COMMAND_TAG[cls],) + tuple(command)
    fields = tuple(
        tuple(command_to_tuple(item) for item in value) if type(value) is tuple else value
        for value in command
    )
    return (_COMMAND_TAG[cls],) + fields


def command_from_tuple(record: Tuple[Any, ...]) -> Command:
    cls = COMMAND_TAGS[record[0]]
    if cls not in _NESTED:
        if len(record) - 1 != len(cls._fields):
            raise ValueError(f"{cls.__name__} record has {len(record) - 1} fields")
        return _tuple_new(cls, record[1:])  # type: ignore[no-any-return]
    fields = [
        tuple(command_from_tuple(item) for item in value) if type(value) is tuple else value
        for value in record[1:]
    ]
    return cls(*fields)  # type: ignore[no-any-return]


def encode_command(command: Command) -> bytes:
    return marshal.dumps(command_to_tuple(command), _MARSHAL_VERSION)


def decode_command(data: bytes) -> Command:
    return command_from_tuple(marshal.loads(data))


_FIELD_COUNT: Dict[type, int] = {cls: len(cls._fields) for cls in COMMAND_TAGS.values()}
_END = marshal.dumps(None, _MARSHAL_VERSION)


def decode_commands(bodies: Sequence[bytes]) -> List[Command]:
    """``decode_command`` of each body, with one ``marshal.loads`` for all (replay).

    The bodies are framed as the items of one marshal tuple, followed by a ``None``
    sentinel: a body that is not exactly one object would shift the items and the
    sentinel, and the batch is then decoded record by record (which raises where
    ``decode_command`` would).
    """
    count = len(bodies) + 1
    try:
        records = marshal.loads(b"(" + count.to_bytes(4, "little") + b"".join(bodies) + _END)
    except (EOFError, ValueError, TypeError):
        records = None
    if records is None or records[-1] is not None:
        return [decode_command(body) for body in bodies]
    commands: List[Command] = []
    append = commands.append
    for index in range(count - 1):
        record = records[index]
        cls = COMMAND_TAGS.get(record[0]) if type(record) is tuple and record else None
        if cls is None or cls in _NESTED or len(record) - 1 != _FIELD_COUNT[cls]:
            append(decode_command(bodies[index]))  # batches; a bad record raises here
        else:
            append(_tuple_new(cls, record[1:]))
    return commands


def encode_event(event: Any) -> bytes:
    return marshal.dumps((_EVENT_TAG[type(event)],) + tuple(event), _MARSHAL_VERSION)


def decode_event(data: bytes) -> Any:
    record = marshal.loads(data)
    return EVENT_TAGS[record[0]](*record[1:])
