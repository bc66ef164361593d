"""Durable command log, snapshots and recovery (imports only ``openbourse.core``).

Startup (crash or not) is ``recover(data_dir)``; the sequencer appends through the
returned ``JournalWriter``; ``replay_all`` is the read-only full replay for tools.
"""
from .format import JournalCorrupt, JournalError, JournalVersionError
from .machine import StateMachine, engine_machine
from .reader import JournalScan, read_records
from .recovery import (
    JOURNAL_FILE,
    EventsCallback,
    Recovery,
    RecoveryError,
    recover,
    recover_storage,
    replay_all,
    replay_storage,
)
from .snapshots import BackgroundSnapshots, LoadedSnapshot, SnapshotInvalid, SnapshotStore
from .storage import FileStorage, LogStorage, MemoryStorage, StorageClosed
from .writer import GroupCommitter, JournalWriteFailed, JournalWriter

__all__ = [
    "JournalError",
    "JournalCorrupt",
    "JournalVersionError",
    "JournalWriteFailed",
    "RecoveryError",
    "StateMachine",
    "engine_machine",
    "JournalScan",
    "read_records",
    "JOURNAL_FILE",
    "EventsCallback",
    "Recovery",
    "recover",
    "recover_storage",
    "replay_all",
    "replay_storage",
    "BackgroundSnapshots",
    "LoadedSnapshot",
    "SnapshotInvalid",
    "SnapshotStore",
    "LogStorage",
    "FileStorage",
    "MemoryStorage",
    "StorageClosed",
    "GroupCommitter",
    "JournalWriter",
]
