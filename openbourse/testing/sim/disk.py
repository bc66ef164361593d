"""The simulated disk: a ``MemoryStorage`` that loses power on a seeded schedule.

While ``armed`` (the simulator arms it only while a step runs), every ``append`` and
``sync`` rolls the disk's own seeded die; a hit is a power cut at that exact operation:

* ``before-write``: the bytes of this append never reach the disk;
* ``torn-write``: they were written, but only a random prefix of everything unsynced
  survives (sometimes with 512-byte sectors zeroed or garbled: out-of-order writeback);
* ``lost-sync``: the fsync never happened, so again a random prefix of the unsynced bytes;
* ``synced-not-acked``: the fsync completed but the process died before acknowledging,
  so the commands are durable although no client heard about them.

The cut captures the surviving ``image`` (what the restarted node will find), closes
the disk, and raises ``OSError(EIO)`` into the journal writer, which fails every
in-flight command, exactly as a dead process would never answer them.  Because the
simulator drives the node in lockstep (see ``node.py``) the sequence of appends and
syncs, and so every roll, depends on the seed alone.
"""
from __future__ import annotations

import errno
import random
import threading
from typing import Optional

from ...journal.storage import MemoryStorage

__all__ = ["SimDisk", "PowerCut", "FAULT_KINDS"]

FAULT_KINDS = ("before-write", "torn-write", "lost-sync", "synced-not-acked", "idle")


class PowerCut(OSError):
    """Raised into the journal writer at the simulated power cut."""


class SimDisk(MemoryStorage):
    def __init__(self, data: bytes, rng: random.Random, fault_rate: float) -> None:
        super().__init__(data)
        self.rng = rng
        self.fault_rate = fault_rate
        self.armed = False
        self.appends = 0
        self.syncs = 0
        self.fault = ""  # kind of the power cut, once it happened
        self.image: Optional[MemoryStorage] = None
        self.cut = threading.Event()

    # -- the storage port, with faults ----------------------------------------------------
    def append(self, data: bytes) -> None:
        self.appends += 1
        if self._hit():
            if self.rng.random() < 0.5:
                self._power_cut("before-write")
            super().append(data)
            self._power_cut("torn-write")
        super().append(data)

    def sync(self) -> None:
        self.syncs += 1
        if self._hit():
            if self.rng.random() < 0.5:
                self._power_cut("lost-sync")
            super().sync()
            self._power_cut("synced-not-acked")
        super().sync()

    # -- power cuts ---------------------------------------------------------------------
    def _hit(self) -> bool:
        return self.armed and not self.cut.is_set() and self.rng.random() < self.fault_rate

    def power_cut(self, kind: str = "idle") -> MemoryStorage:
        """Cut the power now (from the simulator, between steps); returns the image."""
        if not self.cut.is_set():
            self._capture(kind)
        assert self.image is not None
        return self.image

    def _power_cut(self, kind: str) -> None:
        self._capture(kind)
        raise PowerCut(errno.EIO, f"simulated power cut ({kind})")

    def _capture(self, kind: str) -> None:
        rng = self.rng
        self.fault = kind
        self.image = self.crash(rng, tear=True, scramble=rng.random() < 0.3)
        self.cut.set()
