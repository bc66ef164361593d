"""Spot plan (trigger) orders: place, cancel, batch cancel by symbol, current and history lists.

ccxt sends ``triggerPrice`` as a JSON number and both ``price`` and ``executePrice`` for a
limit trigger (§4.8), so both are accepted and ``executePrice`` wins.  The engine triggers
on the last trade price; ``triggerType`` ``mark_price`` is accepted and treated the same,
because a spot market has no separate mark price.  Lists answer ``data.orderList`` with
Bitget's ``nextFlag``/``idLessThan`` cursor.
"""

from __future__ import annotations

from typing import Any, Dict, List

from ....core import events as ev
from ....core.commands import CancelPlan, PlacePlan
from ....core.enums import Force, OrderType, Side, Stp
from ..errors import ApiError, E
from ..params import FORCES, ORDER_TYPES, SIDES, STP_MODES, amount_units, price_units, size_units
from .context import ApiContext, Req, created_id
from .formats import plan_json
from .queries import page_args
from .registry import Registry

__all__ = ["registry"]

registry = Registry()
route = registry.route

_TRIGGER_TYPES = {"fill_price": "fill_price", "mark_price": "mark_price"}
_PLAN_TYPES = {"amount": "amount", "total": "total"}


@route(
    "POST",
    "spot/trade/place-plan-order",
    family="plan",
    permission="trade",
    params=(
        "symbol",
        "side",
        "orderType",
        "force",
        "price",
        "executePrice",
        "size",
        "triggerPrice",
        "triggerType",
        "planType",
        "clientOid",
        "stpMode",
        "requestTime",
        "receiveWindow",
    ),
    required=("symbol", "side", "orderType", "size", "triggerPrice"),
)
async def place_plan(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Place a trigger order: dormant until the last price crosses ``triggerPrice``."""
    p = req.params
    market = ctx.market_info(p.text("symbol"))
    side = p.choice("side", SIDES)
    order_type = p.choice("orderType", ORDER_TYPES)
    force = p.choice("force", FORCES, default=int(Force.GTC))
    stp = p.choice("stpMode", STP_MODES, default=int(Stp.NONE))
    p.choice("triggerType", _TRIGGER_TYPES, default="fill_price")
    trigger_text = p.decimal("triggerPrice")
    assert trigger_text is not None
    trigger = price_units("triggerPrice", trigger_text, market)
    size_text = p.decimal("size")
    assert size_text is not None
    price = size = quote_size = 0
    if order_type == OrderType.LIMIT:
        price_text = p.decimal("executePrice", required=False) or p.decimal("price")
        assert price_text is not None
        price = price_units("executePrice", price_text, market)
    is_total = order_type == OrderType.MARKET and side == Side.BUY
    plan_type = p.choice("planType", _PLAN_TYPES, default="total" if is_total else "amount")
    if is_total != (plan_type == "total"):
        raise ApiError(
            E.PARAM_INVALID,
            "Parameter verification failed: planType must be 'total' "
            "for a market buy and 'amount' otherwise",
        )
    if is_total:
        quote_size = amount_units("size", size_text, ctx.asset_scale(market.quote))
    else:
        size = size_units("size", size_text, market)
    command = PlacePlan(
        0,
        req.user,
        market.symbol,
        side,
        trigger,
        order_type,
        price,
        size,
        quote_size,
        force if order_type == OrderType.LIMIT else int(Force.GTC),
        p.client_oid(),
        stp,
    )
    events = await ctx.execute(command)
    plan_id, _ = created_id(events, ev.PlanPlaced, "plan_id")
    return {"orderId": str(plan_id), "clientOid": command.client_oid or None}


@route(
    "POST",
    "spot/trade/cancel-plan-order",
    family="plan",
    permission="trade",
    params=("orderId", "clientOid", "symbol", "requestTime", "receiveWindow"),
)
async def cancel_plan(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Cancel one live plan order by orderId or clientOid (no symbol needed)."""
    p = req.params
    client_oid = p.client_oid()
    plan_id = p.order_id() if p.has("orderId") or not client_oid else 0
    plan = ctx.views.plan(req.user, plan_id, "" if plan_id else client_oid)
    if plan is None:
        raise ApiError("43025", "Plan order does not exist")
    await ctx.execute(CancelPlan(0, req.user, plan.symbol, plan.plan_id, ""))
    return {"result": "success"}


@route(
    "POST",
    "spot/trade/batch-cancel-plan-order",
    family="plan",
    permission="trade",
    params=("symbolList", "requestTime", "receiveWindow"),
)
async def batch_cancel_plans(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Cancel every live plan order of the caller on the given symbols (all when omitted)."""
    symbols = req.params.raw("symbolList")
    if symbols is not None and (
        not isinstance(symbols, list) or not all(isinstance(s, str) for s in symbols)
    ):
        raise ApiError(
            E.PARAM_INVALID, "Parameter verification failed: symbolList must be a list of symbols"
        )
    wanted = {ctx.market_info(s).symbol for s in symbols} if symbols else None
    live = ctx.views.plans(req.user, True, None, None, None, None, 10_000)
    success: List[Dict[str, Any]] = []
    failure: List[Dict[str, Any]] = []
    for plan in live:
        if wanted is not None and plan.symbol not in wanted:
            continue
        row = {"orderId": str(plan.plan_id), "clientOid": plan.client_oid or None}
        try:
            await ctx.execute(CancelPlan(0, req.user, plan.symbol, plan.plan_id, ""))
            success.append(row)
        except ApiError as exc:
            failure.append({**row, "errorMsg": exc.msg, "errorCode": exc.code})
    return {"successList": success, "failureList": failure}


async def _plan_list(ctx: ApiContext, req: Req, live: bool) -> Dict[str, Any]:
    market = ctx.market_info(req.params.text("symbol"))
    start, end, id_lt = page_args(req.params)
    limit = req.params.limit(100, 100)
    plans = ctx.views.plans(req.user, live, market.symbol, start, end, id_lt, limit + 1)
    more = len(plans) > limit
    plans = plans[:limit]
    return {
        "nextFlag": more,
        "idLessThan": str(plans[-1].plan_id) if plans else None,
        "orderList": [plan_json(p, market, ctx.catalog) for p in plans],
    }


_LIST_PARAMS = (
    "symbol",
    "startTime",
    "endTime",
    "idLessThan",
    "limit",
    "requestTime",
    "receiveWindow",
)


@route(
    "GET",
    "spot/trade/current-plan-order",
    family="query",
    permission="read",
    params=_LIST_PARAMS,
    required=("symbol",),
)
async def current_plans(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """The caller's live plan orders on one symbol, newest first."""
    return await _plan_list(ctx, req, True)


@route(
    "GET",
    "spot/trade/history-plan-order",
    family="query",
    permission="read",
    params=_LIST_PARAMS,
    required=("symbol",),
)
async def history_plans(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """The caller's executed, failed and cancelled plan orders on one symbol, newest first."""
    return await _plan_list(ctx, req, False)
