"""Garbage-collector control for the single writer.

The engine's objects form no reference cycles (orders, levels and balances are trees),
so CPython's cyclic collector only costs time: a full collection walks every live order
and showed up as multi-millisecond pauses and a ~2x slowdown under load.  The writer
therefore freezes everything built at start-up (recovery, snapshot load) into the
permanent generation and runs with automatic collection off, collecting the young
generation explicitly at quiet moments (``collect_young``), where a pause is harmless.
"""
from __future__ import annotations

import gc

__all__ = ["enter_writer_mode", "collect_young", "leave_writer_mode"]


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
