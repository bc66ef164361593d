"""Spot order lifecycle: accept (hold funds), match, rest or close, release holds exactly.

``execute`` is the one path every order takes, whether it came from a client, a batch,
a modify or a fired plan.  Closing an order (``close_order``) is the one place holds are
released and TP/SL plans attached to an order are queued for creation.

This is the hottest code of the exchange (every order passes through it), so events are
built as tuples in place and enum values are bound to module-level ints: attribute
lookups on IntEnum classes cost ~0.1 µs each in CPython 3.11.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..commands import PlaceOrder
from ..context import Context
from ..enums import AccountType, CloseReason, Force, OrderStatus, OrderType, Side, SystemOwner
from ..events import OrderAccepted, OrderClosed
from ..markets import Market, fee_rates
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
_NONE, _IOC_REASON, _FOK_REASON = int(CloseReason.NONE), int(CloseReason.IOC), int(CloseReason.FOK)
_POST_ONLY_REASON, _STP_REASON = int(CloseReason.POST_ONLY), int(CloseReason.STP)
_NO_LIQUIDITY = int(CloseReason.NO_LIQUIDITY)
_FEES = int(SystemOwner.FEES)
_tuple_new = tuple.__new__


def _accept(state: "EngineState", ctx: Context, market: Market, cmd: PlaceOrder, hold: int,
            plan_id: int, account: int) -> Order:
    (_, user, symbol, side, order_type, force, price, size, quote_size, client_oid, stp,
     tp_trigger, tp_price, sl_trigger, sl_price) = cmd  # one unpack: field reads are slow
    order_id = state.next_order_id
    state.next_order_id = order_id + 1
    ledger = state.ledger
    balances = ledger.balances
    # The order binds the balances of the account it trades from (SPOT, or a margin account).
    base = balances.get((user, account, market.base)) or ledger.balance(user, account, market.base)
    quote = (balances.get((user, account, market.quote))
             or ledger.balance(user, account, market.quote))
    maker_fee, taker_fee = fee_rates(state.user_fees, user, market)
    ts = ctx.ts
    order = Order(order_id, user, symbol, side, order_type, force, price, size, quote_size,
                  client_oid, stp, maker_fee, taker_fee, base, quote, ts)
    if tp_trigger or sl_trigger:
        order.tp_trigger, order.tp_price = tp_trigger, tp_price
        order.sl_trigger, order.sl_price = sl_trigger, sl_price
    order.plan_id = plan_id
    # The hold: a posting available -> frozen on the balance the order spends.
    balance = quote if side == _BUY else base
    balance.available -= hold
    balance.frozen += hold
    order.hold = hold
    mark = ctx.mark
    if balance.mark != mark:
        balance.mark = mark
        ctx.touched.append(balance)
    state.orders[order_id] = order
    seq = ctx.seq
    ctx.events.append(_tuple_new(OrderAccepted, (
        seq, ts, order_id, user, symbol, side, order_type, force, price, size, quote_size,
        client_oid, stp, plan_id)))
    ctx.seq = seq + 1
    if client_oid:
        key = (ORDER_OID, user, client_oid)
        state.client_oids[key] = (order_id, cmd[1:], ts)
        state.client_oid_expiry.append((ts, key))
        state.live_client_oids[key] = order_id
    return order


def execute(state: "EngineState", ctx: Context, market: Market, cmd: PlaceOrder, hold: int,
            plan_id: int = 0, account: int = _SPOT) -> Order:
    """Accept a validated order and run it against the book.  Returns the order.

    ``account``: the user's account type whose balances the order holds and settles
    (SPOT; margin orders pass their margin account number, see core/margin).
    """
    order = _accept(state, ctx, market, cmd, hold, plan_id, account)
    book = state.books[market.symbol]
    is_limit = order.order_type == _LIMIT
    if is_limit:
        limit_price = order.price
        force = order.force
        opposite = book.asks if order.side == _BUY else book.bids
        if not opposite.keys or opposite.keys[0] > opposite.sign * limit_price:
            # Nothing to match (so post-only does not cross and FOK cannot fill): the
            # common passive order goes straight to the book.
            if force == _GTC or force == _POST_ONLY:
                _rest(state, book, order)
            else:
                close_order(state, ctx, market, order, _CANCELLED,
                            _IOC_REASON if force == _IOC else _FOK_REASON)
            return order
        if force == _POST_ONLY:
            close_order(state, ctx, market, order, _CANCELLED, _POST_ONLY_REASON)
            return order
        if force == _FOK and not book.fillable(order, limit_price, order.size):
            close_order(state, ctx, market, order, _CANCELLED, _FOK_REASON)
            return order
    else:
        high, low = band_limits(market)
        limit_price = high if order.side == _BUY else low
    budget = order.quote_size if not is_limit and order.side == _BUY else 0
    fills, stp_makers, taker_stopped = book.match(
        order, limit_price, order.remaining, budget, market.quote_per_price_size, market.lot)
    if fills:
        ledger = state.ledger
        fees_base = ledger.balance(_FEES, 0, market.base)
        fees_quote = ledger.balance(_FEES, 0, market.quote)
        trade_id = state.next_trade_id
        for maker, size in fills:
            settle_fill(ctx, market, fees_base, fees_quote, order, maker, size, trade_id)
            trade_id += 1
            if not maker.remaining:
                close_order(state, ctx, market, maker, _FILLED, _NONE)
        state.next_trade_id = trade_id
        market.last_price = fills[-1][0].price
        if not budget:
            order.remaining = order.size - order.filled_size
    for maker in stp_makers:
        close_order(state, ctx, market, maker, _CANCELLED, _STP_REASON)
    _finish_taker(state, ctx, market, order, taker_stopped, limit_price)
    return order


def _rest(state: "EngineState", book: "object", order: Order) -> None:
    (book.bids if order.side == _BUY else book.asks).add(order)  # type: ignore[attr-defined]
    order.resting = True
    key = (order.user, order.symbol)
    state.open_count[key] = state.open_count.get(key, 0) + 1


def _finish_taker(state: "EngineState", ctx: Context, market: Market, order: Order,
                  taker_stopped: bool, limit_price: int) -> None:
    if order.order_type == _LIMIT:
        if not order.remaining:
            close_order(state, ctx, market, order, _FILLED, _NONE)
        elif taker_stopped:
            close_order(state, ctx, market, order, _CANCELLED, _STP_REASON)
        elif order.force == _IOC or order.force == _FOK:
            reason = _IOC_REASON if order.force == _IOC else _FOK_REASON
            close_order(state, ctx, market, order, _CANCELLED, reason)
        else:
            _rest(state, state.books[market.symbol], order)
        return
    if taker_stopped:
        close_order(state, ctx, market, order, _CANCELLED, _STP_REASON)
    elif order.filled_size and _market_done(state, market, order, limit_price):
        close_order(state, ctx, market, order, _FILLED, _NONE)
    else:
        close_order(state, ctx, market, order, _CANCELLED, _NO_LIQUIDITY)


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
            book = state.books[market.symbol]
            (book.bids if order.side == _BUY else book.asks).remove(order)
        order.resting = False
        key = (order.user, order.symbol)
        count = state.open_count[key] - 1
        if count:
            state.open_count[key] = count
        else:
            del state.open_count[key]
    hold = order.hold
    if hold:
        assert hold > 0, order
        balance = order.quote_balance if order.side == _BUY else order.base_balance
        balance.frozen -= hold
        balance.available += hold
        order.hold = 0
        if balance.mark != ctx.mark:
            balance.mark = ctx.mark
            ctx.touched.append(balance)
    del state.orders[order.order_id]
    if order.client_oid:
        state.live_client_oids.pop((ORDER_OID, order.user, order.client_oid), None)
    seq = ctx.seq
    ctx.events.append(_tuple_new(OrderClosed, (
        seq, ctx.ts, order.order_id, order.user, order.symbol, status, reason,
        order.filled_size, order.filled_quote)))
    ctx.seq = seq + 1
    if order.filled_size and (order.tp_trigger or order.sl_trigger):
        ctx.followups.append(order)  # its TP/SL plans are created once matching is done
