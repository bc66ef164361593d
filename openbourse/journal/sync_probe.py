"""What one durable journal commit costs on the disk under a data dir, measured now.

Every acknowledged command waits for an fsync (group commit), so the disk's sync cost is
part of every journaled figure: on this project's shared VM the same server build made
2,150-2,500 orders/s with its fsyncs and 2,900-3,600 without them, in the same hour
(docs/performance.md, "The price of an fsync").  The benches report it next to their own
figures so that a slow run can be told apart from a slow build, and ``serve`` prints it at
start-up (and warns when it is slow) because it is the floor of every order's latency.

The probe appends ``record_bytes`` (about one server batch of journal records) to a
scratch file and syncs it, ``syncs`` times, through the journal's own ``FileStorage``; it
reports the latency percentiles and the CPU the calling thread spent per sync.  The file
is removed.
"""
from __future__ import annotations

import os
import time
from typing import Dict

from .storage import FileStorage

__all__ = ["probe_disk_sync"]


def probe_disk_sync(directory: str, syncs: int = 200, record_bytes: int = 2048) -> Dict[str, float]:
    """``{"syncs", "p50_ms", "p99_ms", "max_ms", "cpu_us_per_sync"}`` for ``directory``'s disk."""
    if syncs <= 0 or record_bytes <= 0:
        raise ValueError("syncs and record_bytes must be positive")
    path = os.path.join(directory, f".disk-sync-probe-{os.getpid()}")
    record = b"\x5a" * record_bytes
    latencies = []
    storage = FileStorage(path)  # the journal's own append and sync, not a copy of them
    try:
        cpu_start = time.thread_time_ns()
        for _ in range(syncs):
            start = time.perf_counter_ns()
            storage.append(record)
            storage.sync()
            latencies.append(time.perf_counter_ns() - start)
        cpu_ns = time.thread_time_ns() - cpu_start
    finally:
        storage.close()
        os.unlink(path)
    latencies.sort()
    return {
        "syncs": syncs,
        "p50_ms": round(latencies[syncs // 2] / 1e6, 3),
        "p99_ms": round(latencies[min(syncs - 1, syncs * 99 // 100)] / 1e6, 3),
        "max_ms": round(latencies[-1] / 1e6, 3),
        "cpu_us_per_sync": round(cpu_ns / syncs / 1e3, 1),
    }
