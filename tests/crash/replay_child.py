"""Replay a data directory from scratch in a fresh process (for the determinism test).

Usage: ``python replay_child.py DATA_DIR EVENTS_OUT``.  Writes every replayed event,
``encode_event``-encoded and length-prefixed, to EVENTS_OUT and prints the state hash.
"""
from __future__ import annotations

import struct
import sys
from typing import Any, List

from openbourse.core.commands import Command
from openbourse.core.engine.codec import encode_event
from openbourse.core.engine.state_hash import state_hash
from openbourse.journal.recovery import replay_all

_LENGTH = struct.Struct("<I")


def main(data_dir: str, events_out: str) -> None:
    with open(events_out, "wb") as out:
        def write(seq: int, command: Command, events: List[Any]) -> None:
            for event in events:
                data = encode_event(event)
                out.write(_LENGTH.pack(len(data)) + data)

        result = replay_all(data_dir, on_events=write)
    print(result.last_seq, state_hash(result.state))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
