"""Snapshots: the engine state at an exact command seq, written atomically.

A snapshot only shortens recovery; the journal stays the source of truth.  So a damaged
or half-written snapshot is skipped (the previous one, or a longer replay, takes over),
never trusted.  File ``snapshot-<seq:020d>.bin``::

    magic "OBSNAPSH" | format_version u16 | codec_version u16 | seq u64 | ts_ns i64
    | hash_length u16 | state_hash (ascii) | state_length u64 | encode_state bytes
    | crc32 u32 (of everything before it)

Writing is tmp file + fsync + rename + directory fsync, so a crash leaves either the old
set of snapshots or the new one, plus at most a ``.tmp`` file that loading ignores.
The stored hash is computed from ``decode_state(bytes)``: a snapshot whose bytes do not
round-trip to the same state is refused at write time, not discovered at recovery.

Ordering rule (kept by the sequencer): a snapshot at seq S is written only after the
journal is durable through S, so recovery never finds a snapshot ahead of the journal.
"""
from __future__ import annotations

import logging
import os
import re
import struct
import threading
import zlib
from typing import Any, List, NamedTuple, Optional

from ..core.engine.codec import CODEC_VERSION
from .machine import StateMachine
from .storage import fsync_directory

__all__ = ["SnapshotStore", "LoadedSnapshot", "BackgroundSnapshots", "SnapshotInvalid"]

_log = logging.getLogger(__name__)

MAGIC = b"OBSNAPSH"
FORMAT_VERSION = 1
_HEAD = struct.Struct("<8sHHQqH")
_LENGTH = struct.Struct("<Q")
_CRC = struct.Struct("<I")
_NAME = re.compile(r"^snapshot-(\d+)\.bin$")


class SnapshotInvalid(Exception):
    """A snapshot file failed a check; loading skips it and tries an older one."""


class LoadedSnapshot(NamedTuple):
    seq: int
    ts_ns: int  # timestamp of the command at ``seq``
    state: Any
    state_hash: str
    path: str


def _encode(seq: int, ts_ns: int, digest: str, state_bytes: bytes) -> bytes:
    hash_bytes = digest.encode("ascii")
    head = _HEAD.pack(MAGIC, FORMAT_VERSION, CODEC_VERSION, seq, ts_ns, len(hash_bytes))
    body = b"".join((head, hash_bytes, _LENGTH.pack(len(state_bytes)), state_bytes))
    return body + _CRC.pack(zlib.crc32(body))


def _decode(data: bytes) -> "tuple[int, int, str, bytes]":
    """Split a snapshot file into (seq, ts_ns, hash, state bytes), checking the frame."""
    if len(data) < _HEAD.size + _LENGTH.size + _CRC.size:
        raise SnapshotInvalid("file too short")
    (crc,) = _CRC.unpack_from(data, len(data) - _CRC.size)
    if zlib.crc32(memoryview(data)[: -_CRC.size]) != crc:
        raise SnapshotInvalid("checksum mismatch")
    magic, version, codec_version, seq, ts_ns, hash_length = _HEAD.unpack_from(data)
    if magic != MAGIC or version != FORMAT_VERSION or codec_version != CODEC_VERSION:
        raise SnapshotInvalid(f"unknown snapshot format {magic!r} v{version} c{codec_version}")
    position = _HEAD.size + hash_length
    digest = data[_HEAD.size : position].decode("ascii")
    (length,) = _LENGTH.unpack_from(data, position)
    state_bytes = data[position + _LENGTH.size : position + _LENGTH.size + length]
    if len(state_bytes) != length or position + _LENGTH.size + length + _CRC.size != len(data):
        raise SnapshotInvalid("state length does not match the file size")
    return seq, ts_ns, digest, state_bytes


