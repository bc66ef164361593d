"""Plan (trigger) orders and the per-symbol trigger book.

A plan is dormant, holds no funds, and fires when the last trade price crosses its
trigger: the direction is fixed at placement by comparing the trigger with the last
price (above → fire when last >= trigger; below → fire when last <= trigger).
A TP/SL pair attached to an order is two plans linked as one-cancels-the-other.
"""
from __future__ import annotations

from bisect import bisect_left, insort
from typing import List, Tuple

__all__ = ["Plan", "TriggerBook", "RISING", "FALLING"]

RISING = 1  # fires when last >= trigger
FALLING = -1  # fires when last <= trigger


class Plan:
    __slots__ = (
        "plan_id", "user", "symbol", "side", "trigger_price", "order_type", "price", "size",
        "quote_size", "force", "client_oid", "stp", "parent_order_id", "oco_plan_id",
        "direction", "ts_ns",
    )

    def __init__(self, plan_id: int, user: int, symbol: str, side: int, trigger_price: int,
                 order_type: int, price: int, size: int, quote_size: int, force: int,
                 client_oid: str, stp: int, parent_order_id: int, oco_plan_id: int,
                 direction: int, ts_ns: int) -> None:
        self.plan_id = plan_id
        self.user = user
        self.symbol = symbol
        self.side = side
        self.trigger_price = trigger_price
        self.order_type = order_type
        self.price = price
        self.size = size
        self.quote_size = quote_size
        self.force = force
        self.client_oid = client_oid
        self.stp = stp
        self.parent_order_id = parent_order_id
        self.oco_plan_id = oco_plan_id
        self.direction = direction
        self.ts_ns = ts_ns

    def fields(self) -> Tuple:
        return (self.plan_id, self.user, self.symbol, self.side, self.trigger_price,
                self.order_type, self.price, self.size, self.quote_size, self.force,
                self.client_oid, self.stp, self.parent_order_id, self.oco_plan_id,
                self.direction, self.ts_ns)


class TriggerBook:
    """Plans of one symbol, sorted by trigger so a price move finds due plans fast."""

    __slots__ = ("rising", "falling")

    def __init__(self) -> None:
        self.rising: List[Tuple[int, int]] = []  # (trigger, plan_id) ascending
        self.falling: List[Tuple[int, int]] = []  # (trigger, plan_id) ascending

    def add(self, plan: Plan) -> None:
        insort(self.rising if plan.direction == RISING else self.falling,
               (plan.trigger_price, plan.plan_id))

    def remove(self, plan: Plan) -> None:
        entries = self.rising if plan.direction == RISING else self.falling
        entry = (plan.trigger_price, plan.plan_id)
        index = bisect_left(entries, entry)
        assert entries[index] == entry
        del entries[index]

    def due(self, last_price: int) -> List[int]:
        """Ids of plans whose condition holds at ``last_price``, oldest plan first."""
        rising, falling = self.rising, self.falling
        ids = [plan_id for trigger, plan_id in rising[:bisect_left(rising, (last_price + 1, 0))]]
        start = bisect_left(falling, (last_price, 0))
        ids.extend(plan_id for trigger, plan_id in falling[start:])
        ids.sort()
        return ids

    def __len__(self) -> int:
        return len(self.rising) + len(self.falling)

