"""Live run and replay in fresh processes with other hash seeds give identical bytes.

The seeded workload goes through the real sequencer (wall clock, group commit, real file
journal); every acknowledged event is encoded with ``encode_event``.  Then the journal is
replayed from seq 1 in subprocesses with different ``PYTHONHASHSEED`` values: the encoded
event streams must be byte-identical and the state hashes equal.  Any dependence on set
or dict-of-str iteration order, ``hash()`` or ``id()`` in the engine shows up here.
"""
from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any, List

from crash_workload import workload

from openbourse.core.commands import Command
from openbourse.core.engine.codec import encode_event
from openbourse.core.engine.invariants import check_all
from openbourse.core.engine.state_hash import state_hash
from openbourse.journal.recovery import recover
from openbourse.runtime.clock import WallClock
from openbourse.runtime.sequencer import Sequencer

REPLAY = Path(__file__).with_name("replay_child.py")
_LENGTH = struct.Struct("<I")


def _live_run(data_dir: Path, seed: int, count: int) -> "tuple[bytes, str, int]":
    recovery = recover(str(data_dir))
    assert recovery.writer is not None and recovery.last_seq == 0
    sequencer = Sequencer(recovery.state, recovery.writer, 1, WallClock(), max_queue=100_000)
    stream: List[bytes] = []

    def record(seq: int, command: Command, events: List[Any]) -> None:
        for event in events:
            data = encode_event(event)
            stream.append(_LENGTH.pack(len(data)) + data)

    sequencer.add_listener(record)
    sequencer.start()
    futures = [sequencer.submit(command) for command in workload(seed, count)]
    for future in futures:
        future.result(timeout=60)
    digest = sequencer.query(state_hash)
    sequencer.query(check_all)
    last_seq = sequencer.last_seq
    sequencer.stop()
    recovery.writer.close()
    return b"".join(stream), digest, last_seq


def _replay(data_dir: Path, out: Path, hash_seed: str) -> "tuple[int, str]":
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    completed = subprocess.run(
        [sys.executable, str(REPLAY), str(data_dir), str(out)],
        env=env, capture_output=True, text=True, timeout=120, cwd=REPLAY.parent,
    )
    assert completed.returncode == 0, completed.stderr
    last_seq, digest = completed.stdout.split()
    return int(last_seq), digest


def test_replay_in_other_processes_is_byte_identical(tmp_path: Path) -> None:
    data_dir = tmp_path / "node"
    live_events, live_hash, live_last = _live_run(data_dir, seed=424242, count=4_000)
    assert len(live_events) > 100_000  # a real run: trades, cancels, rejects
    for hash_seed in ("1", "987654321"):
        out = tmp_path / f"events-{hash_seed}.bin"
        last_seq, digest = _replay(data_dir, out, hash_seed)
        assert (last_seq, digest) == (live_last, live_hash), hash_seed
        replayed = out.read_bytes()
        assert len(replayed) == len(live_events), hash_seed
        assert replayed == live_events, hash_seed
