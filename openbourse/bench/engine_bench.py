"""`openbourse bench engine`: the core's throughput and latency on a seeded workload.

Measured in one process, one after the other, on the same command stream:

1. ``match_only``  the order book and matching alone (no events, no ledger);
2. ``core``        the full core: ``apply`` with validation, ledger holds, fees, events;
3. ``journaled``   the full core plus the journal: every command encoded and appended,
                   group-committed with fsync by the writer thread (at least every 5 ms:
                   ``fsync_interval_*_ms`` report how far apart they were),
                   acknowledged after its fsync;
4. ``replay``      recovery: reading the journal back and re-applying it.

Latency percentiles are per command (apply + journal append) in the journaled run.
``disk_sync`` is what one fsync cost on the journal's disk just before that run
(``journal/sync_probe.py``): it sets how far apart the group commits can be.
"""
from __future__ import annotations

import gc
import platform
import shutil
import tempfile
import time
import tracemalloc
from typing import Any, Dict, List, Sequence, Tuple

from ..core.commands import (CancelOrder, Deposit, ListAsset, ListMarket, PlaceOrder)
from ..core.engine import EngineState, apply
from ..core.engine.state_hash import state_hash
from ..core.enums import AccountType
from ..core.orderbook.book import OrderBook
from ..core.orderbook.order import Order
from ..journal.sync_probe import probe_disk_sync
from ..runtime.gc_control import enter_writer_mode, leave_writer_mode
from .journal_bench import run_journaled, run_replay
from .workload import CANCEL, WorkloadCommand, generate

__all__ = ["run_bench", "setup_commands", "to_core_commands", "USERS"]

USERS = 1000
SYMBOL = "BENCHUSD"
_FUNDS = 10**24


def setup_commands(users: int = USERS) -> List[Any]:
    """Listing and funding: prices in cents, sizes in 0.0001 base, fees 0.1 %."""
    commands: List[Any] = [
        ListAsset(0, "BENCH", 8), ListAsset(0, "USD", 8),
        ListMarket(0, SYMBOL, "BENCH", "USD", 2, 4, 1, 1, 1, 10**15, 0, 1000, 1000, 0, 0),
    ]
    for user in range(1, users + 1):
        commands.append(Deposit(0, user, int(AccountType.SPOT), "BENCH", _FUNDS, f"b{user}"))
        commands.append(Deposit(0, user, int(AccountType.SPOT), "USD", _FUNDS, f"u{user}"))
    return commands


def to_core_commands(workload: Sequence[WorkloadCommand], users: int = USERS) -> List[Any]:
    """Workload tuples as core commands.  Order ids equal workload oids: every order is
    accepted (users are funded) and the engine numbers accepted orders from 1."""
    owner: Dict[int, int] = {}
    out: List[Any] = []
    for index, (op, oid, side, price, qty) in enumerate(workload):
        ts = 1_000_000 + index * 1_000
        if op == CANCEL:
            out.append(CancelOrder(ts, owner.pop(oid), SYMBOL, oid))
        else:
            user = 1 + oid % users
            owner[oid] = user
            out.append(PlaceOrder(ts, user, SYMBOL, side, 0, 0, price, qty, 0))
    return out


def run_match_only(workload: Sequence[WorkloadCommand], return_book: bool = False) -> Any:
    """(seconds, trades, volume[, book]) for the book and matching alone."""
    book = OrderBook(SYMBOL)
    live: Dict[int, Order] = {}
    trades = volume = 0
    enter_writer_mode()  # same GC regime as the full core
    start = time.perf_counter()
    for op, oid, side, price, qty in workload:
        if op == CANCEL:
            order = live.pop(oid)
            book.side(order.side).remove(order)
            continue
        order = Order(oid, 1, SYMBOL, side, 0, 0, price, qty, 0, "", 0, 0, 0, None, None, 0)
        opposite = book.asks if side == 0 else book.bids
        if opposite.keys and opposite.keys[0] <= opposite.sign * price:  # crosses: match
            fills, _, _ = book.match(order, price, qty)
            for maker, size in fills:
                qty -= size
                volume += size
                if not maker.remaining:
                    del live[maker.order_id]
            trades += len(fills)
        if qty:
            order.remaining = qty
            (book.bids if side == 0 else book.asks).add(order)
            live[oid] = order
    seconds = time.perf_counter() - start
    leave_writer_mode()
    return (seconds, trades, volume, book) if return_book else (seconds, trades, volume)


