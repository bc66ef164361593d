"""The journaled and replay parts of `openbourse bench engine`.

The journaled run is the sequencer's hot loop without its queues, batch by batch and
step by step as the sequencer does it: encode ``batch`` commands, apply them, append
their journal records and hand them to the group-commit thread, which writes and fsyncs
them and only then acknowledges them.  Throughput counts until the last
acknowledgement.  A command's latency is its ``apply`` plus an equal share of its
batch's encoding, framing and hand-off.

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
from ..core.engine.codec import encode_command
from ..core.engine.state_hash import state_hash
from ..journal import GroupCommitter, recover, replay_all
from ..runtime.gc_control import enter_writer_mode, leave_writer_mode

__all__ = ["run_journaled", "run_replay", "JournaledRun"]

SWITCH_INTERVAL_S = 0.001


class JournaledRun(NamedTuple):
    seconds: float  # until the last acknowledgement
    latencies_ns: "array[int]"  # per command: apply + its share of the journal steps
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
    append = writer.append_encoded
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    enter_writer_mode()
    try:
        start = time.perf_counter()
        for first in range(0, len(commands), batch):
            group = commands[first:first + batch]
            began = clock()
            bodies = [encode_command(command) for command in group]
            journaling = clock() - began
            for index, command in enumerate(group, first):
                began = clock()
                apply(state, command)
                latencies[index] = clock() - began
            began = clock()
            for body in bodies:
                append(seq, body)
                seq += 1
            data, last = writer.detach()
            committer.submit(data, last, on_durable, urgent=first + batch >= len(commands))
            journaling += clock() - began
            share = journaling // len(group)  # each command carries its part of the steps
            for index in range(first, first + len(group)):
                latencies[index] += share
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
