"""Order validation: the rules of products.md §1.3, in order; the first failure wins.

Returns the reject code, or ``None`` and the amount to freeze.  Pure: reads the state,
changes nothing.  This runs for every order, so the command is unpacked once and the
common case (a limit order) is checked inline.
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

__all__ = ["check_order", "band_limits"]

_BUY = int(Side.BUY)
_LIMIT = int(OrderType.LIMIT)
_SPOT = int(AccountType.SPOT)
# Valid enum values (the types are checked first, so bools never reach these sets).
_SIDES = frozenset(int(side) for side in Side)
_ORDER_TYPES = frozenset(int(order_type) for order_type in OrderType)
_FORCES = frozenset(range(int(Force.POST_ONLY) + 1))
_STPS = frozenset(range(int(Stp.CANCEL_BOTH) + 1))
_ONLINE = int(MarketStatus.ONLINE)
_GTC, _POST_ONLY = int(Force.GTC), int(Force.POST_ONLY)
_DEN = FEE_RATE_DENOMINATOR
_CLIENT_OID_MAX = 64


def band_limits(market: Market) -> Tuple[int, int]:
    """(highest buy price, lowest sell price) the band allows; (max, 0) when unbounded."""
    last, band = market.last_price, market.price_band_ppm
    if not band or not last:
        return AMOUNT_MAX, 0
    high = last * (_DEN + band) // _DEN
    low = -((-last * (_DEN - band)) // _DEN)
    return high, low


def _size_code(market: Market, size: int) -> Optional[RejectCode]:
    if size % market.lot:
        return RejectCode.SIZE_PRECISION
    if size < market.min_size:
        return RejectCode.SIZE_TOO_SMALL
    if size > market.max_size:
        return RejectCode.SIZE_TOO_LARGE
    return None


def _limit_code(market: Market, side: int, price: int, size: int) -> Optional[RejectCode]:
    if price <= 0 or price % market.tick:
        return RejectCode.PRICE_PRECISION
    if size <= 0:
        return RejectCode.SIZE_PRECISION
    code = _size_code(market, size)
    if code is not None:
        return code
    if size * price * market.quote_per_price_size < market.min_notional:
        return RejectCode.NOTIONAL_TOO_SMALL
    if market.price_band_ppm and market.last_price:
        high, low = band_limits(market)
        if (side == _BUY and price > high) or (side != _BUY and price < low):
            return RejectCode.PRICE_OUT_OF_BAND
    return None


def _market_code(market: Market, cmd: PlaceOrder) -> Optional[RejectCode]:
    if cmd.side == _BUY:
        if cmd.quote_size <= 0 or cmd.size:
            return RejectCode.MARKET_ORDER_SIZE
        if cmd.quote_size < market.min_notional:
            return RejectCode.NOTIONAL_TOO_SMALL
        return None
    if cmd.quote_size or cmd.size <= 0:
        return RejectCode.MARKET_ORDER_SIZE
    code = _size_code(market, cmd.size)
    if code is not None:
        return code
    last = market.last_price
    if last and cmd.size * last * market.quote_per_price_size < market.min_notional:
        return RejectCode.NOTIONAL_TOO_SMALL
    return None


def _tpsl_code(market: Market, cmd: PlaceOrder) -> Optional[RejectCode]:
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
                credit_hold: int = 0, credit_open: int = 0,
                account: int = _SPOT) -> Tuple[Optional[RejectCode], int]:
    """(reject code, 0) or (None, hold amount).

    ``credit_hold``/``credit_open`` count funds and an open-order slot that the caller will
    free first (modify = cancel + new, checked before anything changes).  Plan orders are
    checked without funds at placement (``check_funds=False``): they hold nothing until
    they fire.  ``account``: the account type whose funds the order spends (SPOT, or a
    margin account number for margin orders).
    """
    (_, user, symbol, side, order_type, force, price, size, quote_size, client_oid, stp,
     tp_trigger, tp_price, sl_trigger, sl_price) = cmd
    # Ranges: commands from a buggy edge or a damaged journal are not trusted.  (Their
    # field types were checked by engine.apply, or by the batch handler for batch items.)
    if (user <= 0 or side not in _SIDES or order_type not in _ORDER_TYPES
            or force not in _FORCES or stp not in _STPS or len(client_oid) > _CLIENT_OID_MAX
            or min(price, size, quote_size, tp_trigger, tp_price, sl_trigger, sl_price) < 0):
        return RejectCode.INVALID_ARGUMENT, 0
    if max(price, size, quote_size) > AMOUNT_MAX:
        return RejectCode.AMOUNT_OUT_OF_RANGE, 0
    market = state.markets.get(symbol)
    if market is None:
        return RejectCode.UNKNOWN_SYMBOL, 0
    if market.status != _ONLINE:
        return RejectCode.MARKET_HALTED, 0
    if order_type == _LIMIT:
        code = _limit_code(market, side, price, size)
        hold = size * price * market.quote_per_price_size if side == _BUY \
            else size * market.base_per_size
    else:
        code = _market_code(market, cmd)
        hold = quote_size if side == _BUY else size * market.base_per_size
    if code is None and (tp_trigger or sl_trigger):
        code = _tpsl_code(market, cmd)
    if code is not None:
        return code, 0
    if market.max_open_orders and order_type == _LIMIT and (force == _GTC or force == _POST_ONLY):
        if state.open_count.get((user, symbol), 0) - credit_open >= market.max_open_orders:
            return RejectCode.TOO_MANY_OPEN_ORDERS, 0
    if not check_funds:
        return None, hold
    spent = market.quote if side == _BUY else market.base
    balance = state.ledger.balances.get((user, account, spent))
    if (balance.available if balance is not None else 0) + credit_hold < hold:
        return RejectCode.INSUFFICIENT_BALANCE, 0
    return None, hold
