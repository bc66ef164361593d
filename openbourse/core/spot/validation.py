"""Order validation: the rules of products.md §1.3, in order; the first failure wins.

Returns the reject code, or ``None`` and the amount to freeze.  Pure: reads the state,
changes nothing.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Tuple

from ..commands import PlaceOrder
from ..enums import AccountType, Force, MarketStatus, OrderType, Side, Stp
from ..markets import Market
from ..reject import RejectCode
from ..units import AMOUNT_MAX, FEE_RATE_DENOMINATOR

if TYPE_CHECKING:
    from ..engine.state import EngineState

__all__ = ["check_order", "band_limits", "order_hold"]

_BUY = int(Side.BUY)
_LIMIT = int(OrderType.LIMIT)
_SPOT = int(AccountType.SPOT)


def band_limits(market: Market) -> Tuple[int, int]:
    """(highest buy price, lowest sell price) the band allows; (max, 0) when unbounded."""
    last, band = market.last_price, market.price_band_ppm
    if not band or not last:
        return AMOUNT_MAX, 0
    high = last * (FEE_RATE_DENOMINATOR + band) // FEE_RATE_DENOMINATOR
    low = -((-last * (FEE_RATE_DENOMINATOR - band)) // FEE_RATE_DENOMINATOR)
    return high, low


def order_hold(market: Market, cmd: PlaceOrder) -> int:
    """What a new order freezes: quote for buys (limit notional or market quote size), base for sells."""
    if cmd.side == _BUY:
        if cmd.order_type == _LIMIT:
            return cmd.size * cmd.price * market.quote_per_price_size
        return cmd.quote_size
    return cmd.size * market.base_per_size


def _shape(cmd: PlaceOrder) -> Optional[RejectCode]:
    ints = (cmd.user, cmd.side, cmd.order_type, cmd.force, cmd.price, cmd.size, cmd.quote_size,
            cmd.stp, cmd.tp_trigger, cmd.tp_price, cmd.sl_trigger, cmd.sl_price)
    if any(type(value) is not int for value in ints) or type(cmd.client_oid) is not str:
        return RejectCode.INVALID_ARGUMENT
    if cmd.user <= 0 or cmd.side not in (0, 1) or cmd.order_type not in (0, 1):
        return RejectCode.INVALID_ARGUMENT
    if not 0 <= cmd.force <= Force.POST_ONLY or not 0 <= cmd.stp <= Stp.CANCEL_BOTH:
        return RejectCode.INVALID_ARGUMENT
    if min(ints[4:7]) < 0 or min(ints[8:]) < 0 or len(cmd.client_oid) > 64:
        return RejectCode.INVALID_ARGUMENT
    if max(cmd.price, cmd.size, cmd.quote_size) > AMOUNT_MAX:
        return RejectCode.AMOUNT_OUT_OF_RANGE
    return None


def _size(market: Market, size: int) -> Optional[RejectCode]:
    if size <= 0 or size % market.lot:
        return RejectCode.SIZE_PRECISION if size > 0 else RejectCode.MARKET_ORDER_SIZE
    if size < market.min_size:
        return RejectCode.SIZE_TOO_SMALL
    if size > market.max_size:
        return RejectCode.SIZE_TOO_LARGE
    return None


def _limit(market: Market, cmd: PlaceOrder) -> Optional[RejectCode]:
    if cmd.price <= 0 or cmd.price % market.tick:
        return RejectCode.PRICE_PRECISION
    code = _size(market, cmd.size)
    if code is not None:
        return RejectCode.SIZE_PRECISION if code == RejectCode.MARKET_ORDER_SIZE else code
    if cmd.size * cmd.price * market.quote_per_price_size < market.min_notional:
        return RejectCode.NOTIONAL_TOO_SMALL
    high, low = band_limits(market)
    if (cmd.side == _BUY and cmd.price > high) or (cmd.side != _BUY and cmd.price < low):
        return RejectCode.PRICE_OUT_OF_BAND
    return None


def _market(market: Market, cmd: PlaceOrder) -> Optional[RejectCode]:
    if cmd.side == _BUY:
        if cmd.quote_size <= 0 or cmd.size:
            return RejectCode.MARKET_ORDER_SIZE
        if cmd.quote_size < market.min_notional:
            return RejectCode.NOTIONAL_TOO_SMALL
        return None
    if cmd.quote_size:
        return RejectCode.MARKET_ORDER_SIZE
    code = _size(market, cmd.size)
    if code is not None:
        return code
    last = market.last_price
    if last and cmd.size * last * market.quote_per_price_size < market.min_notional:
        return RejectCode.NOTIONAL_TOO_SMALL
    return None


def _tpsl(market: Market, cmd: PlaceOrder) -> Optional[RejectCode]:
    if not (cmd.tp_trigger or cmd.sl_trigger):
        return None
    if any(value % market.tick for value in (cmd.tp_trigger, cmd.tp_price, cmd.sl_trigger,
                                             cmd.sl_price)):
        return RejectCode.PRICE_PRECISION
    reference = cmd.price if cmd.order_type == _LIMIT else market.last_price
    if not reference:
        return RejectCode.NO_LAST_PRICE
    up = 1 if cmd.side == _BUY else -1  # a buy profits when the price rises
    if cmd.tp_trigger and (cmd.tp_trigger - reference) * up <= 0:
        return RejectCode.TPSL_WRONG_SIDE
    if cmd.sl_trigger and (reference - cmd.sl_trigger) * up <= 0:
        return RejectCode.TPSL_WRONG_SIDE
    return None


def check_order(state: "EngineState", cmd: PlaceOrder, *, check_funds: bool = True,
                credit_hold: int = 0, credit_open: int = 0) -> Tuple[Optional[RejectCode], int]:
    """(reject code, 0) or (None, hold amount).

    ``credit_hold``/``credit_open`` count funds and an open-order slot that the caller will
    free first (modify = cancel + new, checked before anything changes).  Plan orders are
    checked without funds at placement (``check_funds=False``): they hold nothing until
    they fire.
    """
    code = _shape(cmd)
    if code is not None:
        return code, 0
    market = state.markets.get(cmd.symbol)
    if market is None:
        return RejectCode.UNKNOWN_SYMBOL, 0
    if market.status != MarketStatus.ONLINE:
        return RejectCode.MARKET_HALTED, 0
    code = _limit(market, cmd) if cmd.order_type == _LIMIT else _market(market, cmd)
    if code is None:
        code = _tpsl(market, cmd)
    if code is not None:
        return code, 0
    rests = cmd.order_type == _LIMIT and cmd.force in (Force.GTC, Force.POST_ONLY)
    if rests and market.max_open_orders:
        if state.open_count.get((cmd.user, cmd.symbol), 0) - credit_open >= market.max_open_orders:
            return RejectCode.TOO_MANY_OPEN_ORDERS, 0
    hold = order_hold(market, cmd)
    if not check_funds:
        return None, hold
    asset = market.quote if cmd.side == _BUY else market.base
    balance = state.ledger.balances.get((cmd.user, _SPOT, asset))
    if (balance.available if balance is not None else 0) + credit_hold < hold:
        return RejectCode.INSUFFICIENT_BALANCE, 0
    return None, hold

