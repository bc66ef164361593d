"""Clocks: the only place openbourse reads the wall clock.

The core never reads time; the sequencer stamps each command with ``clock.now_ns()``.
Keeping the clock behind a one-method ``Protocol`` lets tests and simulations drive time
with ``FakeClock`` instead of sleeping.
"""
from __future__ import annotations

import threading
import time
from typing import Protocol

__all__ = ["Clock", "WallClock", "FakeClock"]


class Clock(Protocol):
    def now_ns(self) -> int:
        """Nanoseconds since the Unix epoch."""


class WallClock:
    """``time.time_ns()``, but never going backwards.

    NTP or an operator can step the system clock back; order timestamps and candles must
    not.  A backwards step is absorbed by repeating the last value until real time
    catches up.  ``floor_ns`` seeds the floor after a restart (the last journaled stamp).
    """

    def __init__(self, floor_ns: int = 0) -> None:
        self._last = floor_ns
        self._lock = threading.Lock()

    def now_ns(self) -> int:
        now = time.time_ns()
        with self._lock:
            if now < self._last:
                return self._last
            self._last = now
            return now


class FakeClock:
    """A clock that moves only when told (or by ``step_ns`` per reading).

    It may also be set backwards on purpose, to test that consumers stay monotonic.
    """

    def __init__(self, start_ns: int = 1_700_000_000_000_000_000, step_ns: int = 0) -> None:
        self._now = start_ns
        self.step_ns = step_ns
        self._lock = threading.Lock()

    def now_ns(self) -> int:
        with self._lock:
            now = self._now
            self._now += self.step_ns
            return now

    def advance(self, delta_ns: int) -> None:
        with self._lock:
            self._now += delta_ns

    def set(self, now_ns: int) -> None:
        with self._lock:
            self._now = now_ns
