"""Futures engine benchmark: leveraged order flow with a mark tick per 100 commands, and the
time of one mark-price tick with 100,000 open positions.

    .venv/bin/python -m openbourse.bench.futures_bench [--positions 100000] [--orders 50000]
"""
from __future__ import annotations

import argparse
import json
import random
import time
from typing import Any, Dict, List, Tuple

from ..core.commands import Deposit, ListAsset, Transfer
from ..core.engine import EngineState, apply
from ..core.futures.commands import PlaceFuturesOrder, SetLeverage, SetMarginMode, UpdatePrices
from ..core.futures.demo import DEMO_ASSETS, demo_contracts
from ..runtime.gc_control import enter_writer_mode, leave_writer_mode

__all__ = ["run_futures_bench"]

START = 600000


class _Run:
    def __init__(self) -> None:
        self.state = EngineState()
        self.ts = 1_000_000_000

    def apply(self, cmd: Any) -> List[Any]:
        self.ts += 1000
        return apply(self.state, cmd._replace(ts_ns=self.ts))


def _setup(users: int) -> _Run:
    run = _Run()
    for asset, scale in DEMO_ASSETS:
        run.apply(ListAsset(0, asset, scale))
    for spec in demo_contracts():
        run.apply(spec)
    run.apply(UpdatePrices(0, "BTCUSDT", (("ext", START, 1),)))
    for user in range(1, users + 1):
        run.apply(Deposit(0, user, 1, "USDT", 10**11, f"d{user}"))
        run.apply(Transfer(0, user, "USDT", 10**11, 1, 5, ""))
        if user % 2:
            run.apply(SetMarginMode(0, user, "BTCUSDT", 1))
        run.apply(SetLeverage(0, user, "BTCUSDT", -1, 10 + user % 40))
    return run


def _flow_commands(orders: int, users: int, seed: int) -> List[Any]:
    rng = random.Random(seed)
    commands: List[Any] = []
    price = START
    for n in range(orders):
        if n % 100 == 99:
            price += rng.randint(-300, 300)
            commands.append(UpdatePrices(0, "BTCUSDT", (("ext", price, 1),)))
            continue
        side = rng.randint(0, 1)
        limit = price + (rng.randint(-200, 50) if side == 0 else rng.randint(-50, 200))
        commands.append(PlaceFuturesOrder(0, rng.randint(1, users), "BTCUSDT", side, -1, 0, 0,
                                          limit, rng.randint(1, 20)))
    return commands


def _timed(run: _Run, commands: List[Any]) -> Tuple[float, float]:
    """(wall, CPU) commands per second, garbage collector frozen like the spot bench.

    The CPU figure (``time.process_time``) is the stable one on a shared, loaded box."""
    enter_writer_mode()
    try:
        start, cpu = time.perf_counter(), time.process_time()
        for cmd in commands:
            run.apply(cmd)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        return len(commands) / wall, len(commands) / max(cpu, 1e-9)
    finally:
        leave_writer_mode()


def order_flow(orders: int, users: int = 2000, seed: int = 1) -> float:
    """Orders per second: limit orders around the mark (many cross), one tick per 100."""
    return order_flow_rates(orders, users, seed)[0]


def order_flow_rates(orders: int, users: int = 2000, seed: int = 1) -> Tuple[float, float]:
    """(wall, CPU) rates of ``order_flow``."""
    run = _setup(users)
    return _timed(run, _flow_commands(orders, users, seed))


def mark_tick(positions: int, orders: int = 0) -> Dict[str, float]:
    """Open ``positions`` positions (pairs of users), then time single mark ticks, then
    (``orders`` > 0) the same order flow as ``order_flow`` among 2,000 of those users."""
    users = positions
    run = _setup(users)
    for user in range(1, users // 2 + 1):
        run.apply(PlaceFuturesOrder(0, user, "BTCUSDT", 0, -1, 0, 0, START, 10))
        run.apply(PlaceFuturesOrder(0, users // 2 + user, "BTCUSDT", 1, -1, 1, 0, 0, 10))
    open_positions = len(run.state.products["futures"].positions)
    timings = []
    for price in (START + 100, START - 100, START + 50):  # no threshold crossed
        start = time.perf_counter()
        run.apply(UpdatePrices(0, "BTCUSDT", (("ext", price, 1),)))
        timings.append(time.perf_counter() - start)
    out: Dict[str, float] = {"open_positions": open_positions,
                             "mark_tick_100k_ms": round(min(timings) * 1000, 3)}
    if orders:
        wall, cpu = _timed(run, _flow_commands(orders, min(users, 2000), 1))
        out["futures_cps_with_open_positions"] = round(wall)
        out["futures_cpu_cps_with_open_positions"] = round(cpu)
    return out


def run_futures_bench(positions: int = 100_000, orders: int = 50_000) -> Dict[str, Any]:
    wall, cpu = order_flow_rates(orders)
    result: Dict[str, Any] = {"futures_cps": round(wall), "futures_cpu_cps": round(cpu)}
    result.update(mark_tick(positions, orders))
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--positions", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=50_000)
    args = parser.parse_args()
    print(json.dumps(run_futures_bench(args.positions, args.orders)))


if __name__ == "__main__":
    main()
