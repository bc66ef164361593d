"""``openbourse sim``: run many seeds of the deterministic simulation (soak testing).

    openbourse sim --seeds 0:1000 --steps 500          # seeds 0..999
    openbourse sim --seeds 4242 --steps 300            # reproduce one failing seed
    openbourse sim --seeds 0:50 --json                 # one JSON summary line at the end

Exit status 1 on the first failing seed (its message names the seed), after printing
the totals so far.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any, Dict, List

from . import actions
from .runner import SimFailure, SimResult, run

__all__ = ["register", "parse_seeds", "summarise"]


def parse_seeds(text: str) -> range:
    """``"7"`` → seed 7; ``"0:100"`` → seeds 0..99."""
    if ":" in text:
        start, _, stop = text.partition(":")
        return range(int(start), int(stop))
    return range(int(text), int(text) + 1)


def summarise(results: List[SimResult], seconds: float) -> Dict[str, Any]:
    cuts: Dict[str, int] = {}
    for result in results:
        for kind, count in result.power_cuts.items():
            cuts[kind] = cuts.get(kind, 0) + count
    return {
        "seeds": len(results),
        "steps": sum(r.steps for r in results),
        "commands_checked": sum(r.commands for r in results),
        "acks": sum(r.acked for r in results),
        "power_cuts": sum(cuts.values()),
        "power_cuts_by_kind": dict(sorted(cuts.items())),
        "restarts": sum(r.restarts for r in results),
        "durable_unacked_recovered": sum(r.durable_unacked for r in results),
        "resubmitted_after_loss": sum(r.resubmitted for r in results),
        "snapshots": sum(r.snapshots for r in results),
        "trades": sum(r.trades for r in results),
        "lost": sum(r.lost for r in results),
        "duplicated": sum(r.duplicated for r in results),
        "invariant_violations": sum(r.violations for r in results),
        "seconds": round(seconds, 1),
    }


def cmd_sim(args: argparse.Namespace) -> int:
    products = [p for p in args.products.split(",") if p] if args.products else None
    unknown = [p for p in products or () if p not in actions.products()]
    if unknown:
        print(f"error: unknown products {unknown}; registered: {actions.products()}",
              file=sys.stderr)
        return 2
    results: List[SimResult] = []
    started = time.monotonic()
    status = 0
    for seed in parse_seeds(args.seeds):
        try:
            result = run(seed, args.steps, products=products, fault_rate=args.fault_rate)
        except SimFailure as exc:
            print(f"FAIL {exc}", file=sys.stderr, flush=True)
            status = 1
            break
        results.append(result)
        if not args.json:
            print(result.line(), flush=True)
    summary = summarise(results, time.monotonic() - started)
    if args.json:
        print(json.dumps(summary))
    else:
        print("summary: " + ", ".join(f"{k} {v}" for k, v in summary.items()))
    return status


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "sim", help="deterministic simulation: real sequencer/engine/journal, power cuts")
    parser.add_argument("--seeds", default="0:20", help="a seed N or a range A:B (default 0:20)")
    parser.add_argument("--steps", type=int, default=300, help="steps per seed (default 300)")
    parser.add_argument("--products", default="",
                        help=f"comma list (default all: {','.join(actions.products())})")
    parser.add_argument("--fault-rate", type=float, default=None,
                        help="chance that a disk operation is a power cut (default: per seed)")
    parser.add_argument("--json", action="store_true", help="print only a JSON summary")
    parser.set_defaults(func=cmd_sim)
