"""Request parameters → core order commands, with Bitget's validation order and codes.

Shared by place-order, batch-orders, cancel-replace and place-plan-order so that one order
is validated the same way whichever endpoint carries it.  Sizes are truncated to the lot,
prices must already fit the tick (41103), a market buy's ``size`` is the quote amount to
spend (Bitget semantics, which ccxt follows), and every number is parsed with
``core.units.to_units``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from ....core import events as ev
from ....core.commands import CancelOrder, PlaceOrder
from ....core.enums import Force, OrderType, Side, Stp
from ...readmodels.catalog import MarketInfo
from ..errors import ApiError, E
from ..params import (
    FORCES,
    ORDER_TYPES,
    SIDES,
    STP_MODES,
    Params,
    amount_units,
    price_units,
    size_units,
)
from .context import ApiContext

__all__ = [
    "PLACE_PARAMS",
    "build_place",
    "order_amounts",
    "item_outcomes",
    "build_cancel",
    "tpsl_units",
]

PLACE_PARAMS = (
    "symbol",
    "side",
    "orderType",
    "force",
    "price",
    "size",
    "clientOid",
    "stpMode",
    "tpslType",
    "triggerPrice",
    "requestTime",
    "receiveWindow",
    "presetTakeProfitPrice",
    "executeTakeProfitPrice",
    "presetStopLossPrice",
    "executeStopLossPrice",
)


def order_amounts(
    params: Params, market: MarketInfo, ctx: ApiContext, side: int, order_type: int
) -> Tuple[int, int, int]:
    """(price, size, quote_size) in core units for a limit or market order."""
    size_text = params.decimal("size")
    assert size_text is not None
    if order_type == OrderType.LIMIT:
        price_text = params.decimal("price")
        assert price_text is not None
        return price_units("price", price_text, market), size_units("size", size_text, market), 0
    if side == Side.BUY:
        return 0, 0, amount_units("size", size_text, ctx.asset_scale(market.quote))
    return 0, size_units("size", size_text, market), 0


_TPSL_KEYS = (
    "presetTakeProfitPrice",
    "executeTakeProfitPrice",
    "presetStopLossPrice",
    "executeStopLossPrice",
)
_NO_TPSL = (0, 0, 0, 0)


def tpsl_units(params: Params, market: MarketInfo) -> Tuple[int, int, int, int]:
    """Attached take-profit / stop-loss (trigger, limit price); 0 means absent or market."""
    if params.data.keys().isdisjoint(_TPSL_KEYS):
        return _NO_TPSL  # the common case, kept cheap on the order-entry hot path
    out: List[int] = []
    for key in _TPSL_KEYS:
        text = params.decimal(key, required=False)
        out.append(price_units(key, text, market) if text is not None else 0)
    if (out[1] and not out[0]) or (out[3] and not out[2]):
        raise ApiError(
            E.PARAM_EMPTY, "Parameter presetTakeProfitPrice/presetStopLossPrice cannot be empty"
        )
    return out[0], out[1], out[2], out[3]


def build_place(ctx: ApiContext, params: Params, user: int) -> PlaceOrder:
    market = ctx.market_info(params.text("symbol"))
    side = params.choice("side", SIDES)
    order_type = params.choice("orderType", ORDER_TYPES)
    force = params.choice("force", FORCES, default=int(Force.GTC))
    stp = params.choice("stpMode", STP_MODES, default=int(Stp.NONE))
    tpsl_type = params.text("tpslType", required=False)
    if tpsl_type not in (None, "normal"):
        raise ApiError(
            E.PARAM_INVALID, "Parameter verification failed: tpslType (use place-plan-order)"
        )
    price, size, quote_size = order_amounts(params, market, ctx, side, order_type)
    if order_type == OrderType.MARKET:
        force = int(Force.GTC)
    tp_trigger, tp_price, sl_trigger, sl_price = tpsl_units(params, market)
    return PlaceOrder(
        0,
        user,
        market.symbol,
        side,
        order_type,
        force,
        price,
        size,
        quote_size,
        params.client_oid(),
        stp,
        tp_trigger,
        tp_price,
        sl_trigger,
        sl_price,
    )


def build_cancel(
    ctx: ApiContext, params: Params, user: int, symbol: Optional[str] = None
) -> CancelOrder:
    market = ctx.market_info(symbol or params.text("symbol"))
    client_oid = params.client_oid()
    order_id = params.order_id() if params.has("orderId") or not client_oid else 0
    return CancelOrder(0, user, market.symbol, order_id, "" if order_id else client_oid)


def item_outcomes(events: List[Any], count: int, command_name: str) -> List[Tuple[str, Any]]:
    """Per batch item, in order: ("ok", event) / ("dup", original id) / ("err", RejectCode).

    The engine handles batch items one after another, so each item's outcome is the
    next of: its own ``OrderAccepted``/``OrderClosed`` (plan_id 0), a ``Duplicate`` or a
    ``Rejected`` naming the item's command type.
    """
    wanted = ev.OrderAccepted if command_name == "PlaceOrder" else ev.OrderClosed
    outcomes: List[Tuple[str, Any]] = []
    for event in events:
        if len(outcomes) == count:
            break
        kind = type(event)
        if kind is ev.Rejected and event.command == command_name:
            outcomes.append(("err", event.code))
        elif kind is ev.Duplicate and event.command == command_name:
            outcomes.append(("dup", event.original_id))
        elif kind is wanted and (kind is not ev.OrderAccepted or event.plan_id == 0):
            outcomes.append(("ok", event))
    return outcomes


def error_row(client_oid: str, exc: ApiError, order_id: str = "") -> Dict[str, Any]:
    return {
        "orderId": order_id or None,
        "clientOid": client_oid or None,
        "errorMsg": exc.msg,
        "errorCode": exc.code,
    }
