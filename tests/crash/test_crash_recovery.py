"""Kill -9 a live node again and again; nothing it acknowledged may be lost.

Each cycle starts ``crash_child.py`` on the same data directory (so every child also
exercises recovery of the previous child's torn journal), lets it trade, and SIGKILLs it
at a random moment: during startup, mid-batch, mid-write, mid-fsync, mid-snapshot.
A SIGKILL cannot tear a write (the kernel finishes it), so in some cycles the parent also
simulates a power cut: it drops a random part of the bytes after the last acknowledged
record and may append garbage or zeros, as a torn sector would.  After every kill the
journal must still contain each acknowledged command, byte for byte.  At the end,
recovery must produce a clean journal prefix, a state that satisfies the engine
invariants, and the same state hash as a full replay from seq 1.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path
from typing import Dict, List

from openbourse.core.engine.invariants import check_all
from openbourse.core.engine.state_hash import state_hash
from openbourse.journal.format import HEADER_SIZE, RECORD_OVERHEAD
from openbourse.journal.reader import JournalScan
from openbourse.journal.recovery import JOURNAL_FILE, recover, replay_all
from openbourse.journal.storage import FileStorage

CHILD = Path(__file__).with_name("crash_child.py")
CYCLES = 24
MASTER_SEED = 20261126


class Child:
    """A running ``crash_child.py`` whose stdout lines are collected by a thread."""

    def __init__(self, data_dir: Path, seed: int, stderr_path: Path) -> None:
        self.lines: List[str] = []
        self.first_ack = threading.Event()
        self._stderr = open(stderr_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, str(CHILD), str(data_dir), str(seed)],
            stdout=subprocess.PIPE, stderr=self._stderr, cwd=CHILD.parent,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            if raw.endswith(b"\n"):  # a line cut by the kill is not an acknowledgement
                self.lines.append(raw.decode())
                self.first_ack.set()

    def kill(self) -> int:
        self.process.send_signal(signal.SIGKILL)
        code = self.process.wait(30)
        self._reader.join(30)
        self._stderr.close()
        return code


def _journal_crcs(data_dir: Path) -> "tuple[Dict[int, int], int]":
    """crc32 of every command in the journal, read-only; and the torn tail size."""
    storage = FileStorage(str(data_dir / JOURNAL_FILE), read_only=True)
    try:
        scan = JournalScan(storage)
        crcs = {seq: zlib.crc32(body) for seq, body in scan}
        return crcs, scan.torn_bytes
    finally:
        storage.close()


def _power_cut(data_dir: Path, last_acked: int, rng: random.Random) -> None:
    """Lose or tear bytes that no acknowledgement depends on (after ``last_acked``)."""
    path = data_dir / JOURNAL_FILE
    keep = HEADER_SIZE
    storage = FileStorage(str(path), read_only=True)
    try:
        for seq, body in JournalScan(storage):
            if seq > last_acked:
                break
            keep += RECORD_OVERHEAD + len(body)
    finally:
        storage.close()
    data = path.read_bytes()
    cut = rng.randint(keep, len(data))
    tail = rng.choice([b"", bytes(rng.randint(1, 512)), os.urandom(rng.randint(1, 64))])
    path.write_bytes(data[:cut] + tail)


def _run_cycle(data_dir: Path, rng: random.Random, cycle: int) -> Dict[int, int]:
    """One child life; returns the acknowledgements it printed (seq -> crc)."""
    stderr_path = data_dir.parent / f"child-{cycle}.stderr"
    child = Child(data_dir, rng.randrange(2**31), stderr_path)
    if cycle % 5 == 4:
        time.sleep(rng.uniform(0.0, 0.4))  # may land in startup or recovery
    else:
        assert child.first_ack.wait(30), stderr_path.read_text()
        time.sleep(rng.uniform(0.0, 0.25))
    assert child.process.poll() is None, f"child died by itself:\n{stderr_path.read_text()}"
    assert child.kill() == -signal.SIGKILL
    acks = {}
    for line in child.lines:
        seq, crc = line.split()
        acks[int(seq)] = int(crc)
    return acks


def test_sigkill_never_loses_an_acknowledged_command(tmp_path: Path) -> None:
    rng = random.Random(MASTER_SEED)
    data_dir = tmp_path / "node"
    data_dir.mkdir()
    acknowledged: Dict[int, int] = {}
    torn_seen = 0
    for cycle in range(CYCLES):
        acks = _run_cycle(data_dir, rng, cycle)
        acknowledged.update(acks)
        if cycle % 3 == 1:
            _power_cut(data_dir, max(acknowledged, default=0), rng)
        journal, torn_bytes = _journal_crcs(data_dir)
        torn_seen += torn_bytes > 0
        missing = sorted(set(acks) - set(journal))
        assert not missing, f"cycle {cycle}: acknowledged but not journaled: {missing[:10]}"
        assert all(journal[seq] == crc for seq, crc in acks.items()), f"cycle {cycle}"
    assert len(acknowledged) > 1_000, "the children barely acknowledged anything"

    recovered = recover(str(data_dir))
    assert recovered.writer is not None
    recovered.writer.close()
    assert max(acknowledged) <= recovered.last_seq
    check_all(recovered.state)
    journal, torn_bytes = _journal_crcs(data_dir)
    assert torn_bytes == 0 and list(journal) == list(range(1, recovered.last_seq + 1))
    full = replay_all(str(data_dir))
    assert full.last_seq == recovered.last_seq
    assert state_hash(full.state) == state_hash(recovered.state)
    assert recovered.snapshot_seq > 0, "no snapshot was ever written"
    print(f"acknowledged {len(acknowledged)}, journal {recovered.last_seq}, "
          f"torn tails seen {torn_seen}, snapshot {recovered.snapshot_seq}")
