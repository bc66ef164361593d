"""Child process of the crash test: recover, then trade until SIGKILLed.

Usage: ``python crash_child.py DATA_DIR SEED``.  Prints ``<seq> <crc32 of the command>``
to stdout, flushed, for every acknowledged command (from a listener, which the sequencer
calls only after the fsync covering that command).  The parent kills it at a random
moment and checks that everything printed is in the recovered journal.
"""
from __future__ import annotations

import os
import random
import sys
import threading
import zlib
from concurrent.futures import Future
from typing import Any, List

from crash_workload import random_command, setup_commands

from openbourse.core.commands import Command
from openbourse.core.engine.codec import encode_command
from openbourse.journal.recovery import recover
from openbourse.runtime.clock import WallClock
from openbourse.runtime.sequencer import Overloaded, Sequencer

IN_FLIGHT = 400


def main(data_dir: str, seed: int) -> None:
    recovery = recover(data_dir)
    assert recovery.writer is not None
    sequencer = Sequencer(recovery.state, recovery.writer, recovery.next_seq,
                          WallClock(recovery.last_ts_ns), last_ts_ns=recovery.last_ts_ns,
                          snapshots=recovery.snapshots, snapshot_every=250,
                          group_window_s=0.001, max_queue=IN_FLIGHT // 2)
    out = sys.stdout

    def print_ack(seq: int, command: Command, events: List[Any]) -> None:
        out.write(f"{seq} {zlib.crc32(encode_command(command))}\n")
        out.flush()

    def on_done(future: "Future[List[Any]]") -> None:
        if future.exception() is not None:  # the parent sees the child die by itself
            sys.stderr.write(f"command failed: {future.exception()!r}\n")
            os._exit(3)
        slots.release()

    sequencer.add_listener(print_ack)
    sequencer.start()
    slots = threading.BoundedSemaphore(IN_FLIGHT)
    rng = random.Random(seed)
    commands = setup_commands() if recovery.last_seq == 0 else []
    index = recovery.last_seq
    while True:
        index += 1
        command = commands.pop(0) if commands else random_command(rng, index)
        slots.acquire()
        while True:
            try:
                future = sequencer.submit(command)
                break
            except Overloaded:
                threading.Event().wait(0.0005)
        future.add_done_callback(on_done)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
