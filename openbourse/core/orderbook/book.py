"""One symbol's order book: price levels of FIFO queues, and price-time matching.

Layout (chosen for CPython speed, see perf-anchors.md §5):

* each side keeps ``levels``: key → ``Level`` and ``keys``: the level keys sorted
  ascending, best first.  The key of a price is ``price`` on the ask side and ``-price``
  on the bid side, so "best" is the smallest key on both sides and one matching loop
  serves both;
* a ``Level`` is a FIFO of orders linked through the orders' own ``prev``/``next``
  slots (oldest at ``head``), plus the level's total remaining size;
* cancel is O(1) and leaves nothing behind: the order is unlinked at once.  (A deque with
  lazy deletion is cheaper per operation, but its dead entries must be compacted now and
  then, and compacting a level hundreds of orders deep took hundreds of microseconds
  inside one cancel: the engine's worst latencies.)

``match`` is the only place orders trade.  It mutates makers (remaining size, removal
from the book) and returns what happened as values; the caller settles balances and
emits events.
"""
from __future__ import annotations

from bisect import bisect_left, insort
from typing import Dict, List, Optional, Tuple

from ..enums import Side, Stp
from .order import Order

__all__ = ["Level", "BookSide", "OrderBook", "MatchResult"]

_BUY = int(Side.BUY)
_STP_NONE = int(Stp.NONE)
_STP_CANCEL_TAKER = int(Stp.CANCEL_TAKER)
_STP_CANCEL_MAKER = int(Stp.CANCEL_MAKER)


class Level:
    """The orders at one price, oldest first, and their total remaining size."""

    __slots__ = ("head", "tail", "total")

    def __init__(self, order: Order) -> None:
        """A new level holding ``order`` alone."""
        self.head: Optional[Order] = order
        self.tail: Optional[Order] = order
        self.total = order.remaining

    def orders(self) -> List[Order]:
        """The level's orders, oldest first."""
        out = []
        order = self.head
        while order is not None:
            out.append(order)
            order = order.next
        return out


class BookSide:
    """One side of the book.  ``sign`` is +1 for asks and -1 for bids."""

    __slots__ = ("sign", "levels", "keys")

    def __init__(self, sign: int) -> None:
        self.sign = sign
        self.levels: Dict[int, Level] = {}
        self.keys: List[int] = []

    def add(self, order: Order) -> None:
        key = self.sign * order.price
        level = self.levels.get(key)
        if level is None:
            self.levels[key] = Level(order)
            insort(self.keys, key)
            return
        tail = level.tail
        tail.next = order  # type: ignore[union-attr]  # a level in the book is never empty
        order.prev = tail
        level.tail = order
        level.total += order.remaining

    def remove(self, order: Order) -> None:
        """Take a resting order out, in O(1) (its ``remaining`` becomes 0)."""
        key = self.sign * order.price
        level = self.levels[key]
        level.total -= order.remaining
        order.remaining = 0
        before, after = order.prev, order.next
        if before is None and after is None:  # it was alone: the level goes
            del self.levels[key]
            del self.keys[bisect_left(self.keys, key)]
            return
        if before is None:
            level.head = after
        else:
            before.next = after
        if after is None:
            level.tail = before
        else:
            after.prev = before
        order.prev = order.next = None

    def depth(self, limit: int) -> List[Tuple[int, int]]:
        """(price, total size) of the best ``limit`` levels, best first."""
        sign, levels = self.sign, self.levels
        return [(sign * key, levels[key].total) for key in self.keys[:limit]]

    def orders(self) -> List[Order]:
        """Live orders in priority order (best level first, then time)."""
        return [o for key in self.keys for o in self.levels[key].orders()]


# fills: [(maker, size)], stp_makers: makers removed by self-trade prevention,
# taker_stp: the taker must stop (and be cancelled) because of its STP mode.
MatchResult = Tuple[List[Tuple[Order, int]], List[Order], bool]


