"""Shared pieces of the futures (``/api/v2/mix/*``) endpoints: lookups, parsing, JSON rows.

The futures read models live in ``ctx.views.futures`` (a ``FuturesViews``, attached by
``runtime/futures_views.py``), so the shared ``ApiContext`` needs no change.  Every row
builder here formats integers from the core with the contract's precisions; the field
names are Bitget's (``shared/research/bitget-v2-api.md`` §4, ccxt's ``parse_*``).
"""
from __future__ import annotations

import json
from typing import Any, Dict, Optional, Tuple

from ....core.futures.enums import HoldSide, MarginMode, PosMode, ProductType
from ....core.units import from_units
from ...readmodels.futures import ContractInfo, FuturesViews, product_type_of
from ...readmodels.futures.views import FillRec, OrderRec, PlanRec, PositionRec
from ..errors import ApiError, E
from ..params import Params, price_units, size_units
from .context import ApiContext
from .formats import ppm_text

__all__ = [
    "views_of", "product_type", "contract", "contract_for", "MARGIN_MODES", "POS_MODES",
    "HOLD_SIDES", "order_row", "fill_row", "plan_row", "position_row", "e8_str",
    "price_in", "size_in", "default_leverage",
]

MARGIN_MODES = {"crossed": int(MarginMode.CROSSED), "cross": int(MarginMode.CROSSED),
                "isolated": int(MarginMode.ISOLATED), "fixed": int(MarginMode.ISOLATED)}
MARGIN_MODE_NAMES = {0: "crossed", 1: "isolated"}
POS_MODES = {"one_way_mode": int(PosMode.ONE_WAY), "hedge_mode": int(PosMode.HEDGE)}
POS_MODE_NAMES = {0: "one_way_mode", 1: "hedge_mode"}
HOLD_SIDES = {"long": int(HoldSide.LONG), "short": int(HoldSide.SHORT),
              "buy": int(HoldSide.LONG), "sell": int(HoldSide.SHORT)}
HOLD_NAMES = {0: "long", 1: "short", -1: "net"}
ORDER_STATUS = {0: "live", 1: "partially_filled", 2: "filled", 3: "canceled"}
FORCE_NAMES = {0: "gtc", 1: "ioc", 2: "fok", 3: "post_only"}
PLAN_TYPE_NAMES = {0: "normal_plan", 1: "pos_profit", 2: "pos_loss", 3: "profit_plan",
                   4: "loss_plan", 5: "track_plan"}
PLAN_STATUS = {0: "live", 1: "executed", 2: "fail_execute", 3: "cancelled"}
TRIGGER_TYPES = {"fill_price": 0, "mark_price": 1}
TRIGGER_NAMES = {0: "fill_price", 1: "mark_price"}
ORDER_SOURCE = {0: "normal", 1: "burst_liquidation", 2: "plan", 3: "close_all"}
DEFAULT_LEVERAGE = 10


def default_leverage(info: ContractInfo) -> int:
    return min(DEFAULT_LEVERAGE, info.max_leverage)


def views_of(ctx: ApiContext) -> FuturesViews:
    views = getattr(ctx.views, "futures", None)
    if views is None:
        raise ApiError(E.SYSTEM, "Futures are not available on this node", 503)
    return views


def product_type(params: Params, *, required: bool = True) -> Optional[int]:
    """ProductType of ``productType`` (any case); -1 = a Bitget demo product (lists nothing)."""
    text = params.text("productType", required=required)
    if text is None:
        return None
    found = product_type_of(text)
    if found is None:
        raise ApiError(E.PARAM_INVALID, f"Parameter verification failed: productType {text}")
    return found


def contract(views: FuturesViews, symbol: Optional[str],
             product: Optional[int] = None) -> ContractInfo:
    """The contract ``symbol`` of ``product`` or Bitget's "does not exist" (40034)."""
    info = views.catalog.markets.get(symbol or "")
    if info is None or (product is not None and info.product_type != product):
        raise ApiError(E.NOT_EXIST, f"Parameter {symbol} does not exist")
    return info


def contract_for(ctx: ApiContext, params: Params, *,
                 need_product: bool = True) -> Tuple[FuturesViews, ContractInfo]:
    views = views_of(ctx)
    product = product_type(params, required=need_product)
    return views, contract(views, params.text("symbol"), product)


