"""A seeded order-flow workload shaped like the peer harness's (../shared/bench/peers).

Each command is a tuple ``(op, oid, side, price, qty)`` of ints: ``op`` 0 = new GTC limit
order, 1 = cancel of resting order ``oid``.  The mix is about 60 % passive orders priced
behind the opposite touch (geometric distance, mean ``mean_offset`` ticks), 25 % cancels
of a uniformly chosen resting order, and 15 % marketable orders sized to sweep the first
``k`` resting orders, with ``k`` adapted so that about ``target_resting`` orders rest.

The generator drives the project's own order book while it generates (so every cancel
targets a live order), using only ``random.Random(seed)``: one seed, one stream.
"""
from __future__ import annotations

import math
from random import Random
from typing import Dict, List, Tuple

from ..core.orderbook.book import OrderBook
from ..core.orderbook.order import Order

__all__ = ["generate", "NEW", "CANCEL", "WorkloadCommand"]

NEW, CANCEL = 0, 1
WorkloadCommand = Tuple[int, int, int, int, int]


class _Resting:
    """Resting order ids with O(1) uniform choice and removal."""

    def __init__(self) -> None:
        self.ids: List[int] = []
        self.where: Dict[int, int] = {}

    def add(self, oid: int) -> None:
        self.where[oid] = len(self.ids)
        self.ids.append(oid)

    def discard(self, oid: int) -> None:
        index = self.where.pop(oid)
        last = self.ids.pop()
        if last != oid:
            self.ids[index] = last
            self.where[last] = index


def _geometric(rng: Random, mean: float) -> int:
    """1 + a geometric variate with the given mean excess (inverse transform)."""
    p = 1.0 / (1.0 + mean)
    return 1 + int(math.log(1.0 - rng.random()) / math.log(1.0 - p))


def _sweep(book: OrderBook, side: int, k: int) -> Tuple[int, int]:
    """(price of the k-th resting order on ``side``'s opposite, size of the first k-1)."""
    opposite = book.opposite(side)
    seen, size = 0, 0
    for key in opposite.keys:
        for order in opposite.levels[key].orders():
            seen += 1
            if seen == k:
                return opposite.sign * key, size
            size += order.remaining
    return 0, size


def generate(n: int = 1_000_000, seed: int = 42, target_resting: int = 10_000,
             start_price: int = 100_000, mean_offset: float = 20.0, max_offset: int = 200,
             max_qty: int = 100) -> List[WorkloadCommand]:
    rng = Random(seed)
    book = OrderBook("GEN")
    orders: Dict[int, Order] = {}
    resting = _Resting()
    out: List[WorkloadCommand] = []
    oid = 0
    k_mean = 3.0
    while len(out) < n:
        roll = rng.random()
        if roll < 0.25 and resting.ids:
            target = orders.pop(resting.ids[int(rng.random() * len(resting.ids))])
            resting.discard(target.order_id)
            out.append((CANCEL, target.order_id, target.side, target.price, 0))
            book.side(target.side).remove(target)
            continue
        oid += 1
        side = 0 if rng.random() < 0.5 else 1
        aggressive = roll >= 0.85 and book.opposite(side).keys
        if aggressive:
            k_mean = min(50.0, k_mean * 1.01) if len(resting.ids) > target_resting \
                else max(1.0, k_mean * 0.99)
            k = _geometric(rng, k_mean - 1.0) if k_mean > 1.0 else 1
            price, size = _sweep(book, side, k)
            if price == 0:  # fewer than k resting: sweep everything there is
                price = book.opposite(side).sign * book.opposite(side).keys[-1]
            slack = int(rng.random() * 3)
            price = price + slack if side == 0 else max(1, price - slack)
            qty = size + 1 + int(rng.random() * max_qty)
        else:
            touch = book.best_ask() if side == 0 else book.best_bid()
            if touch is None:
                touch = start_price + (1 if side == 0 else -1)
            offset = min(max_offset, _geometric(rng, mean_offset - 1.0))
            price = max(1, touch - offset) if side == 0 else touch + offset
            qty = 1 + int(rng.random() * max_qty)
        out.append((NEW, oid, side, price, qty))
        order = Order(oid, 0, "GEN", side, 0, 0, price, qty, 0, "", 0, 0, 0, None, None, 0)
        fills, _, _ = book.match(order, price, qty)
        for maker, _size in fills:
            if not maker.remaining:
                orders.pop(maker.order_id)
                resting.discard(maker.order_id)
        order.remaining = qty - sum(size for _maker, size in fills)
        if order.remaining:
            book.side(side).add(order)
            orders[oid] = order
            resting.add(oid)
    return out
