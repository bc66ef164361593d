"""Integer views → Bitget v2 JSON objects (all numbers as strings, times as ms strings).

Field choices follow what ccxt's ``parse_order``/``parse_trade`` read (§4.11, §4.14):
``feeDetail`` on an order is a JSON *string* (ccxt ``json.loads`` it) and is omitted until
there is a fee; unfilled orders put the order price in ``priceAvg`` and the fill price in
``basePrice`` (Bitget's own quirk, which ccxt undoes); fees are negative numbers.
"""

from __future__ import annotations

from typing import Any, Dict

import orjson

from ....core.enums import CloseReason, Force, OrderStatus, OrderType, PlanStatus, Side
from ....core.units import from_units
from ...readmodels.catalog import Catalog, MarketInfo
from ...readmodels.records import Fill, OrderView, PlanView

__all__ = ["order_json", "fill_json", "plan_json", "ratio_text", "side_text", "ppm_text", "STATUS"]

SIDE_TEXT = {Side.BUY: "buy", Side.SELL: "sell"}
TYPE_TEXT = {OrderType.LIMIT: "limit", OrderType.MARKET: "market"}
FORCE_TEXT = {Force.GTC: "gtc", Force.IOC: "ioc", Force.FOK: "fok", Force.POST_ONLY: "post_only"}
STATUS = {
    OrderStatus.LIVE: "live",
    OrderStatus.PARTIALLY_FILLED: "partially_filled",
    OrderStatus.FILLED: "filled",
    OrderStatus.CANCELLED: "cancelled",
}
PLAN_STATUS = {
    PlanStatus.LIVE: "live",
    PlanStatus.EXECUTED: "executed",
    PlanStatus.FAILED: "fail_execute",
    PlanStatus.CANCELLED: "cancelled",
}
CANCEL_REASON = {
    CloseReason.NONE: "",
    CloseReason.USER: "normal_cancel",
    CloseReason.IOC: "ioc_cancel",
    CloseReason.FOK: "fok_cancel",
    CloseReason.POST_ONLY: "post_only_cancel",
    CloseReason.STP: "stp_cancel",
    CloseReason.NO_LIQUIDITY: "no_liquidity",
    CloseReason.REPLACED: "replaced",
    CloseReason.MARKET_CLOSED: "market_closed",
}


def side_text(side: int) -> str:
    return SIDE_TEXT[side]


def ppm_text(ppm: int) -> str:
    """A rate in parts per million as Bitget writes it: ``1000`` → ``"0.001"``, 0 → ``"0"``."""
    return from_units(ppm, 6).rstrip("0").rstrip(".")


def ratio_text(
    numerator: int, num_scale: int, denominator: int, den_scale: int, places: int
) -> str:
    """``(numerator/10**num_scale) / (denominator/10**den_scale)`` truncated to ``places``.

    Used for average fill prices; trailing zeros beyond ``places - 4`` are trimmed so a
    single-price fill shows the price exactly as the market quotes it.
    """
    if denominator == 0:
        return "0"
    extra = places + 4
    q = numerator * 10 ** (den_scale + extra) // (denominator * 10**num_scale)
    text = from_units(q, extra)
    keep = len(text) - 4
    return text[:keep] if text.endswith("0000") else text.rstrip("0").rstrip(".")


def _fee_coin(order_side: int, market: MarketInfo) -> str:
    return market.base if order_side == Side.BUY else market.quote


def _avg_price(filled_quote: int, filled_size: int, market: MarketInfo, catalog: Catalog) -> str:
    base_units = filled_size  # size units at quantity_precision
    return ratio_text(
        filled_quote,
        catalog.assets[market.quote],
        base_units,
        market.quantity_precision,
        market.price_precision,
    )


