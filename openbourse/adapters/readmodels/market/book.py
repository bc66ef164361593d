"""Public L2 order books rebuilt from events alone.

The engine's book is not readable from the API side (it lives in the writer thread), so the
public depth is a projection: an accepted limit order that survives its own command rests
with its size minus the fills it took as a taker; a maker shrinks by each trade's size; a
closed order leaves with whatever it had left.  Tests check this projection against
``core.engine.queries.depth`` on random command streams.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from typing import AbstractSet, Dict, FrozenSet, Iterable, List, Optional, Set, Tuple

from ....core.enums import Side

__all__ = ["L2Book", "Level"]

Level = Tuple[int, int]  # (price units, size units)

_BUY = int(Side.BUY)
_NOTHING: FrozenSet[Tuple[int, int]] = frozenset()


class _Side:
    """One side of an L2 book: size per price plus a sorted key list (best first)."""

    __slots__ = ("sizes", "keys", "sign")

    def __init__(self, is_bid: bool) -> None:
        self.sizes: Dict[int, int] = {}
        self.keys: List[int] = []  # -price for bids, price for asks: ascending == best first
        self.sign = -1 if is_bid else 1

    def add(self, price: int, delta: int) -> None:
        """Change the size at ``price`` by ``delta``; a level at zero disappears."""
        old = self.sizes.get(price, 0)
        new = old + delta
        if new < 0:
            raise ValueError(f"level {price} would go negative ({old} + {delta})")
        if new == 0:
            if old:
                del self.sizes[price]
                key = self.sign * price
                index = bisect_left(self.keys, key)
                del self.keys[index]
            return
        self.sizes[price] = new
        if not old:
            insort(self.keys, self.sign * price)

    def top(self, limit: int) -> List[Level]:
        sign, sizes = self.sign, self.sizes
        return [(sign * key, sizes[sign * key]) for key in self.keys[:limit]]

    def best(self) -> Optional[Level]:
        if not self.keys:
            return None
        price = self.sign * self.keys[0]
        return price, self.sizes[price]


class L2Book:
    """Aggregated depth of one symbol, maintained from OrderAccepted/TradeExecuted/OrderClosed.

    ``update_id`` counts commands that changed the book; ``changed`` collects the
    ``(side, price)`` levels touched since the last ``take_changed()``, which is what a
    ``books`` update frame has to carry.
    """

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self._bids = _Side(is_bid=True)
        self._asks = _Side(is_bid=False)
        # resting orders: order id -> [side, price, remaining size]
        self._orders: Dict[int, List[int]] = {}
        # orders accepted in the current command that may still rest at its end
        self._pending: Dict[int, List[int]] = {}
        self.update_id = 0
        self._changed: Set[Tuple[int, int]] = set()
        self._dirty_orders: Set[int] = set()  # resting orders changed since the last flush
        # resting orders that rested after the last flush: never written, so when one
        # leaves before the next flush there is nothing to write (place + cancel, mostly)
        self._unwritten: Set[int] = set()
        self._dirty_command = False

    # -- reads -------------------------------------------------------------------------
    def bids(self, limit: int = 1 << 30) -> List[Level]:
        """Best (highest) bids first, at most ``limit`` levels."""
        return self._bids.top(limit)

    def asks(self, limit: int = 1 << 30) -> List[Level]:
        """Best (lowest) asks first, at most ``limit`` levels."""
        return self._asks.top(limit)

    def best_bid(self) -> Optional[Level]:
        return self._bids.best()

    def best_ask(self) -> Optional[Level]:
        return self._asks.best()

    def size_at(self, side: int, price: int) -> int:
        book_side = self._bids if side == _BUY else self._asks
        return book_side.sizes.get(price, 0)

    def level_count(self) -> Tuple[int, int]:
        return len(self._bids.keys), len(self._asks.keys)

    def resting_orders(self) -> Iterable[Tuple[int, int, int, int]]:
        """``(order_id, side, price, remaining)`` of every resting order (for persistence)."""
        return ((oid, o[0], o[1], o[2]) for oid, o in self._orders.items())

    def take_dirty_orders(self) -> Tuple[List[Tuple[int, int, int, int]], List[int]]:
        """Resting orders changed since the previous call: (upserts, removed order ids)."""
        upserts, removed = [], []
        for order_id in self._dirty_orders:
            order = self._orders.get(order_id)
            if order is None:
                removed.append(order_id)
            else:
                upserts.append((order_id, order[0], order[1], order[2]))
        self._dirty_orders = set()
        self._unwritten = set()
        return upserts, removed

    def take_changed(self) -> AbstractSet[Tuple[int, int]]:
        """Levels ``(side, price)`` touched since the previous call, then forget them."""
        changed = self._changed
        if not changed:
            return _NOTHING  # most commands: no new set
        self._changed = set()
        return changed

    # -- event application (called per command by MarketData) --------------------------
    def accept(self, order_id: int, side: int, price: int, size: int, is_limit: bool) -> None:
        if is_limit:
            self._pending[order_id] = [side, price, size]

    def trade(self, maker_order_id: int, taker_order_id: int, size: int) -> None:
        pending = self._pending.get(taker_order_id)
        if pending is not None:
            pending[2] -= size
        maker_pending = self._pending.get(maker_order_id)  # rested earlier in a batch
        if maker_pending is not None:
            maker_pending[2] -= size
            return
        maker = self._orders.get(maker_order_id)
        if maker is not None:
            maker[2] -= size
            self._dirty_orders.add(maker_order_id)
            self._level(maker[0], maker[1], -size)
            if maker[2] <= 0:
                del self._orders[maker_order_id]
                self._forget_unwritten(maker_order_id)

    def close(self, order_id: int) -> None:
        if self._pending.pop(order_id, None) is not None:
            return
        order = self._orders.pop(order_id, None)
        if order is not None:
            self._dirty_orders.add(order_id)
            self._forget_unwritten(order_id)
            if order[2] > 0:
                self._level(order[0], order[1], -order[2])

    def end_command(self) -> None:
        """Orders accepted in this command and still open now rest on the book."""
        for order_id, (side, price, remaining) in self._pending.items():
            if remaining > 0:
                self.rest(order_id, side, price, remaining)
        self._pending.clear()
        if self._dirty_command:
            self.update_id += 1
            self._dirty_command = False

    def rest(self, order_id: int, side: int, price: int, remaining: int) -> None:
        """Put an order on the book directly (command end, or restoring from storage:
        the restorer then takes the dirty orders, which makes them written)."""
        self._orders[order_id] = [side, price, remaining]
        self._dirty_orders.add(order_id)
        self._unwritten.add(order_id)
        self._level(side, price, remaining)

    def _forget_unwritten(self, order_id: int) -> None:
        """An order left the book: if it was never written, it needs no write now."""
        if order_id in self._unwritten:
            self._unwritten.discard(order_id)
            self._dirty_orders.discard(order_id)

    def _level(self, side: int, price: int, delta: int) -> None:
        (self._bids if side == _BUY else self._asks).add(price, delta)
        self._changed.add((side, price))
        self._dirty_command = True
