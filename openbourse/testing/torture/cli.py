"""``openbourse torture``: SIGKILL a live server again and again, check nothing is lost.

    openbourse torture --cycles 20 --clients 8            # the documented long run
    openbourse torture --cycles 3 --clients 4 --json      # what CI runs (tests/reliability)

Exit status 1 when any check failed (the problems are printed; the data dir is kept).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["register"]


def cmd_torture(args: argparse.Namespace) -> int:
    from .run import run

    def log(line: str) -> None:
        if not args.json:
            print(line, flush=True)

    result = run(cycles=args.cycles, clients=args.clients, seed=args.seed,
                 data_dir=args.data_dir, min_run_s=args.min_run, max_run_s=args.max_run,
                 snapshot_every=args.snapshot_every, log=log, keep=args.keep)
    summary = result.summary()
    if args.json:
        print(json.dumps(summary))
    else:
        for key, value in summary.items():
            if key != "problems":
                print(f"{key}: {value}")
    for problem in result.problems:
        print(f"PROBLEM {problem}", file=sys.stderr)
    if result.problems:
        print(f"data dir kept for inspection: {result.data_dir}", file=sys.stderr)
    return 1 if result.problems else 0


def register(sub: Any) -> None:
    parser = sub.add_parser("torture", help="SIGKILL a live server repeatedly under load and "
                            "check every acknowledged request survived exactly once")
    parser.add_argument("--cycles", type=int, default=20, help="kill/restart cycles (20)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent signed clients (8)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="data dir to torture (default: a fresh temporary one)")
    parser.add_argument("--min-run", type=float, default=0.3,
                        help="shortest time under load before a kill, seconds")
    parser.add_argument("--max-run", type=float, default=2.5,
                        help="longest time under load before a kill, seconds")
    parser.add_argument("--snapshot-every", type=int, default=400,
                        help="the server's --snapshot-every (small, so kills meet snapshots)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data dir")
    parser.add_argument("--json", action="store_true", help="print one JSON summary")
    parser.set_defaults(func=cmd_torture)
