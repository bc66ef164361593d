"""One symbol's order book: price levels of FIFO queues, and price-time matching.

Layout (chosen for CPython speed, see perf-anchors.md §5):

* each side keeps ``levels``: key → ``Level`` and ``keys``: the level keys sorted
  ascending, best first.  The key of a price is ``price`` on the ask side and ``-price``
  on the bid side, so "best" is the smallest key on both sides and one matching loop
  serves both;
* a ``Level`` is a deque of orders plus its live order count and total remaining size;
* cancel is O(1): the order is marked dead (``remaining = 0``) and skipped later; a level
  is compacted when dead entries outnumber live ones, so dead records stay bounded.

``match`` is the only place orders trade.  It mutates makers (remaining size, removal
from the book) and returns what happened as values; the caller settles balances and
emits events.
"""
from __future__ import annotations

from bisect import bisect_left, insort
from collections import deque
from operator import attrgetter
from typing import Deque, Dict, List, Optional, Tuple

from ..enums import Side, Stp
from .order import Order

__all__ = ["Level", "BookSide", "OrderBook", "MatchResult"]

_BUY = int(Side.BUY)
_STP_NONE = int(Stp.NONE)
_STP_CANCEL_TAKER = int(Stp.CANCEL_TAKER)
_STP_CANCEL_MAKER = int(Stp.CANCEL_MAKER)
_is_live = attrgetter("remaining")  # a dead (cancelled or filled) entry has remaining 0


class Level:
    __slots__ = ("queue", "live", "total", "dead")

    def __init__(self) -> None:
        self.queue: Deque[Order] = deque()
        self.live = 0
        self.total = 0
        self.dead = 0


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
            level = self.levels[key] = Level()
            insort(self.keys, key)
        level.queue.append(order)
        level.live += 1
        level.total += order.remaining

    def remove(self, order: Order) -> None:
        """Take a resting order out (lazily: it stays in the deque as a dead entry)."""
        key = self.sign * order.price
        level = self.levels[key]
        level.total -= order.remaining
        level.live -= 1
        order.remaining = 0
        if level.live == 0:
            del self.levels[key]
            del self.keys[bisect_left(self.keys, key)]
            return
        level.dead += 1
        if level.dead > level.live:
            level.queue = deque(filter(_is_live, level.queue))
            level.dead = 0

    def depth(self, limit: int) -> List[Tuple[int, int]]:
        """(price, total size) of the best ``limit`` levels, best first."""
        sign, levels = self.sign, self.levels
        return [(sign * key, levels[key].total) for key in self.keys[:limit]]

    def orders(self) -> List[Order]:
        """Live orders in priority order (best level first, then time)."""
        return [o for key in self.keys for o in self.levels[key].queue if o.remaining]


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
                for maker in level.queue:
                    if not maker.remaining:
                        continue
                    if maker.user == user:
                        if stp != _STP_CANCEL_MAKER:
                            return False
                        continue
                    got += maker.remaining
                    if got >= want:
                        return True
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
            queue = level.queue
            while want > 0 and queue:
                maker = queue[0]
                size = maker.remaining
                if not size:
                    queue.popleft()
                    level.dead -= 1
                    continue
                if maker.user == user and stp != _STP_NONE:
                    if stp == _STP_CANCEL_TAKER:
                        return fills, stp_makers, True
                    stp_makers.append(maker)
                    queue.popleft()
                    level.live -= 1
                    level.total -= size
                    maker.remaining = 0
                    if stp != _STP_CANCEL_MAKER:
                        self._drop_if_empty(book, key, level)
                        return fills, stp_makers, True
                    continue
                if size <= want:
                    queue.popleft()
                    level.live -= 1
                    fills.append((maker, size))
                    want -= size
                    level.total -= size
                    maker.remaining = 0
                else:
                    fills.append((maker, want))
                    maker.remaining = size - want
                    level.total -= want
                    want = 0
                if budget:
                    budget -= fills[-1][1] * sign * key * quote_per_price_size
            if level.live == 0:
                del levels[key]
                del keys[0]
            elif budget:
                break  # the budget ran out inside this level
        return fills, stp_makers, False

    @staticmethod
    def _drop_if_empty(book: BookSide, key: int, level: Level) -> None:
        if level.live == 0:
            del book.levels[key]
            del book.keys[bisect_left(book.keys, key)]

    def best_bid(self) -> Optional[int]:
        return -self.bids.keys[0] if self.bids.keys else None

    def best_ask(self) -> Optional[int]:
        return self.asks.keys[0] if self.asks.keys else None
