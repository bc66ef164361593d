"""The clock pulse: ClockTick commands reach the sequencer (and so the journal) on time."""
from __future__ import annotations

import threading
from typing import Any, List

from openbourse.core.commands import ClockTick, Command
from openbourse.runtime.sequencer import Overloaded, SequencerStopped
from openbourse.runtime.ticker import Ticker


class _FakeSequencer:
    def __init__(self, fail_with: Any = None) -> None:
        self.submitted: List[Command] = []
        self.fail_with = fail_with
        self.called = threading.Event()

    def submit(self, command: Command) -> None:
        self.called.set()
        if self.fail_with is not None:
            raise self.fail_with
        self.submitted.append(command)


def test_ticks_are_submitted_until_stopped() -> None:
    sequencer = _FakeSequencer()
    ticker = Ticker(sequencer, 0.01).start()
    for _ in range(300):
        if len(sequencer.submitted) >= 3:
            break
        threading.Event().wait(0.01)
    ticker.stop()
    count = len(sequencer.submitted)
    assert count >= 3 and all(type(c) is ClockTick for c in sequencer.submitted)
    threading.Event().wait(0.05)
    assert len(sequencer.submitted) == count, "a stopped ticker keeps ticking"


def test_overloaded_skips_a_tick_and_keeps_going() -> None:
    sequencer = _FakeSequencer(Overloaded("full"))
    ticker = Ticker(sequencer, 0.01).start()
    assert sequencer.called.wait(2)
    threading.Event().wait(0.05)
    ticker.stop()
    assert ticker.skipped >= 2


def test_a_stopped_sequencer_ends_the_pulse_and_zero_interval_disables_it() -> None:
    sequencer = _FakeSequencer(SequencerStopped("stopped"))
    ticker = Ticker(sequencer, 0.01).start()
    assert sequencer.called.wait(2)
    ticker.stop()
    idle = _FakeSequencer()
    Ticker(idle, 0).start().stop()
    assert not idle.called.is_set()
