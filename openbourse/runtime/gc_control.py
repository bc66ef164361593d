"""Garbage-collector control for the single writer.

The engine's objects form no reference cycles (orders, levels and balances are trees),
so CPython's cyclic collector only costs time: a full collection walks every live order
and showed up as multi-millisecond pauses and a ~2x slowdown under load.  Two regimes:

* ``enter_writer_mode`` (benchmarks of the bare engine/journal, no network): everything
  built at start-up is frozen into the permanent generation and automatic collection is
  off; the caller collects the young generation at quiet moments (``collect_young``).
* ``enter_server_mode`` (``openbourse serve``): the same freeze, but automatic collection
  stays on with a much larger young generation.  A server also runs code that does make
  cycles (asyncio tasks, exceptions with tracebacks, uvicorn's per-request objects), so
  every generation must still be collected now and then to keep memory bounded; the
  larger thresholds make that ~15x rarer, and the frozen start-up heap (recovered state,
  read models) is never walked again.
"""
from __future__ import annotations

import gc

__all__ = [
    "enter_writer_mode",
    "collect_young",
    "leave_writer_mode",
    "enter_server_mode",
    "SERVER_THRESHOLDS",
]

#: (young, middle, old): a young collection every 10,000 net container allocations
#: (default 700), the older generations after 10 of the younger ones each (default 10);
#: measured under the bench, memory stays flat.
SERVER_THRESHOLDS = (10_000, 10, 10)


def enter_writer_mode() -> None:
    gc.collect()
    gc.freeze()
    gc.disable()


def collect_young() -> int:
    """Collect the youngest generation (cheap: only objects allocated since the last one)."""
    return gc.collect(0)


def leave_writer_mode() -> None:
    gc.unfreeze()
    gc.enable()


def enter_server_mode() -> None:
    """Freeze what start-up built and raise the collection thresholds (see module doc)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVER_THRESHOLDS)
