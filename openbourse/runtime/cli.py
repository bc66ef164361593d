"""The ``openbourse`` command line.

Fixed forms (outside tooling depends on them)::

    openbourse serve [--host H] [--port P] [--data-dir D]
    openbourse users create EMAIL [--password PW] [--admin] [--data-dir D]
    openbourse deposit EMAIL|ADDRESS ASSET AMOUNT [--ref TXID] [--data-dir D]
    openbourse keys create EMAIL --perm read,trade,transfer [--ip IP,...] [--json] [--data-dir D]
    openbourse keys revoke APIKEY [--data-dir D]
    openbourse withdrawals list|complete ID|fail ID [--json] [--data-dir D]
    openbourse replay [--data-dir D]

Admin commands talk to the node serving the data dir through ``admin.sock``; when none
runs they open the data dir themselves (same lock, recovery and sequencer as ``serve``),
so a deposit is journaled exactly like one made through a live node.  ``bench`` commands
are registered by ``runtime/bench_engine.py`` / ``bench_server.py`` when present;
``sim`` and ``torture`` (docs/reliability.md) by ``testing/sim`` and ``testing/torture``.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from .admin import AdminError, AdminOps, call_socket
from .config import Config, default_data_dir
from .node import DataDirLocked, Node

__all__ = ["main", "build_parser", "run_admin"]

BENCH_MODULES = ("openbourse.runtime.bench_engine", "openbourse.runtime.bench_server")
#: reliability tools with a ``register(subparsers)``: ``openbourse sim`` and ``torture``
TOOL_MODULES = ("openbourse.testing.sim.cli", "openbourse.testing.torture.cli")


def _data_dir_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir", type=Path, default=None, help=f"data directory (default {default_data_dir()})"
    )


def run_admin(data_dir: Path, op: str, args: Dict[str, Any]) -> Any:
    """Run an admin op on the live node, or on the data dir when no node runs."""
    deadline = time.monotonic() + 15.0
    while True:
        reply = call_socket(data_dir, op, args)
        if reply is not None:
            return reply["result"]
        node = Node(Config(data_dir, demo=False, market_makers=False))
        try:
            node.open()
        except DataDirLocked:
            node.close()
            if time.monotonic() > deadline:
                raise AdminError(
                    f"{data_dir} is locked by another process that does not answer"
                ) from None
            time.sleep(0.2)  # a node is starting up: its socket appears shortly
            continue
        try:
            node.start()
            return asyncio.run(AdminOps(node).run(op, args))
        finally:
            node.close()


def _print(result: Any, as_json: bool) -> None:
    if as_json or not isinstance(result, dict):
        print(json.dumps(result, indent=None if as_json else 2))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")


def cmd_serve(args: argparse.Namespace) -> int:
    from .cpu_pin import CpuChoiceError, choose_cpu, pin_to
    from .server import serve

    try:
        cpu = choose_cpu(args.cpu)
    except CpuChoiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if cpu is not None:
        pin_to(cpu)  # before any thread starts: they all inherit it (see cpu_pin.py)
    config = Config(
        args.data_dir or default_data_dir(),
        host=args.host,
        port=args.port,
        demo=not args.no_demo,
        market_makers=not args.no_market_makers,
        rate_limit_scale=0.0 if args.no_rate_limit else 1.0,
        snapshot_every=args.snapshot_every,
        tick_interval_s=args.tick_interval,
    )
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        serve(config)
    except DataDirLocked as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_users(args: argparse.Namespace) -> int:
    data_dir = args.data_dir or default_data_dir()
    if args.action == "create":
        result = run_admin(
            data_dir,
            "user_create",
            {"email": args.email, "password": args.password, "admin": args.admin},
        )
    else:
        result = run_admin(data_dir, "user_list", {})
    _print(result, getattr(args, "json", False))
    return 0


def cmd_deposit(args: argparse.Namespace) -> int:
    result = run_admin(
        args.data_dir or default_data_dir(),
        "deposit",
        {"email": args.email, "asset": args.asset, "amount": args.amount, "ref": args.ref},
    )
    _print(result, args.json)
    return 0


def cmd_fees(args: argparse.Namespace) -> int:
    result = run_admin(args.data_dir or default_data_dir(), "fee_tier",
                       {"email": args.email, "maker": args.maker, "taker": args.taker})
    _print(result, args.json)
    return 0


def cmd_keys(args: argparse.Namespace) -> int:
    data_dir = args.data_dir or default_data_dir()
    if args.action == "create":
        result = run_admin(
            data_dir,
            "key_create",
            {"email": args.target, "perm": args.perm, "ips": args.ip or "", "label": args.label},
        )
    elif args.action == "revoke":
        result = run_admin(data_dir, "key_revoke", {"api_key": args.target})
    else:
        result = run_admin(data_dir, "key_list", {"email": args.target})
    _print(result, args.json)
    return 0


def cmd_withdrawals(args: argparse.Namespace) -> int:
    data_dir = args.data_dir or default_data_dir()
    if args.action == "list":
        result = run_admin(data_dir, "withdrawal_list", {})
    else:
        result = run_admin(data_dir, "withdrawal_" + args.action, {"order_id": args.order_id})
    _print(result, args.json)
    return 0


def cmd_futures(args: argparse.Namespace) -> int:
    rows = run_admin(args.data_dir or default_data_dir(), "futures_risk", {})
    if args.json:
        print(json.dumps(rows))
        return 0
    for row in rows:
        print(" ".join(f"{key}={value}" for key, value in row.items()))
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    """Delete the read-model databases and rebuild them from the journal."""
    data_dir = args.data_dir or default_data_dir()
    node = Node(Config(data_dir, demo=False, market_makers=False))
    try:
        node.lock_data_dir(wait=False)  # hold it while deleting
    except DataDirLocked as exc:
        print(f"error: {exc} (stop the server first)", file=sys.stderr)
        return 1
    try:
        for name in ("private.sqlite", "market.sqlite", "products.sqlite", "futures.sqlite",
                     "futures-market.sqlite"):
            for suffix in ("", "-wal", "-shm"):
                (data_dir / (name + suffix)).unlink(missing_ok=True)
    finally:
        node.close()
    node = Node(Config(data_dir, demo=False, market_makers=False)).open()
    seq = node.recovery.last_seq if node.recovery else 0
    node.close()
    print(f"read models rebuilt from the journal through seq {seq}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="openbourse", description="self-hosted Bitget-v2-compatible exchange"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the exchange (REST + WebSocket)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    _data_dir_arg(serve)
    serve.add_argument(
        "--no-demo", action="store_true", help="do not list demo markets / demo user"
    )
    serve.add_argument(
        "--no-market-makers", action="store_true", help="do not run simulated makers"
    )
    serve.add_argument(
        "--no-rate-limit", action="store_true", help="disable rate limits (benchmarks)"
    )
    serve.add_argument(
        "--snapshot-every",
        type=int,
        default=100_000,
        metavar="N",
        help="write an engine snapshot every N commands (0 = never)",
    )
    serve.add_argument(
        "--tick-interval",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="journaled clock tick period: interest, funding, expiries (0 = none)",
    )
    serve.add_argument(
        "--cpu",
        default="auto",
        metavar="auto|none|N",
        help="run every server thread on one CPU: auto (default) = the last one, "
        "none = let the kernel move them",
    )
    serve.set_defaults(func=cmd_serve)

    users = sub.add_parser("users", help="manage users").add_subparsers(
        dest="action", required=True
    )
    create = users.add_parser("create", help="create a user")
    create.add_argument("email")
    create.add_argument("--password", default=None, help="default: generated and printed")
    create.add_argument("--admin", action="store_true", help="give the user the admin role")
    create.add_argument("--json", action="store_true")
    _data_dir_arg(create)
    listing = users.add_parser("list", help="list users")
    listing.add_argument("--json", action="store_true")
    _data_dir_arg(listing)
    for p in (create, listing):
        p.set_defaults(func=cmd_users)

    deposit = sub.add_parser("deposit", help="admin credit to a user's spot account (journaled)")
    deposit.add_argument("email", metavar="EMAIL|ADDRESS",
                         help="the user's email, or one of the user's deposit addresses")
    deposit.add_argument("asset")
    deposit.add_argument("amount")
    deposit.add_argument("--ref", help="transaction id: a retry with the same ref credits once")
    deposit.add_argument("--json", action="store_true")
    _data_dir_arg(deposit)
    deposit.set_defaults(func=cmd_deposit)

    fees = sub.add_parser("fees", help="a user's fee tier (VIP)").add_subparsers(
        dest="action", required=True
    )
    fee_set = fees.add_parser(
        "set", help="set the user's spot/margin maker and taker rates (journaled); "
        "a rate left out is the market's, both left out resets the user")
    fee_set.add_argument("email")
    fee_set.add_argument("--maker", help="maker rate, e.g. 0.0008 (0.08 %%)")
    fee_set.add_argument("--taker", help="taker rate, e.g. 0.001")
    fee_set.add_argument("--json", action="store_true")
    _data_dir_arg(fee_set)
    fee_set.set_defaults(func=cmd_fees)

    keys = sub.add_parser("keys", help="manage API keys").add_subparsers(
        dest="action", required=True
    )
    for action, target_help in (
        ("create", "user email"),
        ("revoke", "API key"),
        ("list", "user email"),
    ):
        p = keys.add_parser(action, help=f"{action} API keys")
        p.add_argument("target", help=target_help)
        p.add_argument("--json", action="store_true")
        _data_dir_arg(p)
        if action == "create":
            p.add_argument(
                "--perm", default="read", help="comma list of read,trade,transfer,withdraw"
            )
            p.add_argument("--ip", default=None, help="comma list of allowed client IPs")
            p.add_argument("--label", default="")
        p.set_defaults(func=cmd_keys)

    withdrawals = sub.add_parser(
        "withdrawals", help="pending withdrawals: list, complete (sent) or fail (refund)"
    ).add_subparsers(dest="action", required=True)
    for action, action_help in (
        ("list", "list pending withdrawals"),
        ("complete", "mark a withdrawal as sent: its held funds leave the exchange"),
        ("fail", "fail a withdrawal: its held funds return to the user"),
    ):
        p = withdrawals.add_parser(action, help=action_help)
        if action != "list":
            p.add_argument("order_id", metavar="ID", help="the withdrawal's orderId")
        p.add_argument("--json", action="store_true")
        _data_dir_arg(p)
        p.set_defaults(func=cmd_withdrawals)

    futures = sub.add_parser("futures", help="futures operator views").add_subparsers(
        dest="action", required=True)
    risk = futures.add_parser(
        "risk", help="per contract: open interest, house position, clearing, insurance, bad debt")
    risk.add_argument("--json", action="store_true")
    _data_dir_arg(risk)
    risk.set_defaults(func=cmd_futures)

    replay = sub.add_parser("replay", help="rebuild read models from the journal (server stopped)")
    _data_dir_arg(replay)
    replay.set_defaults(func=cmd_replay)

    _register_bench(sub)
    for name in TOOL_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _register_bench(sub: Any) -> None:
    """``openbourse bench ...``: subcommands contributed by the benchmark modules."""
    modules: List[Any] = []
    for name in BENCH_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if callable(getattr(module, "register", None)):
            modules.append(module)
    if not modules:
        return
    bench = sub.add_parser("bench", help="benchmarks").add_subparsers(dest="bench", required=True)
    for module in modules:
        module.register(bench)


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except AdminError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
