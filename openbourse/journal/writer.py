"""Appending to the journal: an in-memory batch, then one write + fsync for many records.

Two ways to use it:

* ``JournalWriter`` alone: ``append`` records, then ``commit()`` writes and fsyncs them in
  the calling thread (tools, tests, single-threaded replays).
* ``GroupCommitter``: a background thread that owns the write + fsync.  The sequencer
  ``detach``-es each batch it produced and hands it over with a callback; the thread
  writes everything pending, fsyncs once, then runs the callbacks of every batch that
  fsync covered, in order.  ``fsync`` releases the GIL, so the sequencer keeps applying
  commands while the disk works, and one fsync covers all of them (group commit).

Group window: pending data is fsynced at the latest ``window_s`` after it arrived, and at
once when the submitter marks it ``urgent`` (the sequencer does that when its inbound
queue is empty: nobody else is coming, so waiting would only add latency).

An fsync failure is final (after a failed fsync the kernel may have dropped the dirty
pages, so retrying could report success for lost data): the committer fails the pending
callbacks and every later ``submit`` with ``JournalWriteFailed``.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable, List, Optional, Tuple

from ..core.commands import Command
from ..core.engine.codec import encode_command
from .format import (
    HEADER_SIZE,
    MAX_UNSYNCED,
    JournalError,
    decode_header,
    encode_header,
    encode_record,
)
from .storage import LogStorage

__all__ = ["JournalWriter", "GroupCommitter", "JournalWriteFailed", "DurableCallback"]

_log = logging.getLogger(__name__)

#: Called once per submitted batch: with ``None`` after the fsync that made it durable,
#: or with the exception that prevented it.
DurableCallback = Callable[[Optional[BaseException]], None]


class JournalWriteFailed(JournalError):
    """Writing or syncing the journal failed: nothing after the last durable seq is safe."""


class JournalWriter:
    """The append side of one journal; owned by one thread at a time.

    An empty storage gets a header whose ``start_seq`` is ``next_seq``; a non-empty one
    must already have been scanned (and its torn tail cut) by recovery.
    """

    def __init__(self, storage: LogStorage, next_seq: int) -> None:
        if next_seq < 1:
            raise ValueError(f"next_seq must be >= 1, got {next_seq}")
        self.storage = storage
        if storage.size() == 0:
            storage.append(encode_header(start_seq=next_seq))
            storage.sync()
        else:
            decode_header(storage.read(0, HEADER_SIZE))
        self.next_seq = next_seq
        self.durable_seq = next_seq - 1  # written by whoever syncs, read by anyone
        self._records: List[bytes] = []

    def append(self, seq: int, command: Command) -> None:
        """Buffer the record for ``command`` at ``seq`` (must be ``next_seq``)."""
        self.append_encoded(seq, encode_command(command))

    def append_encoded(self, seq: int, body: bytes) -> None:
        """Buffer a record whose command is already encoded."""
        if seq != self.next_seq:
            raise ValueError(f"journal seq {seq} appended, expected {self.next_seq}")
        self._records.append(encode_record(seq, body, self.durable_seq))
        self.next_seq = seq + 1

    @property
    def buffered(self) -> int:
        """Records appended but not yet detached or committed."""
        return len(self._records)

    def detach(self) -> Tuple[bytes, int]:
        """Take the buffered bytes and the last seq they contain (to hand to a committer)."""
        data = b"".join(self._records)
        self._records.clear()
        return data, self.next_seq - 1

    def write_and_sync(self, data: bytes, last_seq: int) -> None:
        """Write ``data`` and fsync; afterwards everything up to ``last_seq`` is durable.

        Large data goes out in ``MAX_UNSYNCED`` slices, each synced, which is what lets the
        reader bound where a torn write can be.
        """
        for start in range(0, len(data), MAX_UNSYNCED):
            self.storage.append(data[start : start + MAX_UNSYNCED])
            self.storage.sync()
        if last_seq > self.durable_seq:
            self.durable_seq = last_seq

    def commit(self) -> int:
        """Write and fsync everything buffered (in this thread); returns the durable seq."""
        data, last_seq = self.detach()
        if data:
            self.write_and_sync(data, last_seq)
        return self.durable_seq

    def close(self) -> None:
        """Commit what is buffered and close the storage."""
        self.commit()
        self.storage.close()


class GroupCommitter:
    """Background thread that writes and fsyncs batches handed over by the sequencer."""

    def __init__(self, writer: JournalWriter, window_s: float = 0.002) -> None:
        self.writer = writer
        self.window_s = window_s
        self.error: Optional[BaseException] = None
        self.sync_count = 0
        self._cond = threading.Condition()
        self._pending: List[Tuple[bytes, int, Optional[DurableCallback]]] = []
        self._first_pending_at = 0.0
        self._urgent = False
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="journal-writer", daemon=True)
        self._thread.start()

    def submit(
        self, data: bytes, last_seq: int, on_durable: Optional[DurableCallback], urgent: bool
    ) -> None:
        """Queue a batch; ``on_durable`` runs in the writer thread after its fsync."""
        with self._cond:
            if self.error is not None:
                raise JournalWriteFailed("journal writer failed earlier") from self.error
            if self._closing:
                raise JournalWriteFailed("journal writer is closed")
            wake = not self._pending or (urgent and not self._urgent)
            if not self._pending:
                self._first_pending_at = time.monotonic()
            self._pending.append((data, last_seq, on_durable))
            self._urgent = self._urgent or urgent
            if wake:  # the thread waits for a first batch, or for urgency within the window
                self._cond.notify()

    def flush(self, timeout: Optional[float] = None) -> None:
        """Block until everything submitted so far is durable (or raise why it is not)."""
        done = threading.Event()
        failure: List[BaseException] = []

        def on_durable(error: Optional[BaseException]) -> None:
            if error is not None:
                failure.append(error)
            done.set()

        self.submit(b"", self.writer.durable_seq, on_durable, urgent=True)
        if not done.wait(timeout):
            raise TimeoutError("journal flush timed out")
        if failure:
            raise JournalWriteFailed("journal flush failed") from failure[0]

    def close(self) -> None:
        """Write and fsync what is pending, then stop the thread."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._thread.join()

    def _take_batch(self) -> List[Tuple[bytes, int, Optional[DurableCallback]]]:
        """Wait for pending batches and for the group window; empty list means stop."""
        with self._cond:
            while not self._pending and not self._closing:
                self._cond.wait()
            deadline = self._first_pending_at + self.window_s
            while self._pending and not (self._urgent or self._closing):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            batch, self._pending, self._urgent = self._pending, [], False
            return batch

    def _run(self) -> None:
        while True:
            batch = self._take_batch()
            if not batch:
                return
            data = b"".join(item[0] for item in batch)
            try:
                if data:
                    self.writer.write_and_sync(data, max(item[1] for item in batch))
                    self.sync_count += 1
            except BaseException as exc:  # noqa: BLE001 - every failure is final, see module doc
                self._fail(batch, exc)
                return
            _run_callbacks(batch, None)

    def _fail(self, batch: List[Tuple[bytes, int, Optional[DurableCallback]]],
              exc: BaseException) -> None:
        """Record the failure, fail this batch and everything submitted after it."""
        with self._cond:
            self.error = exc
            batch = batch + self._pending
            self._pending = []
        _run_callbacks(batch, exc)


def _run_callbacks(
    batch: List[Tuple[bytes, int, Optional[DurableCallback]]], error: Optional[BaseException]
) -> None:
    """Callbacks must not raise; one that does is logged so the writer thread survives."""
    for _, _, callback in batch:
        if callback is not None:
            try:
                callback(error)
            except Exception:  # noqa: BLE001
                _log.exception("journal durability callback failed")
