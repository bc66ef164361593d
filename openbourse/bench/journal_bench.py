"""The journaled and replay parts of `openbourse bench engine`.

The journaled run is the sequencer's hot loop without its queues: apply a command,
append its journal record, hand the buffered records to the group-commit thread every
``batch`` commands; the thread writes and fsyncs them and only then acknowledges them.
Throughput counts until the last acknowledgement.

The issue asks for an fsync at least every 5 ms, and the run reports how far apart they
were.  Two settings keep them there:

* the commit thread syncs as soon as it has something (``window_s`` 0): a sync takes
  well under a millisecond here and whatever arrives meanwhile joins the next one;
* the GIL switch interval is 1 ms during the run instead of CPython's 5.  The apply
  loop never blocks, so each time the commit thread woke (for a batch, after its write,
  after its fsync) it waited up to a whole switch interval for the GIL: with 5 ms the
  syncs came every 11-13 ms (median), with 1 ms every 3 ms.  The extra syncs cost up to
  10-25 % of the journaled throughput on this machine (docs/performance.md).
"""
from __future__ import annotations

import sys
import time
from array import array
from typing import Any, List, NamedTuple, Optional, Sequence, Tuple

from ..core.engine import apply
from ..core.engine.state_hash import state_hash
from ..journal import GroupCommitter, recover, replay_all
from ..runtime.gc_control import enter_writer_mode, leave_writer_mode

__all__ = ["run_journaled", "run_replay", "JournaledRun"]

SWITCH_INTERVAL_S = 0.001


class JournaledRun(NamedTuple):
    seconds: float  # until the last acknowledgement
    latencies_ns: "array[int]"  # per command: apply + journal append
    state_hash: str
    fsyncs: int
    fsync_gaps_ns: List[int]  # between consecutive fsyncs completing


def run_journaled(setup: Sequence[Any], commands: Sequence[Any], data_dir: str,
                  window_s: float = 0.0, batch: int = 64) -> JournaledRun:
    """Apply and journal ``commands`` after ``setup`` in ``data_dir`` (module doc)."""
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
    synced_at: List[int] = []  # when each fsync's acknowledgements ran

    def on_durable(error: Optional[BaseException], count: int = 0) -> None:
        if error is not None:
            raise error
        if writer.durable_seq != acknowledged[0]:  # the first batch of a new fsync
            acknowledged[0] = writer.durable_seq
            synced_at.append(time.perf_counter_ns())

    latencies = array("q", bytes(8 * len(commands)))
    clock = time.perf_counter_ns
    append = writer.append
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL_S)
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
        sys.setswitchinterval(switch_interval)
    assert acknowledged[0] == seq - 1, "not every command was acknowledged"
    syncs = committer.sync_count
    committer.close()
    writer.close()
    gaps = [later - earlier for earlier, later in zip(synced_at, synced_at[1:])]
    return JournaledRun(seconds, latencies, state_hash(state), syncs, gaps)


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
