"""The journaled and replay parts of `openbourse bench engine`.

The journaled run is the sequencer's hot loop without its queues: apply a command,
append its journal record, hand the buffered records to the group-commit thread every
``batch`` commands; the thread writes and fsyncs them (at least every ``window_s``) and
only then acknowledges them.  Throughput counts until the last acknowledgement.
"""
from __future__ import annotations

import time
from array import array
from typing import Any, List, Optional, Sequence, Tuple

from ..core.engine import apply
from ..core.engine.state_hash import state_hash
from ..journal import GroupCommitter, recover, replay_all
from ..runtime.gc_control import enter_writer_mode, leave_writer_mode

__all__ = ["run_journaled", "run_replay"]


def run_journaled(setup: Sequence[Any], commands: Sequence[Any], data_dir: str,
                  window_s: float = 0.005, batch: int = 256
                  ) -> Tuple[float, "array[int]", str, int]:
    """(seconds until the last ack, per-command latencies in ns, state hash, fsyncs)."""
    recovery = recover(data_dir)
    state, writer, seq = recovery.state, recovery.writer, recovery.next_seq
    assert writer is not None
    for command in setup:
        apply(state, command)
        writer.append(seq, command)
        seq += 1
    writer.commit()
    committer = GroupCommitter(writer, window_s)
    acknowledged: List[int] = [0]

    def on_durable(error: Optional[BaseException], count: int = 0) -> None:
        if error is not None:
            raise error
        acknowledged[0] = writer.durable_seq

    latencies = array("q", bytes(8 * len(commands)))
    clock = time.perf_counter_ns
    append = writer.append
    enter_writer_mode()
    try:
        start = time.perf_counter()
        for index, command in enumerate(commands):
            began = clock()
            apply(state, command)
            append(seq, command)
            seq += 1
            latencies[index] = clock() - began
            if writer.buffered >= batch:
                data, last = writer.detach()
                committer.submit(data, last, on_durable, urgent=False)
        data, last = writer.detach()
        committer.submit(data, last, on_durable, urgent=True)
        committer.flush()
        seconds = time.perf_counter() - start
    finally:
        leave_writer_mode()
    assert acknowledged[0] == seq - 1, "not every command was acknowledged"
    syncs = committer.sync_count
    committer.close()
    writer.close()
    return seconds, latencies, state_hash(state), syncs


def run_replay(data_dir: str) -> Tuple[float, str, int]:
    """(seconds, state hash, commands replayed) for a full replay from the empty state."""
    enter_writer_mode()
    try:
        start = time.perf_counter()
        result = replay_all(data_dir)
        seconds = time.perf_counter() - start
    finally:
        leave_writer_mode()
    return seconds, state_hash(result.state), result.replayed
