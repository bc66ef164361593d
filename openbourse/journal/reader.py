"""Reading a journal back: verify every record, tell a torn tail from corruption.

A crash can only damage bytes that were written but not yet synced, and the writer never
leaves more than ``MAX_UNSYNCED`` of those, so torn bytes live in the last
``TORN_WINDOW`` bytes of the log.  A power cut may persist any subset of those pages,
so a torn tail is not always a clean prefix: it can be a hole followed by valid records.
When a record fails its checks (short frame, impossible length, bad CRC) the scan
therefore decides:

* damage farther than ``TORN_WINDOW`` from the end: corruption;
* a valid record after the damage whose ``durable_lag`` says the damaged seq was already
  durable when it was written: corruption (that data had been fsynced, and acknowledged);
* otherwise: a torn tail.  Everything from the damaged record on was never durable, so
  ``JournalScan.truncate_tail`` cuts it, valid-looking records after the hole included.

Corruption raises ``JournalCorrupt``: silently cutting there would throw away
acknowledged commands.

Limitation: damage to one of the last records that were durable (e.g. a disk bit flip in
the last group commit) looks exactly like a torn write and is cut; only a replicated log
can recover those records.
"""
from __future__ import annotations

import zlib
from typing import Iterator, List, Optional, Tuple

from .format import (
    FRAME,
    FRAME_AND_HEAD,
    FRAME_SIZE,
    HEAD_SIZE,
    HEADER_SIZE,
    MAGIC,
    MAX_PAYLOAD,
    RECORD_OVERHEAD,
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
        self.records_after_hole = 0  # never-durable records found beyond a torn hole
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
        return self._records(self._start())

    def batches(self) -> Iterator[Tuple[int, List[bytes]]]:
        """Iterate as ``(seq of the first, [command_bytes, ...])``: one list per read chunk
        (replay decodes a batch at once).  A scan is iterated once, either way."""
        return self._batches(self._start())

    def _start(self) -> bool:
        if self._consumed:
            raise RuntimeError("a JournalScan can be iterated only once")
        self._consumed = True
        return self.header is not None

    def _records(self, has_header: bool) -> Iterator[Tuple[int, bytes]]:
        if not has_header:
            return
        for first, bodies in self._batches(True):
            yield from zip(range(first, first + len(bodies)), bodies)

    def _batches(self, has_header: bool) -> Iterator[Tuple[int, List[bytes]]]:
        """Verify records chunk by chunk; each chunk's verified records form one batch.

        The common case (a whole record inside the chunk, sane length, matching CRC) is
        checked inline; anything else (a record across the chunk end, damage) goes through
        ``_check_frame`` on a buffer starting at that record, as the slow path.
        """
        if not has_header:
            return
        offset, size = self.end_offset, self.file_size
        expected = self.last_seq + 1
        unpack = FRAME_AND_HEAD.unpack_from
        read, chunk_size = self._storage.read, self._chunk_size
        while offset < size:
            buffer = read(offset, chunk_size)
            view, limit = memoryview(buffer), min(len(buffer), size - offset)
            position, first, bodies = 0, expected, []
            while limit - position >= RECORD_OVERHEAD:
                length, crc, seq, _ = unpack(buffer, position)
                end = position + FRAME_SIZE + length
                if not (HEAD_SIZE <= length <= MAX_PAYLOAD and end <= limit
                        and _crc32(view[position + FRAME_SIZE : end]) == crc
                        and seq == expected):
                    break
                bodies.append(buffer[position + RECORD_OVERHEAD : end])
                position = end
                expected += 1
            if bodies:
                offset += position
                self._advance(offset, expected)
                yield first, bodies
                continue
            # Slow path: the record at ``offset`` is larger than a chunk, damaged or out of
            # sequence (the records before it in the chunk were yielded first).
            buffer = read(offset, max(chunk_size, RECORD_OVERHEAD))
            problem = _check_frame(buffer, 0, size - offset)
            if problem is None:
                length, crc, seq, _ = unpack(buffer, 0)
                end = FRAME_SIZE + length
                if end > len(buffer):
                    buffer = read(offset, end)
                if _crc32(memoryview(buffer)[FRAME_SIZE:end]) != crc:
                    problem = "checksum mismatch"
            if problem is not None:
                self._damaged(offset, expected, problem)
                return
            if seq != expected:
                raise JournalCorrupt(
                    f"journal record at offset {offset} has seq {seq}, expected {expected}")
            offset += end
            self._advance(offset, expected + 1)
            yield expected, [buffer[RECORD_OVERHEAD:end]]
            expected += 1

    def _advance(self, offset: int, next_seq: int) -> None:
        """Bookkeeping after a batch: everything before ``offset`` was read and verified."""
        self.record_count += next_seq - 1 - self.last_seq
        self.end_offset, self.last_seq = offset, next_seq - 1

    def _damaged(self, offset: int, expected: int, problem: str) -> None:
        """Classify a bad record at ``offset``: torn tail (remember it) or corruption."""
        distance = self.file_size - offset
        where = f"journal record seq {expected} at offset {offset} is damaged ({problem})"
        if distance > TORN_WINDOW:
            raise JournalCorrupt(
                f"{where}, {distance} bytes before the end: farther than a torn write reaches"
            )
        tail = self._storage.read(offset, distance)
        for position, seq, durable_seq in _valid_records(tail, expected):
            if durable_seq >= expected:
                raise JournalCorrupt(
                    f"{where}, but the valid record seq {seq} at offset {offset + position}"
                    f" was written after seq {durable_seq} was durable"
                )
            self.records_after_hole += 1
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
    if length < HEAD_SIZE or length > MAX_PAYLOAD:
        return f"impossible payload length {length}"
    if FRAME_SIZE + length > remaining:
        return f"payload of {length} bytes runs past the end of the log"
    return None


def _valid_records(tail: bytes, expected: int) -> Iterator[Tuple[int, int, int]]:
    """``(position, seq, durable_seq)`` of each valid record after position 0 of ``tail``.

    Used only on the failure path, over at most ``TORN_WINDOW`` bytes.  A candidate must
    carry a seq that could follow the damaged one, a sane length and a matching CRC.
    """
    seq_limit = expected + len(tail) // RECORD_OVERHEAD + 1
    unpack_from = FRAME_AND_HEAD.unpack_from
    position, last = 1, len(tail) - RECORD_OVERHEAD
    while position <= last:
        length, crc, seq, lag = unpack_from(tail, position)
        end = position + FRAME_SIZE + length
        if (
            expected <= seq <= seq_limit
            and HEAD_SIZE <= length <= MAX_PAYLOAD
            and end <= len(tail)
            and _crc32(tail[position + FRAME_SIZE : end]) == crc
        ):
            yield position, seq, seq - lag
            position = end
        else:
            position += 1


def read_records(storage: LogStorage) -> Iterator[Tuple[int, bytes]]:
    """All records of a journal that must be clean (no torn tail tolerated)."""
    scan = JournalScan(storage)
    yield from scan
    if scan.torn_bytes:
        raise JournalCorrupt(f"journal has a torn tail of {scan.torn_bytes} bytes")
