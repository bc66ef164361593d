"""The journal's storage port: an append-only byte log.

Why a port: the journal format, the writer and the reader only need "append bytes, make
them durable, read them back, cut a torn tail".  Keeping that behind a five-method
``Protocol`` lets the same code run over a local file (``FileStorage``), an in-memory fake
that can simulate a crash (``MemoryStorage``, for tests and simulation), and later a
replicated log (e.g. a NATS JetStream stream) without touching the format or recovery.

Durability contract: bytes passed to ``append`` may be lost by a crash until ``sync``
returns; after ``sync`` returns they survive.  A crash may also leave a *prefix* of the
unsynced bytes behind (a torn write); the reader detects and cuts such a tail.
"""
from __future__ import annotations

import os
import random
import threading
import time
from typing import Optional, Protocol

__all__ = ["LogStorage", "FileStorage", "MemoryStorage", "StorageClosed", "fsync_directory"]


class StorageClosed(Exception):
    """The storage was used after ``close()`` (a bug in the caller: stop, do not retry)."""


class LogStorage(Protocol):
    """An append-only byte log.  Only the journal writer appends; readers read."""

    def append(self, data: bytes) -> None:
        """Append ``data`` at the end (not yet durable)."""

    def sync(self) -> None:
        """Make every appended byte durable (fsync).  Raises ``OSError`` on failure."""

    def read(self, offset: int, size: int) -> bytes:
        """Up to ``size`` bytes starting at ``offset`` (fewer at the end of the log)."""

    def truncate(self, offset: int) -> None:
        """Cut the log at ``offset`` and make the cut durable (used to drop a torn tail)."""

    def size(self) -> int:
        """Current length of the log in bytes, synced or not."""

    def close(self) -> None:
        """Release resources.  Does not sync: call ``sync`` first if that is wanted."""


def fsync_directory(path: str) -> None:
    """fsync a directory so that a created or renamed entry in it survives a crash."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_sync_fd = getattr(os, "fdatasync", os.fsync)  # fdatasync skips the mtime flush where it exists


class FileStorage:
    """A local file opened with ``O_APPEND``; ``sync`` is ``fdatasync`` (or ``fsync``).

    A newly created file also gets its directory fsynced, otherwise the whole file could
    vanish in a crash even though its content was synced.
    """

    def __init__(self, path: str, read_only: bool = False) -> None:
        self.path = path
        if read_only:  # replay/verify tools: never create or modify anything
            self._fd: Optional[int] = os.open(path, os.O_RDONLY)
            return
        created = not os.path.exists(path)
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        if created:
            fsync_directory(os.path.dirname(os.path.abspath(path)))

    def _require_fd(self) -> int:
        if self._fd is None:
            raise StorageClosed(self.path)
        return self._fd

    def append(self, data: bytes) -> None:
        fd = self._require_fd()
        view = memoryview(data)
        while view:  # os.write may write less than asked (signals, huge buffers)
            written = os.write(fd, view)
            view = view[written:]

    def sync(self) -> None:
        _sync_fd(self._require_fd())  # releases the GIL while the disk works

    def read(self, offset: int, size: int) -> bytes:
        return os.pread(self._require_fd(), size, offset)

    def truncate(self, offset: int) -> None:
        fd = self._require_fd()
        os.ftruncate(fd, offset)
        os.fsync(fd)  # a size change is metadata: fdatasync may not cover it everywhere

    def size(self) -> int:
        return os.fstat(self._require_fd()).st_size

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class MemoryStorage:
    """In-memory log that remembers what was synced, so a test can "pull the plug".

    ``crash()`` keeps every synced byte and, when ``tear`` is set, a random prefix of the
    unsynced ones (a torn write), then returns the surviving image as a new storage.
    ``sync_count`` and ``synced_size`` let tests check that acknowledgements follow fsync.
    ``sync_delay_s`` makes ``sync`` take time like a disk (sleeping, so the GIL is free),
    which widens the window in which a crash finds unsynced bytes.
    Thread-safe, because the journal writer thread and a test thread both touch it.
    """

    def __init__(self, data: bytes = b"", synced_size: Optional[int] = None) -> None:
        self._data = bytearray(data)
        self._synced = len(data) if synced_size is None else synced_size
        self._lock = threading.Lock()
        self._closed = False
        self.sync_count = 0
        self.sync_delay_s = 0.0
        self.fail_sync: Optional[OSError] = None  # set to make the next syncs fail

    def append(self, data: bytes) -> None:
        with self._lock:
            self._check_open()
            self._data += data

    def sync(self) -> None:
        if self.sync_delay_s:
            time.sleep(self.sync_delay_s)  # a crash meanwhile means this sync never happened
        with self._lock:
            self._check_open()
            if self.fail_sync is not None:
                raise self.fail_sync
            self._synced = len(self._data)
            self.sync_count += 1

    def read(self, offset: int, size: int) -> bytes:
        with self._lock:
            self._check_open()
            return bytes(self._data[offset : offset + size])

    def truncate(self, offset: int) -> None:
        with self._lock:
            self._check_open()
            del self._data[offset:]
            self._synced = min(self._synced, offset)

    def size(self) -> int:
        with self._lock:
            return len(self._data)

    def close(self) -> None:
        self._closed = True

    @property
    def synced_size(self) -> int:
        """Bytes guaranteed to survive a crash right now."""
        with self._lock:
            return self._synced

    def synced_bytes(self) -> bytes:
        """The durable image (what a crash without tearing would leave)."""
        with self._lock:
            return bytes(self._data[: self._synced])

    def crash(
        self, rng: Optional[random.Random] = None, tear: bool = True, scramble: bool = False
    ) -> "MemoryStorage":
        """The storage a restarted process would find after a power cut.

        Synced bytes always survive.  With ``tear``, a random prefix of the unsynced bytes
        survives too.  With ``scramble`` (a power cut with out-of-order page writeback),
        each 512-byte sector of that prefix independently survives, reads as zeros, or
        reads as garbage.
        """
        rng = rng or random.Random()
        with self._lock:
            self._closed = True
            unsynced = len(self._data) - self._synced
            keep = self._synced + (rng.randint(0, unsynced) if tear and unsynced else 0)
            image = bytearray(self._data[:keep])
            synced = self._synced
        if scramble:
            _scramble_sectors(image, synced, rng)
        return MemoryStorage(bytes(image))

    def _check_open(self) -> None:
        if self._closed:
            raise StorageClosed("memory storage")


def _scramble_sectors(image: bytearray, start: int, rng: random.Random, sector: int = 512) -> None:
    """Damage sectors of ``image`` from ``start`` on, each independently (see ``crash``)."""
    position = start
    while position < len(image):
        end = min(len(image), (position // sector + 1) * sector)
        roll = rng.random()
        if roll < 0.25:
            image[position:end] = bytes(end - position)
        elif roll < 0.5:
            image[position:end] = rng.randbytes(end - position)
        position = end
