"""Settlement of one fill: the ledger batch of a spot trade, applied with plain arithmetic.

The batch (products.md §1.6, aesthetics (c) 7), for ``size`` at the maker's ``price``:

1. buyer  quote frozen  → seller quote available   ``quote_amount``
2. seller base  frozen  → buyer  base  available   ``base_amount``
3. buyer  base  available → FEES base              ``buyer_fee``  (fee in the asset received)
4. seller quote available → FEES quote             ``seller_fee``
5. buyer  quote frozen  → buyer  quote available   the price improvement of a limit buy

Every amount is a whole number of minor units (the market's listing guarantees it) and
fees round up, so each posting debits exactly what it credits.  Nothing here can fail:
the holds taken at placement cover steps 1, 2 and 5, and fees never exceed what they are
taken from, so the batch is applied without a pre-check (``invariants`` verifies it).
"""
from __future__ import annotations

from ..enums import OrderType, Side
from ..events import TradeExecuted
from ..ledger.balances import Balance
from ..markets import Market
from ..orderbook.order import Order
from ..units import FEE_RATE_DENOMINATOR
from ..context import Context

__all__ = ["settle_fill", "trade_postings"]

_BUY = int(Side.BUY)
_LIMIT = int(OrderType.LIMIT)
_DEN = FEE_RATE_DENOMINATOR
_tuple_new = tuple.__new__


def settle_fill(ctx: Context, market: Market, fees_base: Balance, fees_quote: Balance,
                taker: Order, maker: Order, size: int, trade_id: int) -> None:
    price = maker.price
    base_amount = size * market.base_per_size
    quote_amount = size * price * market.quote_per_price_size
    if taker.side == _BUY:
        buyer, seller = taker, maker
        buyer_fee = -((-base_amount * taker.taker_fee_ppm) // _DEN)
        seller_fee = -((-quote_amount * maker.maker_fee_ppm) // _DEN)
        taker_fee, maker_fee = buyer_fee, seller_fee
        taker.fee_paid += buyer_fee
        maker.fee_paid += seller_fee
    else:
        buyer, seller = maker, taker
        buyer_fee = -((-base_amount * maker.maker_fee_ppm) // _DEN)
        seller_fee = -((-quote_amount * taker.taker_fee_ppm) // _DEN)
        taker_fee, maker_fee = seller_fee, buyer_fee
        taker.fee_paid += seller_fee
        maker.fee_paid += buyer_fee
    # The buyer's hold shrinks by what this size reserved: at its own limit price for a
    # limit order (the difference to the maker price is released), or what it spent.
    held = size * buyer.price * market.quote_per_price_size if buyer.order_type == _LIMIT \
        else quote_amount
    buyer.hold -= held
    seller.hold -= base_amount
    buyer_quote, buyer_base = buyer.quote_balance, buyer.base_balance
    seller_quote, seller_base = seller.quote_balance, seller.base_balance
    buyer_quote.frozen -= held
    buyer_quote.available += held - quote_amount
    seller_base.frozen -= base_amount
    buyer_base.available += base_amount - buyer_fee
    seller_quote.available += quote_amount - seller_fee
    fees_base.available += buyer_fee
    fees_quote.available += seller_fee
    mark, touched = ctx.mark, ctx.touched
    for balance in (buyer_quote, buyer_base, seller_base, seller_quote, fees_base, fees_quote):
        if balance.mark != mark:
            balance.mark = mark
            touched.append(balance)
    taker.filled_size += size
    taker.filled_quote += quote_amount
    maker.filled_size += size
    maker.filled_quote += quote_amount
    ctx.events.append(_tuple_new(TradeExecuted, (
        ctx.seq, ctx.ts, trade_id, market.symbol, price, size, taker.side, maker.order_id,
        taker.order_id, maker.user, taker.user, base_amount, quote_amount, maker_fee,
        taker_fee)))
    ctx.seq += 1


def trade_postings(trade: TradeExecuted) -> list:
    """The four value postings a trade event records, as (from, to, asset side, amount) tuples.

    ``asset side`` is "base" or "quote"; owners are user ids or "FEES".  Used by audits
    and tests to recompute balances from events alone.
    """
    buyer = trade.taker_user if trade.taker_side == _BUY else trade.maker_user
    seller = trade.maker_user if trade.taker_side == _BUY else trade.taker_user
    buyer_fee = trade.taker_fee if trade.taker_side == _BUY else trade.maker_fee
    seller_fee = trade.maker_fee if trade.taker_side == _BUY else trade.taker_fee
    return [
        (buyer, seller, "quote", trade.quote_amount),
        (seller, buyer, "base", trade.base_amount),
        (buyer, "FEES", "base", buyer_fee),
        (seller, "FEES", "quote", seller_fee),
    ]
