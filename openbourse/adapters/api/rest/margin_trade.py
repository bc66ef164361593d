"""Spot orders on margin accounts: ``/api/v2/margin/{crossed,isolated}/place-order`` and friends.

A margin order is the core's ``PlaceMarginOrder``: an ordinary spot order on the book
whose balances are the margin account's, with Bitget's ``loanType`` (``normal``,
``autoLoan``, ``autoRepay``, ``autoLoanAndRepay``).  Once accepted it is an order like any
other (``OrderAccepted``, fills, ``CancelOrder``); the product projection remembers which
orders belong to a margin account, so these endpoints list only those.  Sizes follow
Bitget's margin API: ``baseSize`` for limit orders and market sells, ``quoteSize`` for
market buys.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from ....core import events as ev
from ....core.enums import Force, OrderType, Side, Stp
from ....core.margin import commands as mc
from ....core.units import from_units
from ...readmodels.margin import CROSS, ISOLATED, margin_order
from ...readmodels.records import OrderView
from ..errors import ApiError, E
from ..params import FORCES, ORDER_TYPES, SIDES, STP_MODES, amount_units, price_units, size_units
from .context import ApiContext, Req, created_id
from .formats import FORCE_TEXT, STATUS, TYPE_TEXT, fill_json, ratio_text
from .margin import history_of, margin_account
from .orders_build import build_cancel
from .queries import page_args
from .registry import Registry

__all__ = ["registry", "LOAN_TYPES"]

registry = Registry()
route = registry.route

LOAN_TYPES = {
    "normal": int(mc.LoanType.NORMAL),
    "autoloan": int(mc.LoanType.AUTO_LOAN),
    "autorepay": int(mc.LoanType.AUTO_REPAY),
    "autoloanandrepay": int(mc.LoanType.AUTO_LOAN_AND_REPAY),
}
LOAN_TEXT = {
    mc.LoanType.NORMAL: "normal",
    mc.LoanType.AUTO_LOAN: "autoLoan",
    mc.LoanType.AUTO_REPAY: "autoRepay",
    mc.LoanType.AUTO_LOAN_AND_REPAY: "autoLoanAndRepay",
}
_MODES = {"crossed": CROSS, "isolated": ISOLATED}
_PLACE = (
    "symbol",
    "orderType",
    "price",
    "loanType",
    "force",
    "baseSize",
    "quoteSize",
    "clientOid",
    "side",
    "stpMode",
    "requestTime",
    "receiveWindow",
)
_PAGE = ("symbol", "orderId", "clientOid", "startTime", "endTime", "limit", "idLessThan")


def _build(ctx: ApiContext, req: Req, mode: int) -> mc.PlaceMarginOrder:
    p = req.params
    if mode == ISOLATED:
        margin_account(ctx, req, mode)  # the pair must be margin-enabled
    market = ctx.market_info(p.text("symbol"))
    side = p.choice("side", SIDES)
    order_type = p.choice("orderType", ORDER_TYPES)
    loan = p.choice("loanType", LOAN_TYPES, default=int(mc.LoanType.NORMAL))
    force = p.choice("force", FORCES, default=int(Force.GTC))
    stp = p.choice("stpMode", STP_MODES, default=int(Stp.NONE))
    price = size = quote_size = 0
    if order_type == OrderType.MARKET and side == Side.BUY:
        text = p.decimal("quoteSize")
        assert text is not None
        quote_size = amount_units("quoteSize", text, ctx.asset_scale(market.quote))
        force = int(Force.GTC)
    else:
        text = p.decimal("baseSize")
        assert text is not None
        size = size_units("baseSize", text, market)
        if order_type == OrderType.LIMIT:
            price_text = p.decimal("price")
            assert price_text is not None
            price = price_units("price", price_text, market)
        else:
            force = int(Force.GTC)
    return mc.PlaceMarginOrder(
        0, req.user, mode, market.symbol, loan, side, order_type, force, price, size,
        quote_size, p.client_oid(), stp,
    )


def _order_json(ctx: ApiContext, o: OrderView, loan: int) -> Dict[str, Any]:
    market = ctx.catalog.markets[o.symbol]
    quote_scale = ctx.catalog.assets[market.quote]
    is_market_buy = o.order_type == OrderType.MARKET and o.side == Side.BUY
    avg = "0"
    if o.filled_size:
        avg = ratio_text(
            o.filled_quote, quote_scale, o.filled_size, market.quantity_precision,
            market.price_precision,
        )
    return {
        "orderId": str(o.order_id),
        "symbol": o.symbol,
        "orderType": TYPE_TEXT[o.order_type],
        "enterPointSource": "API",
        "clientOid": o.client_oid or None,
        "loanType": LOAN_TEXT.get(mc.LoanType(loan), "normal"),
        "price": market.price_str(o.price) if o.price else "0",
        "side": "buy" if o.side == Side.BUY else "sell",
        "status": STATUS[o.status],
        "baseSize": "0" if is_market_buy else market.size_str(o.size),
        "quoteSize": from_units(o.quote_size if is_market_buy else o.filled_quote, quote_scale),
        "priceAvg": avg,
        "size": market.size_str(o.filled_size),
        "amount": from_units(o.filled_quote, quote_scale),
        "force": FORCE_TEXT.get(o.force, "gtc"),
        "cTime": str(o.c_ms),
        "uTime": str(o.u_ms),
    }


def _mine(ctx: ApiContext, mode: int, orders: List[OrderView]) -> List[Any]:
    h = history_of(ctx)
    out = []
    for o in orders:
        tag = margin_order(h, o.order_id)
        if tag is not None and int(tag[1]) == mode:
            out.append((o, int(tag[3])))
    return out


def _list(ctx: ApiContext, req: Req, mode: int, fetch: Any) -> Dict[str, Any]:
    p = req.params
    symbol: Optional[str] = p.text("symbol", required=False)
    if symbol is not None:
        ctx.market_info(symbol)
    start, end, id_lt = page_args(p)
    limit = p.limit(100, 500)
    rows = _mine(ctx, mode, fetch(req.user, symbol, start, end, id_lt, 1000))
    if p.has("orderId"):
        wanted = p.order_id()
        rows = [r for r in rows if r[0].order_id == wanted]
    client_oid = p.client_oid()
    if client_oid:
        rows = [r for r in rows if r[0].client_oid == client_oid]
    rows = rows[:limit]
    ids = [o.order_id for o, _ in rows]
    return {
        "orderList": [_order_json(ctx, o, loan) for o, loan in rows],
        "maxId": str(max(ids)) if ids else "",
        "minId": str(min(ids)) if ids else "",
    }


for _segment, _mode in _MODES.items():
    _label = "Cross" if _mode == CROSS else "Isolated"

    def _make(mode: int, label: str) -> None:
        @route(
            "POST",
            f"margin/{_segment}/place-order",
            family="trade",
            permission="trade",
            params=_PLACE,
            required=("symbol", "side", "orderType"),
        )
        async def place_order(ctx: ApiContext, req: Req) -> Dict[str, Any]:
            events = await ctx.execute(_build(ctx, req, mode))
            order_id, _ = created_id(events, ev.OrderAccepted, "order_id")
            return {"orderId": str(order_id), "clientOid": req.params.client_oid() or None}

        place_order.__doc__ = f"{label} margin: place an order with a loan type (auto-borrow/repay)."

        @route(
            "POST",
            f"margin/{_segment}/cancel-order",
            family="trade",
            permission="trade",
            params=("symbol", "orderId", "clientOid", "requestTime", "receiveWindow"),
            required=("symbol",),
        )
        async def cancel_order(ctx: ApiContext, req: Req) -> Dict[str, Any]:
            command = build_cancel(ctx, req.params, req.user)
            if command.order_id:
                tag = margin_order(history_of(ctx), command.order_id)
                if tag is None or int(tag[1]) != mode:
                    raise ApiError(E.ORDER_NOT_FOUND, "The order does not exist")
            events = await ctx.execute(command)
            for event in events:
                if type(event) is ev.OrderClosed:
                    return {"orderId": str(event.order_id), "clientOid": command.client_oid or None}
            raise ApiError(E.ORDER_NOT_FOUND, "The order does not exist")

        cancel_order.__doc__ = f"{label} margin: cancel an order by orderId or clientOid."

        @route(
            "GET",
            f"margin/{_segment}/open-orders",
            family="query",
            permission="read",
            params=_PAGE,
            response="object",
        )
        async def open_orders(ctx: ApiContext, req: Req) -> Dict[str, Any]:
            return _list(ctx, req, mode, ctx.views.open_orders)

        open_orders.__doc__ = f"{label} margin: open orders, newest first."

        @route(
            "GET",
            f"margin/{_segment}/history-orders",
            family="query",
            permission="read",
            params=_PAGE + ("enterPointSource",),
            response="object",
        )
        async def history_orders(ctx: ApiContext, req: Req) -> Dict[str, Any]:
            return _list(ctx, req, mode, ctx.views.history_orders)

        history_orders.__doc__ = f"{label} margin: filled and cancelled orders, newest first."

        @route(
            "GET",
            f"margin/{_segment}/fills",
            family="query",
            permission="read",
            params=("symbol", "orderId", "startTime", "endTime", "limit", "idLessThan"),
            response="object",
        )
        async def fills(ctx: ApiContext, req: Req) -> Dict[str, Any]:
            p = req.params
            symbol = p.text("symbol", required=False)
            if symbol is not None:
                ctx.market_info(symbol)
            start, end, id_lt = page_args(p)
            limit = p.limit(100, 500)
            order_id = p.order_id() if p.has("orderId") else None
            h = history_of(ctx)
            rows = [
                f
                for f in ctx.views.fills(req.user, symbol, order_id, start, end, id_lt, 1000)
                if (tag := margin_order(h, f.order_id)) is not None and int(tag[1]) == mode
            ][:limit]
            ids = [f.trade_id for f in rows]
            return {
                "fills": [fill_json(f, ctx.catalog.markets[f.symbol], ctx.catalog) for f in rows],
                "maxId": str(max(ids)) if ids else "",
                "minId": str(min(ids)) if ids else "",
            }

        fills.__doc__ = f"{label} margin: the caller's trades from margin orders, newest first."

    _make(_mode, _label)
