"""``openbourse bench engine`` without ``--json`` prints every figure it measured."""
from __future__ import annotations

from openbourse.runtime.bench_engine import _print_table

RESULT = {
    "commands": 1_000_000, "trades": 487_611, "python": "3.11.2",
    "match_only_cps": 450_697, "core_cps": 56_598, "journaled_cps": 41_393,
    "replay_cps": 41_473, "p50_us": 16.83, "p99_us": 123.22, "p999_us": 253.68,
    "max_ms": 2.389, "fsyncs": 7_334, "fsync_interval_p50_ms": 3.11,
    "fsync_interval_p99_ms": 6.7, "fsync_interval_max_ms": 19.05,
    "bytes_per_resting_order": 445, "state_hash": "639175f4",
    "disk_sync": {"syncs": 200, "p50_ms": 0.297, "p99_ms": 0.965, "max_ms": 1.2,
                  "cpu_us_per_sync": 88.6},
}


def test_table_shows_throughput_latency_and_the_fsync_cadence(capsys) -> None:
    _print_table(RESULT)
    out = capsys.readouterr().out
    assert "450,697 commands/s" in out and "41,393 commands/s" in out
    assert "p99.9 253.68 us" in out
    assert "7,334 fsyncs, 3.11 ms apart (p99 6.7 ms, max 19.05 ms)" in out
    assert "one fsync 0.297 ms (p99 0.965 ms), 88.6 us of CPU" in out
    assert "445 bytes" in out and "639175f4" in out
    assert "futures" not in out  # only when the result has futures figures
