"""In-process simulation: the real sequencer and engine over a storage that loses power.

Each cycle recovers from the previous power cut, runs the sequencer (random batch sizes
and group windows), and cuts power at a random moment while commands are in flight:
unsynced bytes are lost, torn, or scrambled sector by sector.  Checks: recovery never
refuses a legitimate crash (the durable-lag rule in ``reader.py``), every acknowledged
command is in the journal byte for byte, and the recovered state passes the invariants
and equals a full replay.
"""
from __future__ import annotations

import random
import threading
from typing import Any, Dict, List

import pytest
from crash_workload import workload

from openbourse.core.commands import Command
from openbourse.core.engine.codec import encode_command
from openbourse.core.engine.invariants import check_all
from openbourse.core.engine.state_hash import state_hash
from openbourse.journal.machine import engine_machine
from openbourse.journal.reader import JournalScan
from openbourse.journal.recovery import recover_storage, replay_storage
from openbourse.journal.storage import MemoryStorage
from openbourse.runtime.clock import FakeClock
from openbourse.runtime.sequencer import Overloaded, Sequencer

MACHINE = engine_machine()


def _check_journal(storage: MemoryStorage, acknowledged: Dict[int, bytes]) -> None:
    """Every acknowledged command is in the journal with exactly the bytes it had."""
    image = MemoryStorage(storage.read(0, storage.size()))
    journal = {seq: body for seq, body in JournalScan(image)}
    for seq, body in acknowledged.items():
        assert journal.get(seq) == body, f"acknowledged seq {seq} lost or changed"


def _live_cycle(storage: MemoryStorage, commands: List[Command], rng: random.Random,
                acknowledged: Dict[int, bytes]) -> MemoryStorage:
    """Recover, run until a random number of acks, cut the power; returns the image."""
    recovery = recover_storage(storage, MACHINE)
    assert recovery.writer is not None
    assert max(acknowledged, default=0) <= recovery.last_seq
    check_all(recovery.state)
    storage.sync_delay_s = rng.choice((0.0002, 0.001, 0.003))  # a disk, not a no-op
    sequencer = Sequencer(recovery.state, recovery.writer, recovery.next_seq,
                          FakeClock(step_ns=1_000), machine=MACHINE,
                          last_ts_ns=recovery.last_ts_ns, max_queue=2_000,
                          max_batch=rng.choice((1, 7, 64, 1_000)),
                          group_window_s=rng.choice((0.0, 0.0005, 0.005)))
    target = rng.randint(0, 300)
    reached = threading.Event()

    def listener(seq: int, command: Command, events: List[Any]) -> None:
        acknowledged[seq] = encode_command(command)
        if len(acknowledged) >= target:
            reached.set()

    sequencer.add_listener(listener)
    sequencer.start()
    for command in commands[recovery.last_seq : recovery.last_seq + 600]:
        try:
            sequencer.submit(command)
        except Overloaded:
            break
    reached.wait(30)
    image = storage.crash(rng, tear=rng.random() < 0.9, scramble=rng.random() < 0.5)
    sequencer.stop()  # the old process: its writes after the cut fail, nothing is acked
    return image


@pytest.mark.parametrize("seed", range(12))
def test_power_cuts_under_a_live_sequencer(seed: int) -> None:
    rng = random.Random(seed)
    commands = workload(seed, 3_000)
    acknowledged: Dict[int, bytes] = {}
    storage = MemoryStorage()
    for _ in range(4):
        storage = _live_cycle(storage, commands, rng, acknowledged)
        _check_journal(storage, acknowledged)
    final = recover_storage(storage, MACHINE)
    assert max(acknowledged, default=0) <= final.last_seq
    check_all(final.state)
    _check_journal(storage, acknowledged)
    full = replay_storage(storage, MACHINE, repair=False)
    assert full.torn_bytes == 0 and full.last_seq == final.last_seq
    assert state_hash(full.state) == state_hash(final.state)
