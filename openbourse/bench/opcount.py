"""Bytecodes per command of the core on the bench workload: where ``apply`` spends its work.

Wall-clock time on this shared machine swings by ±20 % between runs; the number of
bytecodes a command executes does not, so changes to the hot path are compared with this
(and with callgrind for machine instructions).  Usage::

    python -m openbourse.bench.opcount [--commands N] [--warm N] [--functions]

prints, per kind of command (passive order, crossing order, cancel), how many there were,
the bytecodes each took on average, and with ``--functions`` the functions they went to.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from typing import Any, Dict, List

from ..core.engine import apply
from ..core.events import TradeExecuted
from .engine_bench import fresh_state, to_core_commands
from .workload import generate

__all__ = ["count_opcodes"]


def _kind(command: Any, events: List[Any]) -> str:
    if type(command).__name__ != "PlaceOrder":
        return type(command).__name__
    return "PlaceOrder (crossing)" if any(type(e) is TradeExecuted for e in events) \
        else "PlaceOrder (passive)"


def count_opcodes(commands: int = 10_000, warm: int = 20_000,
                  seed: int = 42) -> Dict[str, Dict[str, Any]]:
    """{kind: {"count", "opcodes" (per command), "fills" (per command), "functions"}} over
    ``commands`` commands applied after ``warm`` untraced ones (so the book is populated)."""
    stream = to_core_commands(generate(warm + commands, seed))
    state = fresh_state()
    for command in stream[:warm]:
        apply(state, command)
    ops = [0]
    per_function: Counter = Counter()

    def trace(frame: Any, event: str, arg: Any) -> Any:
        frame.f_trace_opcodes = True
        if event == "opcode":
            ops[0] += 1
            per_function[frame.f_code.co_name] += 1
        return trace

    totals: Dict[str, Dict[str, Any]] = defaultdict(
        lambda: {"count": 0, "opcodes": 0, "fills": 0, "functions": Counter()})
    for command in stream[warm:]:
        ops[0] = 0
        per_function.clear()
        sys.settrace(trace)
        try:
            events = apply(state, command)
        finally:
            sys.settrace(None)
        row = totals[_kind(command, events)]
        row["count"] += 1
        row["opcodes"] += ops[0]
        row["fills"] += sum(1 for e in events if type(e) is TradeExecuted)
        row["functions"].update(per_function)
    out: Dict[str, Dict[str, Any]] = {}
    for kind, row in totals.items():
        n = row["count"]
        out[kind] = {"count": n, "opcodes": round(row["opcodes"] / n),
                     "fills": round(row["fills"] / n, 2),
                     "functions": {f: round(v / n) for f, v in row["functions"].most_common()}}
    return out


def main(argv: Any = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commands", type=int, default=10_000)
    parser.add_argument("--warm", type=int, default=20_000)
    parser.add_argument("--functions", action="store_true", help="per function, too")
    args = parser.parse_args(argv)
    for kind, row in sorted(count_opcodes(args.commands, args.warm).items()):
        print(f"{kind:24s} {row['count']:6d} commands  {row['opcodes']:5d} bytecodes each"
              f"  {row['fills']:.2f} fills each")
        if args.functions:
            for name, ops in row["functions"].items():
                print(f"    {name:28s} {ops:5d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
