"""Reading a journal back: verify every record, tell a torn tail from corruption.

A crash can only damage bytes that were written but not yet synced, and the writer never
leaves more than ``MAX_UNSYNCED`` of those, so a torn write lives in the last
``TORN_WINDOW`` bytes.  When a record fails its checks (short frame, impossible length,
bad CRC) the scan therefore asks two questions before deciding:

* is the damage within ``TORN_WINDOW`` of the end of the log, and
* is there no valid record (good length, good CRC, a plausible seq) anywhere after it?

Only then is it a torn tail, which ``JournalScan.truncate_tail`` cuts.  Otherwise the
journal is corrupt in the middle and ``JournalCorrupt`` is raised: silently cutting there
would throw away acknowledged commands.

Limitation: damage to the very last *synced* record (e.g. a disk bit flip) looks exactly
like a torn write and is cut; only a replicated log can recover that record.
"""
from __future__ import annotations

import zlib
from typing import Iterator, Optional, Tuple

from .format import (
    FRAME,
    FRAME_AND_SEQ,
    FRAME_SIZE,
    HEADER_SIZE,
    MAGIC,
    MAX_PAYLOAD,
    RECORD_OVERHEAD,
    SEQ,
    SEQ_SIZE,
    TORN_WINDOW,
    JournalCorrupt,
    JournalHeader,
    decode_header,
)
from .storage import LogStorage

__all__ = ["JournalScan", "read_records"]

_CHUNK = 1024 * 1024
_crc32 = zlib.crc32


class JournalScan:
    """One verifying pass over a journal.

    Iterate to get ``(seq, command_bytes)`` in order; afterwards ``last_seq``,
    ``end_offset`` (where the next record goes) and ``torn_bytes`` (length of a torn tail
    that was found, 0 if none) describe what was read.  A log with no bytes at all is a
    new journal (``header`` is ``None``); a log shorter than a header that starts like one
    is a journal whose creation was interrupted, i.e. a torn tail at offset 0.
    """

    def __init__(self, storage: LogStorage, chunk_size: int = _CHUNK) -> None:
        self._storage = storage
        self._chunk_size = max(chunk_size, RECORD_OVERHEAD)
        self.file_size = storage.size()
        self.header: Optional[JournalHeader] = None
        self.end_offset = 0
        self.torn_bytes = 0
        self.record_count = 0
        self._consumed = False
        if self.file_size >= HEADER_SIZE:
            self.header = decode_header(storage.read(0, HEADER_SIZE))
            self.end_offset = HEADER_SIZE
        elif self.file_size > 0:
            self._check_torn_header()
        self.last_seq = (self.header.start_seq - 1) if self.header else 0

    def _check_torn_header(self) -> None:
        data = self._storage.read(0, self.file_size)
        if not MAGIC.startswith(data[: len(MAGIC)]):
            raise JournalCorrupt(f"not an openbourse journal ({self.file_size} bytes)")
        self.torn_bytes = self.file_size

    def __iter__(self) -> Iterator[Tuple[int, bytes]]:
        if self._consumed:
            raise RuntimeError("a JournalScan can be iterated only once")
        self._consumed = True
        if self.header is None:
            return
        yield from self._records()

    def _records(self) -> Iterator[Tuple[int, bytes]]:
        offset, size = self.end_offset, self.file_size
        buffer, buffer_start = b"", offset
        expected = self.last_seq + 1
        while offset < size:
            position = offset - buffer_start
            if len(buffer) - position < FRAME_SIZE:
                buffer, buffer_start, position = self._refill(offset, FRAME_SIZE)
            problem = _check_frame(buffer, position, size - offset)
            if problem is None:
                length, crc = FRAME.unpack_from(buffer, position)
                if len(buffer) - position < FRAME_SIZE + length:
                    buffer, buffer_start, position = self._refill(offset, FRAME_SIZE + length)
                payload = buffer[position + FRAME_SIZE : position + FRAME_SIZE + length]
                if _crc32(payload) != crc:
                    problem = "checksum mismatch"
            if problem is not None:
                self._damaged(offset, expected, problem)
                return
            (seq,) = SEQ.unpack_from(payload)
            if seq != expected:
                raise JournalCorrupt(
                    f"journal record at offset {offset} has seq {seq}, expected {expected}"
                )
            yield seq, payload[SEQ_SIZE:]
            offset += FRAME_SIZE + length
            self.end_offset, self.last_seq = offset, seq
            self.record_count += 1
            expected += 1

    def _refill(self, offset: int, need: int) -> Tuple[bytes, int, int]:
        """Read a chunk starting at ``offset`` holding at least ``need`` bytes if they exist."""
        return self._storage.read(offset, max(self._chunk_size, need)), offset, 0

    def _damaged(self, offset: int, expected: int, problem: str) -> None:
        """Classify a bad record at ``offset``: torn tail (remember it) or corruption."""
        distance = self.file_size - offset
        where = f"journal record seq {expected} at offset {offset} is damaged ({problem})"
        if distance > TORN_WINDOW:
            raise JournalCorrupt(
                f"{where}, {distance} bytes before the end: farther than a torn write reaches"
            )
        tail = self._storage.read(offset, distance)
        found = _find_valid_record(tail, expected)
        if found is not None:
            position, seq = found
            raise JournalCorrupt(
                f"{where}, but a valid record seq {seq} follows at offset {offset + position}"
            )
        self.torn_bytes = distance

    def truncate_tail(self) -> int:
        """Cut a torn tail found by the scan (durably); returns the bytes removed."""
        if not self._consumed and self.header is not None:
            raise RuntimeError("iterate the scan before truncating its tail")
        removed = self.torn_bytes
        if removed:
            self._storage.truncate(self.end_offset)
            self.file_size = self.end_offset
            self.torn_bytes = 0
        return removed


def _check_frame(buffer: bytes, position: int, remaining: int) -> Optional[str]:
    """Why the frame at ``position`` cannot be a record, or ``None`` if it may be one."""
    if remaining < FRAME_SIZE or len(buffer) - position < FRAME_SIZE:
        return "incomplete frame header"
    (length, _) = FRAME.unpack_from(buffer, position)
    if length < SEQ_SIZE or length > MAX_PAYLOAD:
        return f"impossible payload length {length}"
    if FRAME_SIZE + length > remaining:
        return f"payload of {length} bytes runs past the end of the log"
    return None


def _find_valid_record(tail: bytes, expected: int) -> Optional[Tuple[int, int]]:
    """First ``(position, seq)`` after position 0 where a valid record starts, if any.

    Used only on the failure path, over at most ``TORN_WINDOW`` bytes.  A candidate must
    carry a seq that could follow the damaged one, a sane length and a matching CRC.
    """
    seq_limit = expected + len(tail) // RECORD_OVERHEAD + 1
    unpack_from = FRAME_AND_SEQ.unpack_from
    last = len(tail) - RECORD_OVERHEAD
    for position in range(1, last + 1):
        length, crc, seq = unpack_from(tail, position)
        if not expected <= seq <= seq_limit or length < SEQ_SIZE or length > MAX_PAYLOAD:
            continue
        end = position + FRAME_SIZE + length
        if end <= len(tail) and _crc32(tail[position + FRAME_SIZE : end]) == crc:
            return position, seq
    return None


def read_records(storage: LogStorage) -> Iterator[Tuple[int, bytes]]:
    """All records of a journal that must be clean (no torn tail tolerated)."""
    scan = JournalScan(storage)
    yield from scan
    if scan.torn_bytes:
        raise JournalCorrupt(f"journal has a torn tail of {scan.torn_bytes} bytes")
