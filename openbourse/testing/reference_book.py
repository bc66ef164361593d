"""A deliberately naive reference matcher: obviously correct, not fast.

One plain list of resting orders per side, re-sorted by (price priority, order id) after
every insertion (time priority, since ids increase).  To match, the opposite list is
walked from the front; cancels are linear scans.  No ledger, no fees, no price band: it answers only
"which orders trade, at what price and size, and what is left in the book".

It mirrors the engine's order-id allocation: every placed order (even one that ends at
once, like an IOC or a market order against an empty book) takes the next id, so a
command stream of valid, funded orders gives the same ids in both.

Semantics (products.md §1.4, §1.7):

* limit GTC rests what it does not fill; IOC cancels the rest; FOK fills entirely or
  does nothing; post-only is cancelled whole if it would take liquidity on arrival;
* market sell sweeps by size; market buy spends a quote budget, taking at each maker
  the largest number of whole lots the remaining budget pays for at that maker's price;
* trade price = maker price;
* STP (taker's mode, same user): NONE trades; CANCEL_TAKER stops the taker; CANCEL_MAKER
  removes the maker and goes on; CANCEL_BOTH removes the maker and stops the taker.
"""
from __future__ import annotations

from operator import attrgetter
from typing import Dict, List, NamedTuple, Optional, Tuple

from ..core.enums import CloseReason, Force, OrderType, Side, Stp

__all__ = ["ReferenceBook", "RefOrder", "RefTrade", "RefResult"]

_BUY = int(Side.BUY)
_PRIORITY = attrgetter("priority")


class RefOrder:
    __slots__ = ("order_id", "user", "side", "price", "remaining", "stp", "priority")

    def __init__(self, order_id: int, user: int, side: int, price: int, remaining: int,
                 stp: int) -> None:
        self.order_id = order_id
        self.user = user
        self.side = side
        self.price = price
        self.remaining = remaining
        self.stp = stp
        # best first: highest bid / lowest ask, then the older (smaller) id
        self.priority = (-price if side == _BUY else price, order_id)


class RefTrade(NamedTuple):
    maker_order_id: int
    taker_order_id: int
    price: int
    size: int


class RefResult(NamedTuple):
    order_id: int
    trades: List[RefTrade]
    stp_cancelled: List[int]  # makers removed by self-trade prevention
    outcome: str  # "rest", "filled" or "cancelled"
    reason: int  # CloseReason when cancelled