def check_margin_coin(params: Params, info: ContractInfo) -> None:
    coin = params.text("marginCoin", required=False)
    if coin is not None and coin.upper() != info.margin_asset:
        raise ApiError(E.PARAM_INVALID,
                       f"Parameter verification failed: marginCoin {coin} "
                       f"is not {info.margin_asset}")


def price_in(key: str, text: str, info: ContractInfo) -> int:
    units = price_units(key, text, info)  # type: ignore[arg-type]
    if units % info.tick:
        raise ApiError(E.PRICE_SCALE, f"param {key} must be a multiple of the tick "
                       f"{info.price_str(info.tick)}")
    return units


def size_in(key: str, text: str, info: ContractInfo) -> int:
    units = size_units(key, text, info)  # type: ignore[arg-type]
    units -= units % info.lot
    if units < max(info.min_size, 1):
        raise ApiError(E.MIN_AMOUNT,
                       f"less than the minimum order quantity {info.size_str(info.min_size)}")
    return units


def e8_str(value: int) -> str:
    text = from_units(value, 8)
    return text.rstrip("0").rstrip(".") if "." in text else text


def _avg_price(info: ContractInfo, size: int, value: int) -> int:
    """Average price (price units, rounded to nearest) of ``size`` order units worth
    ``value`` (linear: margin-asset units; inverse: quote notional, Σ size × price)."""
    if size <= 0 or value <= 0:
        return 0
    if info.inverse:
        return (2 * value + size) // (2 * size)
    pp, qp, ms = info.price_precision, info.quantity_precision, info.margin_scale
    num = value * 10 ** (pp + qp)
    den = size * 10**ms
    return (2 * num + den) // (2 * den)


def quote_volume_str(info: ContractInfo, value: int) -> str:
    """An order's filled quote volume: margin asset (linear) or USD (inverse notional)."""
    if info.inverse:
        return from_units(value, info.quantity_precision + info.price_precision)
    return info.amount_str(value)


def _px(info: ContractInfo, price: int) -> str:
    return info.price_str(price) if price else "0"


def _trade_side(rec: Any) -> str:
    if rec.pos_mode == 1 or rec.trade_side >= 0:
        return "open" if rec.trade_side == 0 else "close"
    return "buy_single" if rec.side == 0 else "sell_single"


