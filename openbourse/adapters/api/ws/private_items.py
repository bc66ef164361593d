"""Per-order state and the Bitget v2 spot records for private pushes (all numbers as strings).

Field choices follow what ccxt.pro's ``parse_ws_order`` / ``parse_ws_trade`` /
``handle_balance`` read (research §5.7): ``newSize`` is the amount (the quote budget for a
market buy), ``baseVolume`` equals ``accBaseVolume`` so ccxt's ``filled`` is cumulative,
fees are negative in ``feeDetail``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ....core import events as ev
from ....core.enums import Force, OrderStatus, OrderType, PlanStatus, Side
from ....core.units import from_units
from ...readmodels.catalog import Catalog, MarketInfo

__all__ = ["OrderState", "PlanState", "order_item", "fill_item", "account_item", "plan_item",
           "avg_price"]

_SIDE = {Side.BUY: "buy", Side.SELL: "sell"}
_TYPE = {OrderType.LIMIT: "limit", OrderType.MARKET: "market"}
_FORCE = {Force.GTC: "gtc", Force.IOC: "ioc", Force.FOK: "fok", Force.POST_ONLY: "post_only"}


def _amount(catalog: Catalog, asset: str, units: int) -> str:
    scale = catalog.assets.get(asset)
    return from_units(units, scale) if scale is not None else str(units)


def avg_price(catalog: Catalog, info: MarketInfo, size: int, quote: int) -> int:
    """Average fill price in price units (rounded down) from size units and quote minor units."""
    quote_scale = catalog.assets.get(info.quote)
    if size <= 0 or quote_scale is None:
        return 0
    numerator = quote * 10 ** (info.quantity_precision + info.price_precision)
    return numerator // (size * 10**quote_scale)


@dataclass
class OrderState:
    order_id: int
    user: int
    symbol: str
    side: int
    order_type: int
    force: int
    price: int
    size: int
    quote_size: int
    client_oid: str
    c_ms: int
    u_ms: int
    filled: int = 0
    filled_quote: int = 0
    fee: int = 0
    fee_asset: str = ""
    status: str = "live"
    trade_id: int = 0
    fill_price: int = 0
    fill_size: int = 0
    fill_fee: int = 0
    scope: str = ""

    @classmethod
    def from_event(cls, e: ev.OrderAccepted) -> "OrderState":
        ms = e.ts_ns // 1_000_000
        return cls(e.order_id, e.user, e.symbol, e.side, e.order_type, e.force, e.price, e.size,
                   e.quote_size, e.client_oid, ms, ms)

    def fill(self, e: ev.TradeExecuted, fee: int, fee_asset: str, scope: str) -> None:
        self.filled += e.size
        self.filled_quote += e.quote_amount
        self.fee += fee
        self.fee_asset = fee_asset
        self.trade_id, self.fill_price, self.fill_size, self.fill_fee = (
            e.trade_id, e.price, e.size, fee)
        self.scope = scope
        self.u_ms = e.ts_ns // 1_000_000
        self.status = "partially_filled"

    def close(self, e: ev.OrderClosed) -> None:
        self.u_ms = e.ts_ns // 1_000_000
        self.status = "filled" if e.status == OrderStatus.FILLED else "cancelled"


def order_item(catalog: Catalog, info: MarketInfo, o: OrderState) -> dict:
    market_buy = o.order_type == OrderType.MARKET and o.side == Side.BUY
    new_size = _amount(catalog, info.quote, o.quote_size) if market_buy else info.size_str(o.size)
    acc = info.size_str(o.filled)
    avg = avg_price(catalog, info, o.filled, o.filled_quote)
    item = {
        "instId": o.symbol, "orderId": str(o.order_id), "clientOid": o.client_oid,
        "newSize": new_size, "notional": _amount(catalog, info.quote, o.filled_quote),
        "orderType": _TYPE.get(o.order_type, "limit"), "force": _FORCE.get(o.force, "gtc"),
        "side": _SIDE[o.side], "accBaseVolume": acc, "baseVolume": acc,
        "priceAvg": info.price_str(avg), "status": o.status, "cTime": str(o.c_ms),
        "uTime": str(o.u_ms), "enterPointSource": "API",
        "feeDetail": ([{"feeCoin": o.fee_asset, "fee": "-" + _amount(catalog, o.fee_asset, o.fee)}]
                      if o.fee_asset else []),
    }
    if o.order_type == OrderType.LIMIT:
        item["price"] = info.price_str(o.price)
    if o.trade_id:
        item.update({
            "tradeId": str(o.trade_id), "fillPrice": info.price_str(o.fill_price),
            "fillTime": str(o.u_ms), "fillFee": "-" + _amount(catalog, o.fee_asset, o.fill_fee),
            "fillFeeCoin": o.fee_asset, "tradeScope": "T" if o.scope == "taker" else "M",
        })
    return item


def fill_item(catalog: Catalog, info: MarketInfo, e: ev.TradeExecuted, order_id: int, side: int,
              order_type: int, fee: int, fee_asset: str, scope: str) -> dict:
    ms = str(e.ts_ns // 1_000_000)
    return {
        "orderId": str(order_id), "tradeId": str(e.trade_id), "symbol": e.symbol,
        "orderType": _TYPE.get(order_type, "limit"), "side": _SIDE[side],
        "priceAvg": info.price_str(e.price), "size": info.size_str(e.size),
        "amount": _amount(catalog, info.quote, e.quote_amount), "tradeScope": scope,
        "feeDetail": [{"feeCoin": fee_asset, "deduction": "no", "totalDeductionFee": "0",
                       "totalFee": "-" + _amount(catalog, fee_asset, fee)}],
        "cTime": ms, "uTime": ms,
    }


def account_item(catalog: Catalog, asset: str, available: int, frozen: int, u_ms: int) -> dict:
    avail = _amount(catalog, asset, available)
    return {"coin": asset, "available": avail, "frozen": _amount(catalog, asset, frozen),
            "locked": _amount(catalog, asset, 0), "limitAvailable": avail, "uTime": str(u_ms)}


@dataclass
class PlanState:
    plan_id: int
    user: int
    symbol: str
    side: int
    trigger_price: int
    order_type: int
    price: int
    size: int
    quote_size: int
    client_oid: str
    c_ms: int
    u_ms: int
    status: str = "live"
    order_id: Optional[int] = None

    @classmethod
    def from_event(cls, e: ev.PlanPlaced) -> "PlanState":
        ms = e.ts_ns // 1_000_000
        return cls(e.plan_id, e.user, e.symbol, e.side, e.trigger_price, e.order_type, e.price,
                   e.size, e.quote_size, e.client_oid, ms, ms)

    def end(self, e: object) -> None:
        self.u_ms = e.ts_ns // 1_000_000  # type: ignore[attr-defined]
        if type(e) is ev.PlanTriggered:
            self.status, self.order_id = "executed", e.order_id
        elif e.status == PlanStatus.FAILED:  # type: ignore[attr-defined]
            self.status = "fail_execute"
        else:
            self.status = "cancelled"


def plan_item(catalog: Catalog, info: MarketInfo, p: PlanState) -> dict:
    market_buy = p.order_type == OrderType.MARKET and p.side == Side.BUY
    size = _amount(catalog, info.quote, p.quote_size) if market_buy else info.size_str(p.size)
    item = {
        "instId": p.symbol, "orderId": str(p.plan_id), "clientOid": p.client_oid,
        "triggerPrice": info.price_str(p.trigger_price), "triggerType": "fill_price",
        "planType": "total" if market_buy else "amount", "size": size, "actualSize": size,
        "orderType": _TYPE.get(p.order_type, "limit"), "side": _SIDE[p.side],
        "status": p.status, "cTime": str(p.c_ms), "uTime": str(p.u_ms),
    }
    if p.order_type == OrderType.LIMIT:
        item["price"] = item["executePrice"] = info.price_str(p.price)
    return item