class SnapshotStore:
    """The snapshot files of one data directory; keeps the newest ``keep`` of them."""

    def __init__(self, directory: str, machine: StateMachine, keep: int = 3) -> None:
        if keep < 1:
            raise ValueError("keep at least one snapshot")
        self.directory = directory
        self.machine = machine
        self.keep = keep
        os.makedirs(directory, exist_ok=True)

    def path_for(self, seq: int) -> str:
        return os.path.join(self.directory, f"snapshot-{seq:020d}.bin")

    def seqs(self) -> List[int]:
        """Seqs of the snapshot files present, newest first (valid or not)."""
        found = (_NAME.match(name) for name in os.listdir(self.directory))
        return sorted((int(match.group(1)) for match in found if match), reverse=True)

    def write(self, seq: int, ts_ns: int, state_bytes: bytes) -> str:
        """Atomically write the snapshot of ``state_bytes`` at ``seq``; then prune."""
        digest = self.machine.state_hash(self.machine.decode_state(state_bytes))
        path = self.path_for(seq)
        tmp = path + ".tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            view = memoryview(_encode(seq, ts_ns, digest, state_bytes))
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        fsync_directory(self.directory)
        self.prune()
        return path

    def write_state(self, seq: int, ts_ns: int, state: Any) -> str:
        return self.write(seq, ts_ns, self.machine.encode_state(state))

    def load(self, seq: int) -> LoadedSnapshot:
        """Read and fully verify one snapshot (raises ``SnapshotInvalid``)."""
        path = self.path_for(seq)
        with open(path, "rb") as handle:
            stored_seq, ts_ns, digest, state_bytes = _decode(handle.read())
        if stored_seq != seq:
            raise SnapshotInvalid(f"{path} holds seq {stored_seq}")
        try:
            state = self.machine.decode_state(state_bytes)
        except Exception as exc:  # noqa: BLE001 - any decode failure means "not usable"
            raise SnapshotInvalid(f"{path}: state does not decode: {exc!r}") from exc
        if self.machine.state_hash(state) != digest:
            raise SnapshotInvalid(f"{path}: state hash mismatch")
        return LoadedSnapshot(seq, ts_ns, state, digest, path)

    def load_latest(self, max_seq: Optional[int] = None) -> Optional[LoadedSnapshot]:
        """The newest snapshot that verifies (at or below ``max_seq`` if given)."""
        for seq in self.seqs():
            if max_seq is not None and seq > max_seq:
                continue
            try:
                return self.load(seq)
            except (SnapshotInvalid, OSError) as exc:
                _log.warning("skipping snapshot %d: %s", seq, exc)
        return None

    def prune(self) -> None:
        """Delete all but the newest ``keep`` snapshots, and leftover ``.tmp`` files."""
        for seq in self.seqs()[self.keep :]:
            os.remove(self.path_for(seq))
        for name in os.listdir(self.directory):
            if name.startswith("snapshot-") and name.endswith(".tmp"):
                os.remove(os.path.join(self.directory, name))


class BackgroundSnapshots:
    """A thread that writes snapshots handed to it, so the sequencer never waits on disk.

    Snapshot bytes are taken in the sequencer thread at the exact seq; the sequencer
    submits them here only once the journal is durable through that seq.  At most one
    snapshot waits: a newer one replaces a waiting older one, and the sequencer skips
    taking a snapshot while ``busy`` (writing a snapshot of a big state can take longer
    than ``snapshot_every`` commands; a queue would grow without bound).  A failed write
    is logged and kept in ``last_error``: a missing snapshot only makes recovery longer.
    """

    def __init__(self, store: SnapshotStore) -> None:
        self.store = store
        self.last_error: Optional[BaseException] = None
        self.written: List[int] = []
        self._cond = threading.Condition()
        self._waiting: Optional["tuple[int, int, bytes]"] = None
        self._writing = False
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="snapshot-writer", daemon=True)
        self._thread.start()

    @property
    def busy(self) -> bool:
        """A snapshot is being written or waits to be."""
        return self._writing or self._waiting is not None

    def submit(self, seq: int, ts_ns: int, state_bytes: bytes) -> None:
        with self._cond:
            self._waiting = (seq, ts_ns, state_bytes)
            self._cond.notify()

    def close(self) -> None:
        """Finish the snapshot being written and the one waiting, then stop."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._thread.join()

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._waiting is None and not self._closing:
                    self._cond.wait()
                item, self._waiting = self._waiting, None
                if item is None:
                    return
                self._writing = True
            try:
                self.store.write(*item)
                self.written.append(item[0])
            except Exception as exc:  # noqa: BLE001 - see class doc
                self.last_error = exc
                _log.exception("snapshot at seq %d failed", item[0])
            finally:
                self._writing = False
