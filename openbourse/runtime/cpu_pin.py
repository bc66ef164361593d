"""Keep the server's threads on one CPU (``openbourse serve --cpu``).

The server's Python work runs under one interpreter lock, so it never uses more than one
core's worth of time, however many threads it has (event loop, sequencer, dispatcher,
flushers).  Spread over several cores, each hand-off of that lock between them also moves
the objects it guards (the commands, events and read models a request touches) from one
core's caches to another's.  Kept on one core, the same work took about 16 % less CPU per
signed request here, and the server answered 12-17 % more orders per second (README,
"Benchmarks"); exchange engines pin their threads for the same reason.  The kernel's part
(fsync, socket writes) is small and stays on that core too.

``auto`` (the default) picks the highest-numbered CPU the process may run on when it may
run on two or more (CPU 0 is where the kernel tends to handle interrupts), and does
nothing on a single CPU; ``none`` leaves scheduling to the kernel.
"""
from __future__ import annotations

import os
from typing import Optional, Set

__all__ = ["choose_cpu", "pin_to", "CpuChoiceError"]


class CpuChoiceError(ValueError):
    """``--cpu`` names a CPU this process may not run on, or is not a CPU number."""


def _allowed() -> Set[int]:
    getter = getattr(os, "sched_getaffinity", None)
    return set(getter(0)) if getter is not None else set()


def choose_cpu(spec: str) -> Optional[int]:
    """The CPU to pin to for ``spec`` (``auto``, ``none`` or a CPU number), or None."""
    if spec == "none":
        return None
    if spec != "auto" and not spec.isdigit():
        raise CpuChoiceError(f"--cpu must be auto, none or a CPU number, not {spec!r}")
    allowed = _allowed()
    if not allowed:  # no affinity API (not Linux): nothing to do
        return None
    if spec == "auto":
        return max(allowed) if len(allowed) >= 2 else None
    cpu = int(spec)
    if cpu not in allowed:
        raise CpuChoiceError(
            f"CPU {cpu} is not one this process may use ({', '.join(map(str, sorted(allowed)))})")
    return cpu


def pin_to(cpu: int) -> None:
    """Pin every thread of this process to ``cpu`` (threads started later inherit it)."""
    try:
        tasks = [int(name) for name in os.listdir("/proc/self/task")]
    except OSError:
        tasks = [0]
    for task in tasks:
        try:
            os.sched_setaffinity(task, {cpu})
        except OSError:  # a thread that ended meanwhile
            pass