class OrderBook:
    __slots__ = ("symbol", "bids", "asks")

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.bids = BookSide(-1)
        self.asks = BookSide(+1)

    def side(self, side: int) -> BookSide:
        return self.bids if side == _BUY else self.asks

    def opposite(self, side: int) -> BookSide:
        return self.asks if side == _BUY else self.bids

    def crosses(self, side: int, price: int) -> bool:
        """Would a limit order at ``price`` on ``side`` take liquidity on arrival?"""
        book = self.opposite(side)
        return bool(book.keys) and book.keys[0] <= book.sign * price

    def fillable(self, taker: Order, limit_price: int, want: int) -> bool:
        """Could ``want`` be filled right now at or better than ``limit_price``? (for FOK)

        Walks the same orders ``match`` would, honouring the taker's STP mode: its own
        orders count under NONE, are skipped under CANCEL_MAKER and end the walk otherwise.
        """
        book = self.opposite(taker.side)
        sign, levels = book.sign, book.levels
        limit_key = sign * limit_price
        user, stp = taker.user, taker.stp
        got = 0
        for key in book.keys:
            if key > limit_key:
                return False
            level = levels[key]
            if stp == _STP_NONE:
                got += level.total
            else:
                maker = level.head
                while maker is not None:
                    if maker.user == user:
                        if stp != _STP_CANCEL_MAKER:
                            return False
                    else:
                        got += maker.remaining
                        if got >= want:
                            return True
                    maker = maker.next
            if got >= want:
                return True
        return False

    def match(self, taker: Order, limit_price: int, want: int,
              budget: int = 0, quote_per_price_size: int = 0, lot: int = 1) -> MatchResult:
        """Match ``taker`` against the opposite side, best price first, FIFO within a price.

        ``limit_price`` bounds the prices taken (the taker's limit, or the band edge for a
        market order).  ``want`` is the size to fill; with ``budget`` > 0 (market buy by
        quote amount) the quote spent may not exceed ``budget`` instead.
        """
        book = self.opposite(taker.side)
        sign, levels, keys = book.sign, book.levels, book.keys
        limit_key = sign * limit_price
        user, stp = taker.user, taker.stp
        fills: List[Tuple[Order, int]] = []
        stp_makers: List[Order] = []
        while keys and (want > 0 or budget > 0):
            key = keys[0]
            if key > limit_key:
                break
            if budget:
                # whole lots only, so every resting size stays a multiple of the lot
                want = budget // (sign * key * quote_per_price_size * lot) * lot
                if want == 0:
                    break
            level = levels[key]
            while want > 0:
                maker = level.head
                if maker is None:
                    break
                size = maker.remaining
                stp_hit = maker.user == user and stp != _STP_NONE
                if stp_hit:
                    if stp == _STP_CANCEL_TAKER:
                        return fills, stp_makers, True
                    stp_makers.append(maker)
                elif size > want:  # a partial fill: the maker keeps its place
                    fills.append((maker, want))
                    maker.remaining = size - want
                    level.total -= want
                    if budget:
                        budget -= want * sign * key * quote_per_price_size
                    want = 0
                    break
                else:
                    fills.append((maker, size))
                    want -= size
                    if budget:
                        budget -= size * sign * key * quote_per_price_size
                # the maker leaves the book (filled, or removed by STP): unlink the head
                following = maker.next
                level.head = following
                if following is None:
                    level.tail = None
                else:
                    following.prev = None
                    maker.next = None
                level.total -= size
                maker.remaining = 0
                if stp_hit and stp != _STP_CANCEL_MAKER:
                    self._drop_if_empty(book, key, level)
                    return fills, stp_makers, True
            if level.head is None:
                del levels[key]
                del keys[0]
            elif budget:
                break  # the budget ran out inside this level
        return fills, stp_makers, False

    @staticmethod
    def _drop_if_empty(book: BookSide, key: int, level: Level) -> None:
        if level.head is None:
            del book.levels[key]
            del book.keys[bisect_left(book.keys, key)]

    def best_bid(self) -> Optional[int]:
        return -self.bids.keys[0] if self.bids.keys else None

    def best_ask(self) -> Optional[int]:
        return self.asks.keys[0] if self.asks.keys else None
