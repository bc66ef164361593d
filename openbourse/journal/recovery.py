"""Recovery: the one startup path, crash or not.

    newest valid snapshot (or the empty state)
      + replay of every journal record after the snapshot's seq through ``apply``
      = the state the node had when it last acknowledged a command.

Recovery verifies the whole journal (CRC, lengths, seq continuity), cuts a torn tail
(``JournalScan``), refuses mid-file corruption, and refuses a snapshot that is ahead of
the journal (that would mean acknowledged journal records were lost).  It then opens a
``JournalWriter`` positioned at the next seq, ready for the sequencer.

``replay_all`` is the read-only variant from the empty state (``openbourse replay`` and
``verify``): it never modifies the files, it only reports a torn tail.

Read models: ``on_events(seq, command, events)`` is called for each replayed command,
with the same signature as a sequencer listener, so one projection function serves both
the live stream and the rebuild.  With a snapshot, only commands after it are replayed;
pass ``use_snapshot=False`` when in-memory read models need the full history.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, List, Optional

from ..core.commands import Command
from ..core.engine.codec import decode_commands
from .format import JournalError
from .machine import StateMachine, engine_machine
from .reader import JournalScan
from .snapshots import LoadedSnapshot, SnapshotStore
from .storage import FileStorage, LogStorage
from .writer import JournalWriter

__all__ = [
    "JOURNAL_FILE",
    "EventsCallback",
    "Recovery",
    "RecoveryError",
    "recover",
    "recover_storage",
    "replay_all",
    "replay_storage",
]

JOURNAL_FILE = "journal.log"

#: ``(seq, command, events)`` for each replayed or acknowledged command, in seq order.
EventsCallback = Callable[[int, Command, List[Any]], None]


class RecoveryError(JournalError):
    """Snapshot and journal disagree in a way no crash can explain.  Stop."""


@dataclass
class Recovery:
    state: Any
    last_seq: int  # seq of the last command in the state (0: none)
    last_ts_ns: int  # its timestamp, so new stamps never go below it
    snapshot_seq: int  # seq of the snapshot the replay started from (0: empty state)
    replayed: int  # commands applied by the replay
    torn_bytes: int  # torn tail found (and cut, unless the replay was read-only)
    writer: Optional[JournalWriter]  # positioned at ``next_seq``; None when read-only
    snapshots: Optional[SnapshotStore]

    @property
    def next_seq(self) -> int:
        return self.last_seq + 1


#: records decoded at once during replay (see replay_storage)
_DECODE_STEP = 256


def replay_storage(
    storage: LogStorage,
    machine: StateMachine,
    start: Optional[LoadedSnapshot] = None,
    on_events: Optional[EventsCallback] = None,
    repair: bool = True,
) -> Recovery:
    """Replay ``storage`` onto ``start`` (or the empty state); cut a torn tail if ``repair``."""
    state = start.state if start else machine.new_state()
    snapshot_seq = start.seq if start else 0
    last_ts_ns = start.ts_ns if start else 0
    apply = machine.apply
    scan = JournalScan(storage)
    replayed = 0
    if scan.header is not None and scan.header.start_seq > snapshot_seq + 1:
        raise RecoveryError(
            f"journal starts at seq {scan.header.start_seq}, state is at seq {snapshot_seq}"
        )
    for seq, bodies in scan.batches():
        if seq <= snapshot_seq:  # verified by the scan, already in the snapshot
            skip = min(len(bodies), snapshot_seq + 1 - seq)
            bodies, seq = bodies[skip:], seq + skip
        # A chunk holds ~10,000 records: decoded all at once, they and the state evicted
        # each other from the caches (docs/performance.md), so a few hundred at a time.
        for first in range(0, len(bodies), _DECODE_STEP):
            for command in decode_commands(bodies[first:first + _DECODE_STEP]):
                events = apply(state, command)
                if on_events is not None:
                    on_events(seq, command, events)
                last_ts_ns = command.ts_ns
                seq += 1
        replayed += len(bodies)
    if scan.last_seq < snapshot_seq:
        raise RecoveryError(
            f"snapshot at seq {snapshot_seq} but the journal ends at seq {scan.last_seq}:"
            " acknowledged journal records are missing"
        )
    torn_bytes = scan.torn_bytes
    if repair:
        scan.truncate_tail()
    last_seq = max(scan.last_seq, snapshot_seq)
    return Recovery(state, last_seq, last_ts_ns, snapshot_seq, replayed, torn_bytes, None, None)


def recover_storage(
    storage: LogStorage,
    machine: Optional[StateMachine] = None,
    snapshots: Optional[SnapshotStore] = None,
    on_events: Optional[EventsCallback] = None,
    use_snapshot: bool = True,
    max_snapshot_seq: Optional[int] = None,
) -> Recovery:
    """Recover from any storage (tests and simulation use ``MemoryStorage``)."""
    machine = machine or engine_machine()
    start = None
    if snapshots is not None and use_snapshot:
        start = snapshots.load_latest(max_seq=max_snapshot_seq)
    result = replay_storage(storage, machine, start, on_events, repair=True)
    result.writer = JournalWriter(storage, result.next_seq)
    result.snapshots = snapshots
    return result


def recover(
    data_dir: str,
    machine: Optional[StateMachine] = None,
    on_events: Optional[EventsCallback] = None,
    use_snapshot: bool = True,
    keep_snapshots: int = 3,
    max_snapshot_seq: Optional[int] = None,
) -> Recovery:
    """Startup: recover the state of ``data_dir`` and open its journal for appending.

    ``max_snapshot_seq``: start from the newest snapshot at or below it, e.g. the seq a
    persistent read model has reached, so ``on_events`` sees every command after that.
    The caller owns ``result.writer`` (hand it to the ``Sequencer``; close it at exit).
    """
    os.makedirs(data_dir, exist_ok=True)
    machine = machine or engine_machine()
    snapshots = SnapshotStore(data_dir, machine, keep=keep_snapshots)
    storage = FileStorage(os.path.join(data_dir, JOURNAL_FILE))
    try:
        return recover_storage(
            storage, machine, snapshots, on_events, use_snapshot, max_snapshot_seq
        )
    except BaseException:
        storage.close()
        raise


def replay_all(
    data_dir: str,
    machine: Optional[StateMachine] = None,
    on_events: Optional[EventsCallback] = None,
) -> Recovery:
    """Read-only full replay of ``data_dir``'s journal from the empty state."""
    machine = machine or engine_machine()
    path = os.path.join(data_dir, JOURNAL_FILE)
    storage = FileStorage(path, read_only=True)
    try:
        return replay_storage(storage, machine, None, on_events, repair=False)
    finally:
        storage.close()