def order_row(info: ContractInfo, rec: OrderRec) -> Dict[str, Any]:
    avg = _avg_price(info, rec.filled, rec.filled_value)
    status = ORDER_STATUS.get(rec.status, "live")
    return {
        "symbol": rec.symbol,
        "size": info.size_str(rec.size),
        "orderId": str(rec.order_id),
        "clientOid": rec.client_oid or str(rec.order_id),
        "baseVolume": info.size_str(rec.filled),
        "fee": info.amount_str(-rec.fee) if rec.fee else "0",
        "price": _px(info, rec.price) if rec.order_type == 0 else "0",
        "priceAvg": _px(info, avg),
        "status": status,
        "state": status,
        "side": "buy" if rec.side == 0 else "sell",
        "force": FORCE_NAMES.get(rec.force, "gtc"),
        "totalProfits": info.amount_str(rec.pnl),
        "posSide": HOLD_NAMES[rec.hold_side] if rec.pos_mode == 1 else "net",
        "marginCoin": info.margin_asset,
        "quoteVolume": quote_volume_str(info, rec.filled_value),
        "leverage": str(rec.leverage),
        "marginMode": MARGIN_MODE_NAMES.get(rec.margin_mode, "crossed"),
        "enterPointSource": "API",
        "tradeSide": _trade_side(rec),
        "posMode": POS_MODE_NAMES.get(rec.pos_mode, "one_way_mode"),
        "orderType": "limit" if rec.order_type == 0 else "market",
        "orderSource": ORDER_SOURCE.get(rec.kind, "normal"),
        "presetStopSurplusPrice": _px(info, rec.tp_trigger) if rec.tp_trigger else "",
        "presetStopLossPrice": _px(info, rec.sl_trigger) if rec.sl_trigger else "",
        "reduceOnly": "YES" if rec.reduce_only else "NO",
        "cancelReason": "" if rec.status != 3 else "user_cancel",
        "cTime": str(rec.c_ns // 1_000_000),
        "uTime": str(rec.u_ns // 1_000_000),
    }


def fill_row(info: ContractInfo, rec: FillRec) -> Dict[str, Any]:
    fee = info.amount_str(-rec.fee) if rec.fee else "0"
    return {
        "tradeId": str(rec.trade_id),
        "symbol": rec.symbol,
        "orderId": str(rec.order_id),
        "price": info.price_str(rec.price),
        "baseVolume": info.size_str(rec.size),
        "feeDetail": [{"deduction": "no", "feeCoin": info.margin_asset,
                       "totalDeductionFee": "0", "totalFee": fee}],
        "side": "buy" if rec.side == 0 else "sell",
        "quoteVolume": info.amount_str(rec.value),
        "profit": info.amount_str(rec.pnl),
        "enterPointSource": "API",
        "tradeSide": _trade_side(rec),
        "posMode": POS_MODE_NAMES.get(rec.pos_mode, "one_way_mode"),
        "tradeScope": rec.scope,
        "cTime": str(rec.ts_ns // 1_000_000),
    }


def plan_row(info: ContractInfo, rec: PlanRec) -> Dict[str, Any]:
    status = PLAN_STATUS.get(rec.status, "live")
    plan_type = PLAN_TYPE_NAMES.get(rec.plan_type, "normal_plan")
    tpsl = rec.plan_type in (1, 2, 3, 4)
    if tpsl:
        side = "sell" if rec.hold_side == 0 else "buy"
    else:
        side = "buy" if rec.side == 0 else "sell"
    return {
        "planType": plan_type,
        "symbol": rec.symbol,
        "size": info.size_str(rec.size) if rec.size else "",
        "orderId": str(rec.plan_id),
        "clientOid": rec.client_oid or str(rec.plan_id),
        "price": _px(info, rec.price),
        "executePrice": _px(info, rec.price),
        "callbackRatio": ppm_text(rec.callback_ppm * 100) if rec.callback_ppm else "",
        "triggerPrice": info.price_str(rec.trigger_price) if rec.trigger_price else "",
        "triggerType": TRIGGER_NAMES.get(rec.trigger_type, "fill_price"),
        "planStatus": status,
        "status": status,
        "side": side,
        "posSide": HOLD_NAMES.get(rec.hold_side, "net") if rec.pos_mode == 1 or tpsl else "net",
        "marginCoin": info.margin_asset,
        "marginMode": "crossed",
        "enterPointSource": "API",
        "tradeSide": ("close" if tpsl else ("open" if rec.trade_side == 0 else
                                            "close" if rec.trade_side == 1 else
                                            ("buy_single" if rec.side == 0 else "sell_single"))),
        "posMode": POS_MODE_NAMES.get(rec.pos_mode, "one_way_mode"),
        "orderType": "limit" if rec.price else "market",
        "orderSource": "plan",
        "reduceOnly": "YES" if rec.reduce_only or tpsl else "NO",
        "stopSurplusTriggerPrice": (info.price_str(rec.trigger_price)
                                    if rec.plan_type in (1, 3) else ""),
        "stopLossTriggerPrice": (info.price_str(rec.trigger_price)
                                 if rec.plan_type in (2, 4) else ""),
        "executeOrderId": str(rec.order_id) if rec.order_id else "",
        "cTime": str(rec.c_ns // 1_000_000),
        "uTime": str(rec.u_ns // 1_000_000),
    }


def position_row(views: FuturesViews, info: ContractInfo, rec: PositionRec,
                 tpsl: Optional[Dict[int, PlanRec]] = None) -> Dict[str, Any]:
    e = rec.event
    mark = views.price(info.symbol).mark
    upnl = info.upnl(e.hold_side, e.size, e.cost, mark)
    value = info.value(e.size, mark or e.entry_price)
    mmr = info.mmr_ppm(value)
    margin_ratio = ""
    equity = e.margin + upnl
    if e.margin_mode == MarginMode.ISOLATED and equity > 0 and value:
        margin_ratio = from_units(value * mmr * 10**6 // (equity * 10**6), 6)
    closing = 0
    data = views.users.get(e.user)
    if data is not None:
        for order in data.open_orders.values():
            if order.symbol == e.symbol and order.reduce_only and order.hold_side == e.hold_side:
                closing += order.size - order.filled
    tp = sl = None
    for plan in (tpsl or {}).values():
        if plan.symbol == e.symbol and plan.hold_side == e.hold_side:
            if plan.plan_type in (1, 3) and (tp is None or plan.plan_type == 1):
                tp = plan
            elif plan.plan_type in (2, 4) and (sl is None or plan.plan_type == 2):
                sl = plan
    break_even = _break_even(info, e)
    return {
        "marginCoin": info.margin_asset,
        "symbol": e.symbol,
        "holdSide": HOLD_NAMES[e.hold_side],
        "openDelegateSize": info.size_str(_open_delegate(views, e)),
        "marginSize": info.amount_str(e.margin),
        "available": info.size_str(max(0, e.qty - closing)),
        "locked": info.size_str(min(e.qty, closing)),
        "total": info.size_str(e.qty),
        "leverage": str(e.leverage),
        "achievedProfits": info.amount_str(e.realised_pnl),
        "openPriceAvg": _px(info, e.entry_price),
        "marginMode": MARGIN_MODE_NAMES.get(e.margin_mode, "crossed"),
        "posMode": POS_MODE_NAMES.get(e.pos_mode, "one_way_mode"),
        "unrealizedPL": info.amount_str(upnl),
        "liquidationPrice": _px(info, e.liquidation_price),
        "keepMarginRate": ppm_text(mmr),
        "markPrice": _px(info, mark),
        "marginRatio": margin_ratio,
        "breakEvenPrice": _px(info, break_even),
        "totalFee": info.amount_str(e.funding),
        "deductedFee": info.amount_str(e.fees),
        "takeProfit": info.price_str(tp.trigger_price) if tp else "",
        "stopLoss": info.price_str(sl.trigger_price) if sl else "",
        "takeProfitId": str(tp.plan_id) if tp else "",
        "stopLossId": str(sl.plan_id) if sl else "",
        "autoMargin": "on" if e.auto_margin else "off",
        "positionId": str(e.position_id),
        "cTime": str(e.opened_ns // 1_000_000),
        "uTime": str(e.ts_ns // 1_000_000),
    }


def _break_even(info: ContractInfo, e: Any) -> int:
    """Price at which closing pays back the fees already paid (linear; inverse: the entry)."""
    if not e.size:
        return 0
    if info.inverse:
        return e.entry_price
    return _avg_price(info, e.size, e.cost + e.fees)


def _open_delegate(views: FuturesViews, e: Any) -> int:
    data = views.users.get(e.user)
    if data is None:
        return 0
    return sum(o.size - o.filled for o in data.open_orders.values()
               if o.symbol == e.symbol and not o.reduce_only and o.hold_side == e.hold_side)


def history_position_row(info: ContractInfo, rec: PositionRec) -> Dict[str, Any]:
    e = rec.event
    close_avg = (rec.close_value + rec.close_size // 2) // rec.close_size if rec.close_size else 0
    open_avg = _avg_price(info, rec.open_size, rec.open_value)
    return {
        "positionId": str(e.position_id),
        "marginCoin": info.margin_asset,
        "symbol": e.symbol,
        "holdSide": HOLD_NAMES[e.hold_side],
        "openAvgPrice": _px(info, open_avg),
        "closeAvgPrice": _px(info, close_avg),
        "marginMode": MARGIN_MODE_NAMES.get(e.margin_mode, "crossed"),
        "openTotalPos": info.size_str(rec.open_size),
        "closeTotalPos": info.size_str(rec.close_size),
        "pnl": info.amount_str(e.realised_pnl),
        "netProfit": info.amount_str(e.realised_pnl - e.fees + e.funding),
        "totalFunding": info.amount_str(e.funding),
        "openFee": info.amount_str(-e.fees),
        "closeFee": "0",
        "posMode": POS_MODE_NAMES.get(e.pos_mode, "one_way_mode"),
        "cTime": str(e.opened_ns // 1_000_000),
        "uTime": str((rec.close_ns or e.ts_ns) // 1_000_000),
    }


def product_name(product: int) -> str:
    return {0: "USDT-FUTURES", 1: "USDC-FUTURES", 2: "COIN-FUTURES"}[ProductType(product)]


def dumps_compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))
