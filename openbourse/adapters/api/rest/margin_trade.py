"""Spot orders on margin accounts: ``/api/v2/margin/{crossed,isolated}/place-order`` and friends.

A margin order is the core's ``PlaceMarginOrder``: an ordinary spot order on the book
whose balances are the margin account's, with Bitget's ``loanType`` (``normal``,
``autoLoan``, ``autoRepay``, ``autoLoanAndRepay``).  Once accepted it is an order like any
other (``OrderAccepted``, fills, ``CancelOrder``).  The private views keep each order's
account type (spot, cross, isolated; liquidation orders are the margin account's), so
these endpoints list only the orders of their mode and the spot endpoints none of them;
the product projection adds the ``loanType`` of each ``PlaceMarginOrder``.  Sizes follow
Bitget's margin API: ``baseSize`` for limit orders and market sells, ``quoteSize`` for
market buys.  ``batch-place-order`` / ``batch-cancel-order`` (ccxt's ``create_orders`` /
``cancel_orders`` with ``marginMode``) run their items one command each: every item
succeeds or fails on its own (``successList`` / ``failureList``).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from ....core import events as ev
from ....core.enums import Force, OrderType, Side, Stp
from ....core.margin import commands as mc
from ....core.units import from_units
from ...readmodels.margin import CROSS, ISOLATED, margin_order
from ...readmodels.records import OrderView
from ..errors import ApiError, E
from ..params import (
    FORCES, ORDER_TYPES, SIDES, STP_MODES, Params, amount_units, price_units, size_units,
)
from .context import ApiContext, Req, created_id
from .formats import FORCE_TEXT, STATUS, TYPE_TEXT, fill_json, ratio_text
from .margin import history_of, margin_account, margin_symbol
from .orders_build import build_cancel, error_row
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
    market = ctx.market_info(margin_symbol(p.text("symbol")))
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


def _loan_types(ctx: ApiContext, user: int, orders: List[OrderView]) -> List[Tuple[OrderView, int]]:
    """Each order with its loanType (liquidation orders and unknown ones: normal)."""
    h = history_of(ctx)
    out = []
    for o in orders:
        tag = margin_order(h, user, o.order_id)
        out.append((o, int(tag[3]) if tag is not None else int(mc.LoanType.NORMAL)))
    return out


def _list(ctx: ApiContext, req: Req, mode: int, fetch: Any) -> Dict[str, Any]:
    p = req.params
    symbol: Optional[str] = margin_symbol(p.text("symbol", required=False))
    if symbol is not None:
        ctx.market_info(symbol)
    start, end, id_lt = page_args(p)
    limit = p.limit(100, 500)
    client_oid = p.client_oid()
    if p.has("orderId") or client_oid:
        order = ctx.views.order(
            req.user, p.order_id() if p.has("orderId") else 0, client_oid, account_type=mode
        )
        orders = [order] if order is not None else []
        if p.has("orderId") and client_oid:
            orders = [o for o in orders if o.client_oid == client_oid]
        live = fetch == ctx.views.open_orders
        orders = [
            o for o in orders
            if (o.status < 2) == live and (symbol is None or o.symbol == symbol)
        ]
    else:
        orders = fetch(req.user, symbol, start, end, id_lt, limit, account_type=mode)
    rows = _loan_types(ctx, req.user, orders[:limit])
    ids = [o.order_id for o, _ in rows]
    return {
        "orderList": [_order_json(ctx, o, loan) for o, loan in rows],
        "maxId": str(max(ids)) if ids else "",
        "minId": str(min(ids)) if ids else "",
    }


def _items(ctx: ApiContext, req: Req, key: str) -> List[Dict[str, Any]]:
    items = req.params.raw(key)
    if not isinstance(items, list) or not items:
        raise ApiError(E.PARAM_EMPTY, f"Parameter {key} cannot be empty")
    if len(items) > ctx.max_batch:
        raise ApiError("40306", f"Batch processing orders can only process up to {ctx.max_batch}")
    if not all(isinstance(item, dict) for item in items):
        raise ApiError(E.PARAM_INVALID,
                       f"Parameter verification failed: {key} items must be objects")
    return items


async def _cancel(ctx: ApiContext, user: int, mode: int, command: Any) -> Dict[str, Any]:
    """Cancel one order of this margin mode (another account's order does not exist here)."""
    order = ctx.views.order(user, command.order_id, command.client_oid, account_type=mode)
    if order is None or order.symbol != command.symbol or order.status >= 2:
        raise ApiError(E.ORDER_NOT_FOUND, "The order does not exist")
    events = await ctx.execute(command._replace(order_id=order.order_id, client_oid=""))
    for event in events:
        if type(event) is ev.OrderClosed:
            return {"orderId": str(event.order_id), "clientOid": order.client_oid or None}
    raise ApiError(E.ORDER_NOT_FOUND, "The order does not exist")


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

        @route(
            "POST",
            f"margin/{_segment}/batch-place-order",
            family="trade",
            permission="trade",
            params=("symbol", "orderList", "requestTime", "receiveWindow"),
            required=("symbol", "orderList"),
        )
        async def batch_place_order(ctx: ApiContext, req: Req) -> Dict[str, Any]:
            symbol = margin_symbol(req.params.text("symbol"))
            ctx.market_info(symbol)
            if mode == ISOLATED:
                margin_account(ctx, req, mode)  # the pair must be margin-enabled
            items = _items(ctx, req, "orderList")
            success: List[Dict[str, Any]] = []
            failures: List[Dict[str, Any]] = []
            for item in items:
                fields = dict(item)
                fields.setdefault("symbol", symbol)
                client_oid = str(item.get("clientOid") or "")
                try:
                    item_req = Req(Params(fields, frozenset(_PLACE)), req.key, req.client_ip)
                    events = await ctx.execute(_build(ctx, item_req, mode))
                    order_id, _ = created_id(events, ev.OrderAccepted, "order_id")
                except ApiError as exc:
                    failures.append(error_row(client_oid, exc))
                    continue
                success.append({"orderId": str(order_id), "clientOid": client_oid or None})
            return {"successList": success, "failureList": failures}

        batch_place_order.__doc__ = (
            f"{label} margin: place up to 50 orders, each on its own (successList / failureList)."
        )

        @route(
            "POST",
            f"margin/{_segment}/batch-cancel-order",
            family="trade",
            permission="trade",
            params=("symbol", "orderIdList", "requestTime", "receiveWindow"),
            required=("symbol", "orderIdList"),
        )
        async def batch_cancel_order(ctx: ApiContext, req: Req) -> Dict[str, Any]:
            symbol = margin_symbol(req.params.text("symbol"))
            ctx.market_info(symbol)
            items = _items(ctx, req, "orderIdList")
            success: List[Dict[str, Any]] = []
            failures: List[Dict[str, Any]] = []
            for item in items:
                order_ref = str(item.get("orderId") or "")
                client_oid = str(item.get("clientOid") or "")
                try:
                    params = Params(item, frozenset(("orderId", "clientOid", "symbol")))
                    command = build_cancel(ctx, params, req.user, symbol)
                    success.append(await _cancel(ctx, req.user, mode, command))
                except ApiError as exc:
                    failures.append(error_row(client_oid, exc, order_ref))
            return {"successList": success, "failureList": failures}

        batch_cancel_order.__doc__ = (
            f"{label} margin: cancel up to 50 orders, each on its own (successList / failureList)."
        )

        place_order.__doc__ = (
            f"{label} margin: place an order with a loan type (auto-borrow/repay)."
        )

        @route(
            "POST",
            f"margin/{_segment}/cancel-order",
            family="trade",
            permission="trade",
            params=("symbol", "orderId", "clientOid", "requestTime", "receiveWindow"),
            required=("symbol",),
        )
        async def cancel_order(ctx: ApiContext, req: Req) -> Dict[str, Any]:
            symbol = margin_symbol(req.params.text("symbol"))
            command = build_cancel(ctx, req.params, req.user, symbol)
            return await _cancel(ctx, req.user, mode, command)

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
            symbol = margin_symbol(p.text("symbol", required=False))
            if symbol is not None:
                ctx.market_info(symbol)
            start, end, id_lt = page_args(p)
            limit = p.limit(100, 500)
            order_id = p.order_id() if p.has("orderId") else None
            rows = ctx.views.fills(
                req.user, symbol, order_id, start, end, id_lt, limit, account_type=mode
            )
            ids = [f.trade_id for f in rows]
            return {
                "fills": [fill_json(f, ctx.catalog.markets[f.symbol], ctx.catalog) for f in rows],
                "maxId": str(max(ids)) if ids else "",
                "minId": str(min(ids)) if ids else "",
            }

        fills.__doc__ = f"{label} margin: the caller's trades from margin orders, newest first."

    _make(_mode, _label)