class ReferenceBook:
    """Two plain lists of resting orders (bids, asks), each kept sorted by priority."""

    def __init__(self, quote_per_price_size: int = 1, lot: int = 1) -> None:
        self.books: Tuple[List[RefOrder], List[RefOrder]] = ([], [])  # indexed by Side
        self.next_id = 1
        self.quote_per_price_size = quote_per_price_size
        self.lot = lot  # market buys take whole lots

    # ------------------------------------------------------------------ queries
    def side(self, side: int) -> List[RefOrder]:
        return self.books[side]

    def l3(self) -> Dict[str, List[Tuple[int, int, int, int]]]:
        return {
            "bids": [(o.order_id, o.user, o.price, o.remaining) for o in self.side(_BUY)],
            "asks": [(o.order_id, o.user, o.price, o.remaining) for o in self.side(1 - _BUY)],
        }

    @staticmethod
    def _crosses(taker_side: int, limit: Optional[int], maker_price: int) -> bool:
        if limit is None:  # market order
            return True
        return maker_price <= limit if taker_side == _BUY else maker_price >= limit

    # ------------------------------------------------------------------ commands
    def place(self, user: int, side: int, order_type: int, force: int, price: int, size: int,
              quote_size: int = 0, stp: int = int(Stp.NONE)) -> RefResult:
        order_id = self.next_id
        self.next_id += 1
        is_limit = order_type == int(OrderType.LIMIT)
        limit = price if is_limit else None
        makers = []
        for maker in self.side(1 - side):  # sorted: the crossing makers are a prefix
            if not self._crosses(side, limit, maker.price):
                break
            makers.append(maker)
        if is_limit and force == int(Force.POST_ONLY) and makers:
            return RefResult(order_id, [], [], "cancelled", int(CloseReason.POST_ONLY))
        budget = quote_size if not is_limit and side == _BUY else None
        fills, stp_removed, stopped = self._plan(user, stp, makers, size, budget)
        filled = sum(qty for _, qty in fills)
        if is_limit and force == int(Force.FOK) and filled < size:
            return RefResult(order_id, [], [], "cancelled", int(CloseReason.FOK))
        trades = []
        for maker, qty in fills:
            trades.append(RefTrade(maker.order_id, order_id, maker.price, qty))
            maker.remaining -= qty
        for maker in stp_removed:
            maker.remaining = 0
        if fills or stp_removed:
            opposite = self.books[1 - side]
            opposite[:] = [o for o in opposite if o.remaining > 0]
        left = size - filled
        if is_limit:
            if left == 0:
                return RefResult(order_id, trades, [m.order_id for m in stp_removed], "filled", 0)
            if stopped:
                outcome = ("cancelled", int(CloseReason.STP))
            elif force in (int(Force.GTC), int(Force.POST_ONLY)):
                own = self.books[side]
                own.append(RefOrder(order_id, user, side, price, left, stp))
                own.sort(key=_PRIORITY)
                outcome = ("rest", 0)
            else:
                reason = CloseReason.IOC if force == int(Force.IOC) else CloseReason.FOK
                outcome = ("cancelled", int(reason))
        elif stopped:
            outcome = ("cancelled", int(CloseReason.STP))
        elif budget is None:  # market sell
            outcome = ("filled", 0) if filled and left == 0 else \
                ("cancelled", int(CloseReason.NO_LIQUIDITY))
        else:  # market buy: done when what is left cannot buy one more unit at the best ask
            asks = self.side(1 - _BUY)
            spent = sum(t.size * t.price for t in trades) * self.quote_per_price_size
            done = bool(filled) and bool(asks) and \
                budget - spent < asks[0].price * self.quote_per_price_size * self.lot
            outcome = ("filled", 0) if done else ("cancelled", int(CloseReason.NO_LIQUIDITY))
        return RefResult(order_id, trades, [m.order_id for m in stp_removed], *outcome)

    def _plan(self, user: int, stp: int, makers: List[RefOrder], size: int,
              budget: Optional[int]) -> Tuple[List[Tuple[RefOrder, int]], List[RefOrder], bool]:
        """Which makers trade how much (no mutation)."""
        fills: List[Tuple[RefOrder, int]] = []
        removed: List[RefOrder] = []
        left = size
        for maker in makers:
            if budget is None and left == 0:
                break
            if budget is not None and budget < maker.price * self.quote_per_price_size * self.lot:
                break  # the budget does not reach this maker: the taker stops before it
            if maker.user == user and stp != int(Stp.NONE):
                if stp == int(Stp.CANCEL_TAKER):
                    return fills, removed, True
                removed.append(maker)
                if stp == int(Stp.CANCEL_BOTH):
                    return fills, removed, True
                continue
            if budget is not None:
                unit = maker.price * self.quote_per_price_size * self.lot
                qty = min(maker.remaining, budget // unit * self.lot)
                if qty == 0:
                    break
                budget -= qty * maker.price * self.quote_per_price_size
            else:
                qty = min(maker.remaining, left)
                left -= qty
            fills.append((maker, qty))
        return fills, removed, False

    def cancel(self, user: int, order_id: int) -> bool:
        for book in self.books:
            for order in book:
                if order.order_id == order_id:
                    if order.user != user:
                        return False
                    book.remove(order)
                    return True
        return False

    def cancel_all(self, user: int) -> List[int]:
        mine = sorted(o.order_id for book in self.books for o in book if o.user == user)
        for book in self.books:
            book[:] = [o for o in book if o.user != user]
        return mine