def order_json(
    o: OrderView, market: MarketInfo, catalog: Catalog, unfilled: bool = False
) -> Dict[str, Any]:
    quote_scale = catalog.assets[market.quote]
    is_market_buy = o.order_type == OrderType.MARKET and o.side == Side.BUY
    size = from_units(o.quote_size, quote_scale) if is_market_buy else market.size_str(o.size)
    price = market.price_str(o.price) if o.price else "0"
    avg = _avg_price(o.filled_quote, o.filled_size, market, catalog) if o.filled_size else "0"
    out: Dict[str, Any] = {
        "userId": str(o.user),
        "symbol": o.symbol,
        "orderId": str(o.order_id),
        "clientOid": o.client_oid or None,
        "size": size,
        "orderType": TYPE_TEXT[o.order_type],
        "side": SIDE_TEXT[o.side],
        "status": STATUS[o.status],
        "force": FORCE_TEXT.get(o.force, "gtc"),
        "baseVolume": market.size_str(o.filled_size),
        "quoteVolume": from_units(o.filled_quote, quote_scale),
        "enterPointSource": "API",
        "orderSource": "market" if o.order_type == OrderType.MARKET else "normal",
        "tpslType": "normal",
        "triggerPrice": None,
        "cancelReason": CANCEL_REASON.get(o.reason, ""),
        "cTime": str(o.c_ms),
        "uTime": str(o.u_ms),
    }
    if unfilled:
        out["priceAvg"] = price
        out["basePrice"] = avg
    else:
        out["price"] = price
        out["priceAvg"] = avg
    if o.tp_trigger:
        out["presetTakeProfitPrice"] = market.price_str(o.tp_trigger)
        out["presetStopSurplusPrice"] = out["presetTakeProfitPrice"]  # the name ccxt parses
        out["executeTakeProfitPrice"] = market.price_str(o.tp_price) if o.tp_price else None
    if o.sl_trigger:
        out["presetStopLossPrice"] = market.price_str(o.sl_trigger)
        out["executeStopLossPrice"] = market.price_str(o.sl_price) if o.sl_price else None
    if o.fee or o.filled_size:
        coin = _fee_coin(o.side, market)
        fee = "-" + from_units(o.fee, catalog.assets[coin]) if o.fee else "0"
        out["feeDetail"] = orjson.dumps(
            {
                coin: {
                    "deduction": False,
                    "feeCoinCode": coin,
                    "totalDeductionFee": "0",
                    "totalFee": fee,
                }
            }
        ).decode()
    return out


def fill_json(f: Fill, market: MarketInfo, catalog: Catalog) -> Dict[str, Any]:
    coin = _fee_coin(f.side, market)
    return {
        "userId": str(f.user),
        "symbol": f.symbol,
        "orderId": str(f.order_id),
        "tradeId": str(f.trade_id),
        "orderType": TYPE_TEXT.get(f.order_type, "limit"),
        "side": SIDE_TEXT[f.side],
        "priceAvg": market.price_str(f.price),
        "size": market.size_str(f.size),
        "amount": from_units(f.quote_amount, catalog.assets[market.quote]),
        "feeDetail": {
            "deduction": "no",
            "feeCoin": coin,
            "totalDeductionFee": "0",
            "totalFee": ("-" if f.fee else "") + from_units(f.fee, catalog.assets[coin]),
        },
        "tradeScope": "maker" if f.is_maker else "taker",
        "cTime": str(f.c_ms),
        "uTime": str(f.c_ms),
    }


def plan_json(p: PlanView, market: MarketInfo, catalog: Catalog) -> Dict[str, Any]:
    is_total = p.order_type == OrderType.MARKET and p.side == Side.BUY
    size = catalog.amount_str(market.quote, p.quote_size) if is_total else market.size_str(p.size)
    return {
        "orderId": str(p.plan_id),
        "clientOid": p.client_oid or None,
        "symbol": p.symbol,
        "size": size,
        "executePrice": market.price_str(p.price) if p.price else None,
        "triggerPrice": market.price_str(p.trigger_price),
        "status": PLAN_STATUS[p.status],
        "orderType": TYPE_TEXT[p.order_type],
        "side": SIDE_TEXT[p.side],
        "planType": "total" if is_total else "amount",
        "triggerType": "fill_price",
        "enterPointSource": "API",
        "tpslType": "tpsl" if p.parent_order_id else "normal",
        "force": FORCE_TEXT.get(p.force, "gtc"),
        "orderIdAfterTrigger": str(p.order_id) if p.order_id else None,
        "cTime": str(p.c_ms),
        "uTime": str(p.u_ms),
    }