def fresh_state(users: int = USERS) -> EngineState:
    state = EngineState()
    for command in setup_commands(users):
        apply(state, command)
    return state


def run_core(commands: Sequence[Any], users: int = USERS) -> Tuple[float, EngineState, int]:
    state = fresh_state(users)
    first_trade_id = state.next_trade_id  # trades are counted from the ids, not in the loop
    enter_writer_mode()
    try:
        start = time.perf_counter()
        for command in commands:
            apply(state, command)
        seconds = time.perf_counter() - start
    finally:
        leave_writer_mode()
    return seconds, state, state.next_trade_id - first_trade_id


def bytes_per_resting_order(count: int = 100_000) -> int:
    """Memory held by the engine per resting order (tracemalloc, 100k orders)."""
    state = fresh_state(10)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for index in range(count):
        side = index % 2
        price = 100_000 - 1 - index % 500 if side == 0 else 100_000 + 1 + index % 500
        apply(state, PlaceOrder(index, 1 + index % 10, SYMBOL, side, 0, 0, price, 10, 0))
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert len(state.orders) == count
    return (after - before) // count


def percentile_us(ordered_ns: Sequence[int], fraction: float) -> float:
    index = min(len(ordered_ns) - 1, int(fraction * len(ordered_ns)))
    return ordered_ns[index] / 1000.0


def run_bench(commands_total: int = 1_000_000, seed: int = 42) -> Dict[str, Any]:
    workload = generate(commands_total, seed)
    commands = to_core_commands(workload)
    match_seconds, match_trades, _ = run_match_only(workload)
    gc.collect()
    core_seconds, state, trades = run_core(commands)
    digest = state_hash(state)
    del state
    gc.collect()
    data_dir = tempfile.mkdtemp(prefix="openbourse-bench-")
    try:
        disk_sync = probe_disk_sync(data_dir)
        journaled = run_journaled(setup_commands(), commands, data_dir)
        replay_seconds, replay_hash, replayed = run_replay(data_dir)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    assert journaled.state_hash == digest == replay_hash, \
        "journaled/replayed state differs from core run"
    count = len(commands)
    latencies_ns = sorted(journaled.latencies_ns)
    gaps_ns = sorted(journaled.fsync_gaps_ns) or [0]
    return {
        "commands": count,
        "trades": trades,
        "match_trades": match_trades,
        "match_only_cps": round(count / match_seconds),
        "core_cps": round(count / core_seconds),
        "journaled_cps": round(count / journaled.seconds),
        "replay_cps": round(replayed / replay_seconds),
        "fsyncs": journaled.fsyncs,
        "fsync_interval_p50_ms": round(percentile_us(gaps_ns, 0.50) / 1000, 2),
        "fsync_interval_p99_ms": round(percentile_us(gaps_ns, 0.99) / 1000, 2),
        "fsync_interval_max_ms": round(gaps_ns[-1] / 1e6, 2),
        "p50_us": round(percentile_us(latencies_ns, 0.50), 2),
        "p99_us": round(percentile_us(latencies_ns, 0.99), 2),
        "p999_us": round(percentile_us(latencies_ns, 0.999), 2),
        "max_ms": round(latencies_ns[-1] / 1e6, 3),
        "disk_sync": disk_sync,
        "bytes_per_resting_order": bytes_per_resting_order(),
        "state_hash": digest,
        "python": platform.python_version(),
        **_futures_figures(),
    }


def _futures_figures() -> Dict[str, Any]:
    """Futures workload next to spot (openbourse/bench/futures_bench.py)."""
    from .futures_bench import run_futures_bench
    figures = run_futures_bench()
    return {"futures_cps": figures["futures_cps"],
            "mark_tick_100k_ms": figures["mark_tick_100k_ms"],
            "futures_open_positions": figures["open_positions"]}
