"""Canonical bytes for commands and events.

A record is ``marshal`` of ``(tag, field, field, ...)`` where ``tag`` is the type's index
in ``COMMAND_TYPES`` / ``EVENT_TYPES`` and nested commands (batches) are encoded the same
way.  Fields are only ints (any size), strs, ``None`` and tuples, for which marshal
format version 2 is stable and byte-for-byte deterministic; it is implemented in C, which
keeps journaling cheap on the hot path.  ``CODEC_VERSION`` goes into the journal header so
a future format change is detected instead of misread.
"""
from __future__ import annotations

import marshal
from typing import Any, Dict, Tuple

from ..commands import COMMAND_TYPES, Command
from ..events import EVENT_TYPES

__all__ = [
    "CODEC_VERSION",
    "encode_command",
    "decode_command",
    "encode_event",
    "decode_event",
    "command_to_tuple",
    "command_from_tuple",
]

CODEC_VERSION = 1
_MARSHAL_VERSION = 2  # no back-references: output never depends on object identity

_COMMAND_TAG: Dict[type, int] = {cls: tag for tag, cls in enumerate(COMMAND_TYPES)}
_EVENT_TAG: Dict[type, int] = {cls: tag for tag, cls in enumerate(EVENT_TYPES)}


def command_to_tuple(command: Command) -> Tuple[Any, ...]:
    fields = tuple(
        tuple(command_to_tuple(item) for item in value) if type(value) is tuple else value
        for value in command
    )
    return (_COMMAND_TAG[type(command)],) + fields


def command_from_tuple(record: Tuple[Any, ...]) -> Command:
    cls = COMMAND_TYPES[record[0]]
    fields = [
        tuple(command_from_tuple(item) for item in value) if type(value) is tuple else value
        for value in record[1:]
    ]
    return cls(*fields)  # type: ignore[no-any-return]


def encode_command(command: Command) -> bytes:
    return marshal.dumps(command_to_tuple(command), _MARSHAL_VERSION)


def decode_command(data: bytes) -> Command:
    return command_from_tuple(marshal.loads(data))


def encode_event(event: Any) -> bytes:
    return marshal.dumps((_EVENT_TAG[type(event)],) + tuple(event), _MARSHAL_VERSION)


def decode_event(data: bytes) -> Any:
    record = marshal.loads(data)
    return EVENT_TYPES[record[0]](*record[1:])
