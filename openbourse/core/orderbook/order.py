"""A live spot order: one small record, referenced by the book and by the order index.

``remaining`` is the unfilled size (size units); ``hold`` is what is still frozen for it
(quote minor units for a buy, base minor units for a sell).  The two balance references
are resolved once at placement so settlement does no dictionary lookups.  ``prev`` and
``next`` link a resting order to its neighbours in its price level's FIFO.
"""
from __future__ import annotations

from typing import Optional

from ..ledger.balances import Balance

__all__ = ["Order"]


class Order:
    __slots__ = (
        "order_id", "user", "symbol", "side", "order_type", "force", "price", "size",
        "quote_size", "remaining", "filled_size", "filled_quote", "hold", "client_oid",
        "stp", "maker_fee_ppm", "taker_fee_ppm", "base_balance", "quote_balance",
        "tp_trigger", "tp_price", "sl_trigger", "sl_price", "plan_id", "ts_ns", "resting",
        "fee_paid", "prev", "next",
    )

    def __init__(
        self,
        order_id: int,
        user: int,
        symbol: str,
        side: int,
        order_type: int,
        force: int,
        price: int,
        size: int,
        quote_size: int,
        client_oid: str,
        stp: int,
        maker_fee_ppm: int,
        taker_fee_ppm: int,
        base_balance: Optional[Balance],
        quote_balance: Optional[Balance],
        ts_ns: int,
    ) -> None:
        self.order_id = order_id
        self.user = user
        self.symbol = symbol
        self.side = side
        self.order_type = order_type
        self.force = force
        self.price = price
        self.size = size
        self.quote_size = quote_size
        self.remaining = size
        self.filled_size = 0
        self.filled_quote = 0
        self.hold = 0
        self.client_oid = client_oid
        self.stp = stp
        self.maker_fee_ppm = maker_fee_ppm
        self.taker_fee_ppm = taker_fee_ppm
        self.base_balance = base_balance
        self.quote_balance = quote_balance
        self.tp_trigger = 0
        self.tp_price = 0
        self.sl_trigger = 0
        self.sl_price = 0
        self.plan_id = 0
        self.ts_ns = ts_ns
        self.resting = False  # in the book (counts toward the open-order limit)
        self.fee_paid = 0  # fees paid so far, in the asset this order receives
        self.prev: Optional[Order] = None  # neighbours in its price level (orderbook.book)
        self.next: Optional[Order] = None

    def __repr__(self) -> str:
        return (f"Order({self.order_id}, user={self.user}, side={self.side}, "
                f"price={self.price}, remaining={self.remaining}/{self.size})")
