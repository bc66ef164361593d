"""`openbourse bench engine [--commands N] [--seed S] [--json]`.

Prints orders/s for the matching core alone, the full core, the core with the journal
(group commit + fsync, acknowledged after fsync) and replay, plus per-command latency
percentiles of the journaled run, memory per resting order and the final state hash
(identical across runs of the same workload).  Outside tooling reads the ``--json`` keys.
"""
from __future__ import annotations

import argparse
import json
from typing import Any, Dict

__all__ = ["register", "main"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("engine", help="benchmark the matching core, ledger and journal")
    parser.add_argument("--commands", type=int, default=1_000_000,
                        help="workload size (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=42, help="workload seed (default 42)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=main)


def _print_table(result: Dict[str, Any]) -> None:
    print(f"workload: {result['commands']:,} commands, {result['trades']:,} trades "
          f"(python {result['python']})")
    for key, label in (("match_only_cps", "matching core alone"),
                       ("core_cps", "full core (matching + ledger + events)"),
                       ("journaled_cps", "full core + journal (fsync group commit)"),
                       ("replay_cps", "replay from the journal")):
        print(f"  {label:<44} {result[key]:>12,} commands/s")
    print(f"  latency per command (journaled run): p50 {result['p50_us']} us, "
          f"p99 {result['p99_us']} us, p99.9 {result['p999_us']} us, max {result['max_ms']} ms")
    print(f"  journal: {result['fsyncs']:,} fsyncs, {result['fsync_interval_p50_ms']} ms apart "
          f"(p99 {result['fsync_interval_p99_ms']} ms, max {result['fsync_interval_max_ms']} ms)")
    disk = result.get("disk_sync")
    if disk:
        print(f"  the journal's disk: one fsync {disk['p50_ms']} ms (p99 {disk['p99_ms']} ms), "
              f"{disk['cpu_us_per_sync']} us of CPU")
    print(f"  memory per resting order: {result['bytes_per_resting_order']} bytes")
    if "futures_cps" in result:
        print(f"  {'futures (leveraged orders + mark tick/100)':<44} "
              f"{result['futures_cps']:>12,} commands/s")
        print(f"  one mark-price tick with {result['futures_open_positions']:,} open positions: "
              f"{result['mark_tick_100k_ms']} ms")
    print(f"  state hash: {result['state_hash']}")


def main(args: argparse.Namespace) -> int:
    if args.commands < 1000:
        raise SystemExit("--commands must be at least 1000")
    from ..bench.engine_bench import run_bench  # heavy imports only when benchmarking

    result = run_bench(args.commands, args.seed)
    if args.json:
        print(json.dumps(result))
    else:
        _print_table(result)
    return 0
