"""The liquidation index: per contract, two heaps of positions by trigger price.

Longs are liquidatable when ``mark ≤ trigger`` (heap of ``(−trigger, id)``), shorts when
``mark ≥ trigger`` (heap of ``(trigger, id)``).  A mark tick pops only the crossed entries,
so its cost is O(k log n) for k crossed positions, not O(n).  Entries are lazy: one is
valid while its position is open and still carries that trigger (``Position.trigger``);
re-indexing pushes a new entry, stale ones are skipped on pop and dropped when a heap
holds more than twice the live positions.

A trigger is *conservative*: reaching it means "check this position/account exactly";
isolated triggers are the exact liquidation price, cross ones come from allocating the
account's buffer (``margin.py``).  Popping order is by (price, id), independent of heap
layout, so replay and restore (which rebuilds the heaps) agree.
"""
from __future__ import annotations

from heapq import heapify, heappop, heappush
from typing import List

from .contracts import Contract
from .positions import Position

__all__ = ["index_position", "pop_crossed"]

NEVER_LONG = 0
NEVER_SHORT = 1 << 120


def index_position(contract: Contract, pos: Position, trigger: int) -> None:
    """(Re)index ``pos`` at ``trigger`` (0 / huge = never).

    An unchanged trigger keeps its entry: pushing it again would add a duplicate that the
    compaction cannot drop (both copies look valid), and the heaps would grow without
    bound and be compacted on every push."""
    if pos.trigger == trigger:
        return  # already indexed there (a popped or removed position has trigger 0)
    pos.trigger = trigger
    if pos.side == 0:
        if trigger <= 0:
            return
        heap = contract.long_heap
        heappush(heap, (-trigger, pos.position_id))
    else:
        if trigger <= 0 or trigger >= NEVER_SHORT:
            return
        heap = contract.short_heap
        heappush(heap, (trigger, pos.position_id))
    if len(heap) > 2 * len(contract.positions) + 64:
        _compact(contract)


def _compact(contract: Contract) -> None:
    """Keep exactly one entry per indexed position (the one matching its trigger)."""
    positions = contract.positions
    contract.long_heap = list(dict.fromkeys(
        (k, i) for k, i in contract.long_heap if i in positions and positions[i].trigger == -k))
    contract.short_heap = list(dict.fromkeys(
        (k, i) for k, i in contract.short_heap if i in positions and positions[i].trigger == k))
    heapify(contract.long_heap)
    heapify(contract.short_heap)


def pop_crossed(contract: Contract, mark: int) -> List[Position]:
    """Positions whose trigger the mark reached, removed from the index, in (price, id) order."""
    out: List[Position] = []
    positions = contract.positions
    heap = contract.long_heap
    while heap and -heap[0][0] >= mark:
        key, pid = heappop(heap)
        pos = positions.get(pid)
        if pos is not None and pos.trigger == -key:
            pos.trigger = 0
            out.append(pos)
    heap = contract.short_heap
    while heap and heap[0][0] <= mark:
        key, pid = heappop(heap)
        pos = positions.get(pid)
        if pos is not None and pos.trigger == key:
            pos.trigger = 0
            out.append(pos)
    return out
