"""Group commit: callbacks fire only after the fsync that covers their records."""
from __future__ import annotations

import threading
from typing import List, Optional

import pytest
from journal_toy_machine import toy_commands

from openbourse.journal.format import MAX_UNSYNCED
from openbourse.journal.reader import JournalScan
from openbourse.journal.storage import MemoryStorage
from openbourse.journal.writer import (
    DurableCallback,
    GroupCommitter,
    JournalWriteFailed,
    JournalWriter,
)

COMMANDS = toy_commands(50, seed=3)


def test_commit_makes_records_durable() -> None:
    storage = MemoryStorage()
    writer = JournalWriter(storage, next_seq=1)
    for seq, command in enumerate(COMMANDS[:10], start=1):
        writer.append(seq, command)
    assert storage.synced_size == storage.size()  # only the header so far
    header_size = storage.size()
    assert writer.commit() == 10
    assert storage.synced_size == storage.size() > header_size
    crashed = storage.crash()
    assert [seq for seq, _ in JournalScan(crashed)] == list(range(1, 11))


def test_big_writes_are_synced_in_slices() -> None:
    storage = MemoryStorage()
    writer = JournalWriter(storage, next_seq=1)
    syncs_before = storage.sync_count
    writer.write_and_sync(b"\0" * (2 * MAX_UNSYNCED + 1), last_seq=0)
    assert storage.sync_count - syncs_before == 3


def _durable_seqs(storage: MemoryStorage) -> List[int]:
    return [seq for seq, _ in JournalScan(MemoryStorage(storage.synced_bytes()))]


def test_group_committer_calls_back_after_fsync_in_order() -> None:
    storage = MemoryStorage()
    writer = JournalWriter(storage, next_seq=1)
    committer = GroupCommitter(writer, window_s=0.5)
    seen: List[int] = []
    durable_at_callback: List[List[int]] = []

    def callback_for(last: int) -> DurableCallback:
        def on_durable(error: Optional[BaseException]) -> None:
            assert error is None
            seen.append(last)
            durable_at_callback.append(_durable_seqs(storage))
        return on_durable

    for seq, command in enumerate(COMMANDS, start=1):
        writer.append(seq, command)
        if seq % 5 == 0:
            data, last = writer.detach()
            committer.submit(data, last, callback_for(last), urgent=(seq == 50))
    committer.close()
    assert seen == list(range(5, 51, 5))
    for last, durable in zip(seen, durable_at_callback, strict=True):
        assert last in durable
    assert committer.sync_count < len(seen)  # grouped: fewer fsyncs than batches


def test_group_committer_flush_waits_for_durability() -> None:
    storage = MemoryStorage()
    writer = JournalWriter(storage, next_seq=1)
    committer = GroupCommitter(writer, window_s=60.0)  # only urgency can trigger a sync
    writer.append(1, COMMANDS[0])
    data, last = writer.detach()
    committer.submit(data, last, None, urgent=False)
    committer.flush(timeout=30)
    assert _durable_seqs(storage) == [1] and writer.durable_seq == 1
    committer.close()


def test_fsync_failure_fails_callbacks_and_later_submits() -> None:
    storage = MemoryStorage()
    writer = JournalWriter(storage, next_seq=1)
    storage.fail_sync = OSError(5, "EIO")
    committer = GroupCommitter(writer, window_s=0.0)
    errors: List[Optional[BaseException]] = []
    done = threading.Event()
    writer.append(1, COMMANDS[0])
    data, last = writer.detach()

    def on_durable(error: Optional[BaseException]) -> None:
        errors.append(error)
        done.set()

    committer.submit(data, last, on_durable, urgent=True)
    assert done.wait(30)
    assert isinstance(errors[0], OSError)
    with pytest.raises(JournalWriteFailed):
        committer.submit(b"", 1, None, urgent=True)
    committer.close()
    assert writer.durable_seq == 0


def test_group_window_syncs_without_urgency() -> None:
    storage = MemoryStorage()
    writer = JournalWriter(storage, next_seq=1)
    committer = GroupCommitter(writer, window_s=0.005)
    done = threading.Event()
    writer.append(1, COMMANDS[0])
    data, last = writer.detach()
    committer.submit(data, last, lambda error: done.set(), urgent=False)
    assert done.wait(30)  # nobody flushed: the window alone triggered the fsync
    assert _durable_seqs(storage) == [1]
    committer.close()
