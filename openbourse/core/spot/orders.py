"""Spot order lifecycle: accept (hold funds), match, rest or close, release holds exactly.

``execute`` is the one path every order takes, whether it came from a client, a batch,
a modify or a fired plan.  Closing an order (``close_order``) is the one place holds are
released and TP/SL plans attached to an order are created.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ..commands import PlaceOrder
from ..context import Context
from ..enums import AccountType, CloseReason, Force, OrderStatus, OrderType, Side, SystemOwner
from ..events import OrderAccepted, OrderClosed
from ..markets import Market
from ..orderbook.order import Order
from .settlement import settle_fill
from .validation import band_limits

if TYPE_CHECKING:
    from ..engine.state import EngineState

__all__ = ["execute", "close_order", "ORDER_OID", "PLAN_OID"]

ORDER_OID = 0  # client-id namespaces: orders and plans have separate ids, as on Bitget
PLAN_OID = 1

_BUY = int(Side.BUY)
_LIMIT = int(OrderType.LIMIT)
_SPOT = int(AccountType.SPOT)
_GTC, _IOC, _FOK, _POST_ONLY = int(Force.GTC), int(Force.IOC), int(Force.FOK), int(Force.POST_ONLY)
_FILLED, _CANCELLED = int(OrderStatus.FILLED), int(OrderStatus.CANCELLED)


def _fee_rates(state: "EngineState", market: Market, user: int) -> tuple:
    tier = state.user_fees.get(user)
    if tier is None:
        return market.maker_fee_ppm, market.taker_fee_ppm
    maker, taker = tier
    return (market.maker_fee_ppm if maker < 0 else maker,
            market.taker_fee_ppm if taker < 0 else taker)


def _accept(state: "EngineState", ctx: Context, market: Market, cmd: PlaceOrder, hold: int,
            plan_id: int) -> Order:
    order_id = state.next_order_id
    state.next_order_id = order_id + 1
    ledger = state.ledger
    maker_fee, taker_fee = _fee_rates(state, market, cmd.user)
    order = Order(order_id, cmd.user, cmd.symbol, cmd.side, cmd.order_type, cmd.force,
                  cmd.price, cmd.size, cmd.quote_size, cmd.client_oid, cmd.stp, maker_fee,
                  taker_fee, ledger.balance(cmd.user, _SPOT, market.base),
                  ledger.balance(cmd.user, _SPOT, market.quote), ctx.ts)
    order.tp_trigger, order.tp_price = cmd.tp_trigger, cmd.tp_price
    order.sl_trigger, order.sl_price = cmd.sl_trigger, cmd.sl_price
    order.plan_id = plan_id
    # The hold: a posting available -> frozen on the balance the order spends.
    balance = order.quote_balance if cmd.side == _BUY else order.base_balance
    balance.available -= hold
    balance.frozen += hold
    order.hold = hold
    ctx.touch(balance)
    state.orders[order_id] = order
    ctx.emit(OrderAccepted, order_id, cmd.user, cmd.symbol, cmd.side, cmd.order_type,
             cmd.force, cmd.price, cmd.size, cmd.quote_size, cmd.client_oid, cmd.stp, plan_id)
    if cmd.client_oid:
        key = (ORDER_OID, cmd.user, cmd.client_oid)
        state.client_oids[key] = (order_id, cmd[1:], ctx.ts)
        state.client_oid_expiry.append((ctx.ts, key))
        state.live_client_oids[key] = order_id
    return order


def execute(state: "EngineState", ctx: Context, market: Market, cmd: PlaceOrder, hold: int,
            plan_id: int = 0) -> Order:
    """Accept a validated order and run it against the book.  Returns the order."""
    order = _accept(state, ctx, market, cmd, hold, plan_id)
    book = state.books[market.symbol]
    is_limit = order.order_type == _LIMIT
    if is_limit and order.force == _POST_ONLY and book.crosses(order.side, order.price):
        close_order(state, ctx, market, order, _CANCELLED, CloseReason.POST_ONLY)
        return order
    if is_limit and order.force == _FOK and not book.fillable(order, order.price, order.size):
        close_order(state, ctx, market, order, _CANCELLED, CloseReason.FOK)
        return order
    if is_limit:
        limit_price = order.price
    else:
        high, low = band_limits(market)
        limit_price = high if order.side == _BUY else low
    budget = order.quote_size if not is_limit and order.side == _BUY else 0
    fills, stp_makers, taker_stopped = book.match(
        order, limit_price, order.remaining, budget, market.quote_per_price_size)
    if fills:
        fees = state.ledger
        fees_base = fees.system(SystemOwner.FEES, market.base)
        fees_quote = fees.system(SystemOwner.FEES, market.quote)
        trade_id = state.next_trade_id
        for maker, size in fills:
            settle_fill(ctx, market, fees_base, fees_quote, order, maker, size, trade_id)
            trade_id += 1
            if not maker.remaining:
                close_order(state, ctx, market, maker, _FILLED, CloseReason.NONE)
        state.next_trade_id = trade_id
        market.last_price = fills[-1][0].price
        if not budget:
            order.remaining = order.size - order.filled_size
    for maker in stp_makers:
        close_order(state, ctx, market, maker, _CANCELLED, CloseReason.STP)
    _finish_taker(state, ctx, market, order, taker_stopped, limit_price)
    return order


def _finish_taker(state: "EngineState", ctx: Context, market: Market, order: Order,
                  taker_stopped: bool, limit_price: int) -> None:
    if order.order_type == _LIMIT:
        if not order.remaining:
            close_order(state, ctx, market, order, _FILLED, CloseReason.NONE)
        elif taker_stopped:
            close_order(state, ctx, market, order, _CANCELLED, CloseReason.STP)
        elif order.force == _IOC or order.force == _FOK:
            reason = CloseReason.IOC if order.force == _IOC else CloseReason.FOK
            close_order(state, ctx, market, order, _CANCELLED, reason)
        else:
            state.books[market.symbol].side(order.side).add(order)
            order.resting = True
            key = (order.user, order.symbol)
            state.open_count[key] = state.open_count.get(key, 0) + 1
        return
    if taker_stopped:
        close_order(state, ctx, market, order, _CANCELLED, CloseReason.STP)
    elif order.filled_size and _market_done(state, market, order, limit_price):
        close_order(state, ctx, market, order, _FILLED, CloseReason.NONE)
    else:
        close_order(state, ctx, market, order, _CANCELLED, CloseReason.NO_LIQUIDITY)


def _market_done(state: "EngineState", market: Market, order: Order, limit_price: int) -> bool:
    """Did a market order use up its size (sell) or budget (buy: less than one more lot)?"""
    if order.side != _BUY:
        return order.remaining == 0
    asks = state.books[market.symbol].asks
    if not asks.keys or asks.keys[0] > limit_price:
        return False  # stopped by an empty book or the band: liquidity ran out
    return order.hold < asks.keys[0] * market.lot * market.quote_per_price_size


def close_order(state: "EngineState", ctx: Context, market: Market, order: Order,
                status: int, reason: int) -> None:
    """Take ``order`` out of every index, release what it still holds, emit OrderClosed."""
    if order.resting:
        # A maker filled or removed by matching has already left the book (remaining 0);
        # a cancelled one is still in it.
        if order.remaining:
            state.books[market.symbol].side(order.side).remove(order)
        order.resting = False
        key = (order.user, order.symbol)
        count = state.open_count[key] - 1
        if count:
            state.open_count[key] = count
        else:
            del state.open_count[key]
    hold = order.hold
    assert hold >= 0, order
    if hold:
        balance = order.quote_balance if order.side == _BUY else order.base_balance
        balance.frozen -= hold
        balance.available += hold
        order.hold = 0
        ctx.touch(balance)
    del state.orders[order.order_id]
    if order.client_oid:
        state.live_client_oids.pop((ORDER_OID, order.user, order.client_oid), None)
    ctx.emit(OrderClosed, order.order_id, order.user, order.symbol, status, int(reason),
             order.filled_size, order.filled_quote)
    if order.filled_size and (order.tp_trigger or order.sl_trigger):
        ctx.followups.append(order)  # its TP/SL plans are created once matching is done
