"""The real sequencer, engine and journal, driven in lockstep so that a seed fixes the run.

The node is the production ``Sequencer`` (its three threads: sequencer, journal writer,
dispatcher) over ``journal.recover_storage`` on a ``SimDisk``, stamped by a ``FakeClock``.
Threads make timing vary, so the simulator removes every timing-dependent choice:

* One step = a group of commands that must reach the sequencer together.  The driver
  parks the sequencer thread inside a query, queues the whole group, then releases it:
  the sequencer takes the group in one batch (``max_batch`` is larger than any group),
  applies and journals it, and hands it to the writer as one append + one fsync.
* The driver waits until every command of the step is answered before the next one,
  so each record's "durable through" field, the bytes of each append, and therefore
  each of the disk's fault rolls are the same in every run of a seed.
* Only the sequencer thread reads the clock, once per command, in seq order.

What stays concurrent (apply while the writer syncs, listeners on the dispatcher) is
the production code path; only the grouping is pinned.  Snapshots are taken by the
driver between steps (the state is then fully durable, as the sequencer's own rule
requires) and kept in memory by ``MemorySnapshots``.
"""
from __future__ import annotations

import threading
from concurrent.futures import Future
from concurrent.futures import wait as wait_futures
from typing import Any, Callable, Dict, List, Optional, Tuple

from ...core.commands import Command
from ...journal.machine import StateMachine
from ...journal.recovery import EventsCallback, Recovery, recover_storage
from ...journal.snapshots import LoadedSnapshot
from ...runtime.clock import FakeClock
from ...runtime.sequencer import Sequencer
from .disk import SimDisk

__all__ = ["SimNode", "MemorySnapshots", "StepTimeout"]

_TIMEOUT_S = 60.0


class StepTimeout(AssertionError):
    """The node did not answer a step in time (a hang is a failure too)."""


class MemorySnapshots:
    """``SnapshotStore``'s loading side, in memory: the newest snapshot at or below a seq."""

    def __init__(self, machine: StateMachine) -> None:
        self.machine = machine
        self.taken: Dict[int, Tuple[int, bytes, str]] = {}  # seq -> (ts_ns, bytes, hash)

    def add(self, seq: int, ts_ns: int, state_bytes: bytes, digest: str) -> None:
        self.taken[seq] = (ts_ns, state_bytes, digest)

    def load_latest(self, max_seq: Optional[int] = None) -> Optional[LoadedSnapshot]:
        usable = [s for s in self.taken if max_seq is None or s <= max_seq]
        if not usable:
            return None
        seq = max(usable)
        ts_ns, state_bytes, digest = self.taken[seq]
        state = self.machine.decode_state(state_bytes)
        if self.machine.state_hash(state) != digest:
            raise AssertionError(f"snapshot at seq {seq} does not decode to its hash")
        return LoadedSnapshot(seq, ts_ns, state, digest, f"memory:{seq}")


Listener = Callable[[int, Command, List[Any]], None]


class SimNode:
    """One life of the node: recover from ``disk``, run steps until stopped or cut."""

    def __init__(self, disk: SimDisk, clock: FakeClock, machine: StateMachine,
                 snapshots: MemorySnapshots, listener: Listener,
                 on_replay: Optional[EventsCallback] = None) -> None:
        self.disk = disk
        self.machine = machine
        self.recovery: Recovery = recover_storage(disk, machine, snapshots, on_events=on_replay)
        assert self.recovery.writer is not None
        self.sequencer = Sequencer(
            self.recovery.state, self.recovery.writer, self.recovery.next_seq, clock,
            machine=machine, last_ts_ns=self.recovery.last_ts_ns, max_queue=1_000_000,
            max_batch=100_000, group_window_s=0.0,
        )
        self.sequencer.add_listener(listener)
        self.sequencer.start()
        self.stopped = False

    def step(self, commands: List[Command]) -> List["Future[List[Any]]"]:
        """Submit ``commands`` as one group; return their futures once all are answered."""
        release = threading.Event()
        parked = threading.Event()

        def park(state: Any) -> None:
            parked.set()
            release.wait(_TIMEOUT_S)

        held = self.sequencer.query_future(park)
        if not parked.wait(_TIMEOUT_S):
            raise StepTimeout("the sequencer did not pick up the parking query")
        futures = [self.sequencer.submit(command) for command in commands]
        self.disk.armed = True
        release.set()
        done, pending = wait_futures(futures + [held], timeout=_TIMEOUT_S)
        self.disk.armed = False
        if pending:
            raise StepTimeout(f"{len(pending)} commands unanswered after {_TIMEOUT_S}s")
        return futures

    def query(self, fn: Callable[[Any], Any]) -> Any:
        return self.sequencer.query(fn, timeout=_TIMEOUT_S)

    def stop(self) -> None:
        """Stop the threads (after a power cut this is the dead process being reaped)."""
        if not self.stopped:
            self.stopped = True
            self.sequencer.stop(timeout=_TIMEOUT_S)
            if not self.disk.cut.is_set():
                self.disk.close()
