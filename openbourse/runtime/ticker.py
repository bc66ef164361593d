"""The clock pulse: a ``ClockTick`` command into the sequencer every ``interval_s``.

Time-driven work (margin interest, funding settlement, quote and client-id expiry) runs
in the core's ClockTick handler, never on a timer inside the core, so a tick is journaled
like any other command and replay reproduces it exactly.  This thread only decides *when*
to ask; the sequencer stamps the time.  A full inbound queue skips a tick (the next one
covers the elapsed time: every product computes from timestamps, not from tick counts).
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Optional

from ..core.commands import ClockTick
from .sequencer import Overloaded, SequencerStopped

__all__ = ["Ticker"]

_log = logging.getLogger(__name__)


class Ticker:
    def __init__(self, sequencer: Any, interval_s: float) -> None:
        self._sequencer = sequencer
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self.skipped = 0

    def start(self) -> "Ticker":
        if self._interval_s > 0:
            self._thread = threading.Thread(target=self._run, name="ticker", daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                self._sequencer.submit(ClockTick(0))
            except Overloaded:
                self.skipped += 1
            except SequencerStopped:
                return
            except Exception:  # noqa: BLE001 - never let the pulse die silently
                _log.exception("clock tick failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
