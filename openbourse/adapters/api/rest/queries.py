"""Private order queries: orderInfo, unfilled-orders, history-orders, fills.

Every query is scoped to the authenticated key's user inside the read model (the user id
is part of each lookup), so another user's order id simply does not exist for the caller.
Pagination follows Bitget: newest first, ``idLessThan`` is the cursor, ``startTime`` /
``endTime`` bound the creation time, ``limit`` caps the page.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from ..errors import ApiError, E
from ..params import Params
from .context import ApiContext, Req
from .formats import fill_json, order_json
from .registry import Registry

__all__ = ["registry", "page_args"]

registry = Registry()
route = registry.route

_PAGE = (
    "symbol",
    "startTime",
    "endTime",
    "idLessThan",
    "limit",
    "orderId",
    "tpslType",
    "requestTime",
    "receiveWindow",
)


def page_args(params: Params) -> Tuple[Optional[int], Optional[int], Optional[int]]:
    """(startTime, endTime, idLessThan); a start after the end is Bitget's 40707-style error."""
    start = params.integer("startTime")
    end = params.integer("endTime")
    if start is not None and end is not None and start > end:
        raise ApiError("40707", "Start time is greater than end time")
    id_less_than = params.integer("idLessThan")
    return start, end, id_less_than


@route(
    "GET",
    "spot/trade/orderInfo",
    family="query",
    permission="read",
    params=("orderId", "clientOid", "requestTime", "receiveWindow"),
    response="list",
)
async def order_info(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """One order by orderId or clientOid, as a one-element list (empty when not found)."""
    params = req.params
    client_oid = params.client_oid()
    if params.has("orderId"):
        order = ctx.views.order(req.user, order_id=params.order_id())
    elif client_oid:
        order = ctx.views.order(req.user, client_oid=client_oid)
    else:
        raise ApiError(E.PARAM_EMPTY, "Parameter orderId or clientOid cannot be empty")
    if order is None:
        return []
    return [order_json(order, ctx.catalog.markets[order.symbol], ctx.catalog)]


@route(
    "GET",
    "spot/trade/unfilled-orders",
    family="query",
    permission="read",
    params=_PAGE,
    response="list",
)
async def unfilled_orders(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """The caller's open orders (all symbols unless ``symbol`` is given), newest first."""
    orders = _order_page(ctx, req, ctx.views.open_orders)
    return [
        order_json(o, ctx.catalog.markets[o.symbol], ctx.catalog, unfilled=True) for o in orders
    ]


@route(
    "GET",
    "spot/trade/history-orders",
    family="query",
    permission="read",
    params=_PAGE,
    response="list",
)
async def history_orders(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """The caller's filled and cancelled orders, newest first."""
    orders = _order_page(ctx, req, ctx.views.history_orders)
    return [order_json(o, ctx.catalog.markets[o.symbol], ctx.catalog) for o in orders]


def _order_page(ctx: ApiContext, req: Req, fetch: Any) -> List[Any]:
    """One page of the caller's orders from ``fetch`` (open or history), Bitget's filters
    applied."""
    market = ctx.optional_market(req.params)
    start, end, id_lt = page_args(req.params)
    limit = req.params.limit(100, 100)
    orders = fetch(req.user, market.symbol if market else None, start, end, id_lt, limit)
    if req.params.has("orderId"):
        wanted = req.params.order_id()
        orders = [o for o in orders if o.order_id == wanted]
    return list(orders)


@route(
    "GET",
    "spot/trade/fills",
    family="query",
    permission="read",
    params=(
        "symbol",
        "orderId",
        "startTime",
        "endTime",
        "limit",
        "idLessThan",
        "requestTime",
        "receiveWindow",
    ),
    response="list",
)
async def fills(ctx: ApiContext, req: Req) -> List[Dict[str, Any]]:
    """The caller's own trades (one row per side it was on), newest first."""
    market = ctx.optional_market(req.params)
    start, end, id_lt = page_args(req.params)
    limit = req.params.limit(100, 100)
    order_id = req.params.order_id() if req.params.has("orderId") else None
    rows = ctx.views.fills(
        req.user, market.symbol if market else None, order_id, start, end, id_lt, limit
    )
    return [fill_json(f, ctx.catalog.markets[f.symbol], ctx.catalog) for f in rows]
