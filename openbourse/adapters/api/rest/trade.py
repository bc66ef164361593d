"""Spot order entry: place, batch place, cancel, batch cancel, cancel by symbol, modify.

Each handler validates at the edge (so malformed input never reaches the journal), then
awaits the sequencer's durable acknowledgement.  An idempotent retry (same clientOid and
payload) comes back as ``Duplicate`` and is answered with the original order id, exactly
as if the first response had arrived.
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from ....core import events as ev
from ....core.commands import BatchCancel, BatchPlace, CancelAll, ModifyOrder
from ....core.enums import OrderType
from ...readmodels.orders import SPOT
from ..errors import ApiError, E, reject_error
from ..params import ORDER_TYPES, Params, price_units, size_units
from .context import ApiContext, Req, created_id
from .orders_build import PLACE_PARAMS, build_cancel, build_place, error_row, item_outcomes
from .registry import Registry

__all__ = ["registry"]

registry = Registry()
route = registry.route


@route(
    "POST",
    "spot/trade/place-order",
    family="trade",
    permission="trade",
    params=PLACE_PARAMS,
    required=("symbol", "side", "orderType", "size"),
)
async def place_order(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Place a limit or market order (optionally with attached take-profit / stop-loss)."""
    command = build_place(ctx, req.params, req.user)
    events = await ctx.execute(command)
    order_id, _ = created_id(events, ev.OrderAccepted, "order_id")
    return {"orderId": str(order_id), "clientOid": command.client_oid or None}


@route(
    "POST",
    "spot/trade/batch-orders",
    family="trade",
    permission="trade",
    params=("symbol", "batchMode", "orderList", "requestTime", "receiveWindow"),
    required=("orderList",),
)
async def batch_orders(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Place up to 50 orders; each succeeds or fails on its own (successList / failureList)."""
    items = _item_list(req.params, ctx.max_batch)
    default_symbol = req.params.text("symbol", required=False)
    failures: List[Tuple[int, Dict[str, Any]]] = []
    commands = []
    for index, item in enumerate(items):
        fields = dict(item)
        if default_symbol and not fields.get("symbol"):
            fields["symbol"] = default_symbol
        try:
            commands.append(
                (index, build_place(ctx, Params(fields, frozenset(PLACE_PARAMS)), req.user))
            )
        except ApiError as exc:
            failures.append((index, error_row(str(fields.get("clientOid") or ""), exc)))
    success: List[Dict[str, Any]] = []
    if commands:
        events = await ctx.execute_batch(BatchPlace(0, tuple(c for _, c in commands)))
        outcomes = item_outcomes(events, len(commands), "PlaceOrder")
        for (index, command), (kind, value) in zip(commands, outcomes):
            if kind == "err":
                failures.append((index, error_row(command.client_oid, reject_error(value))))
            else:
                order_id = value.order_id if kind == "ok" else value
                success.append({"orderId": str(order_id), "clientOid": command.client_oid or None})
    return {
        "successList": success,
        "failureList": [row for _, row in sorted(failures, key=lambda f: f[0])],
    }


@route(
    "POST",
    "spot/trade/cancel-order",
    family="trade",
    permission="trade",
    params=("symbol", "orderId", "clientOid", "tpslType", "requestTime", "receiveWindow"),
    required=("symbol",),
)
async def cancel_order(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Cancel one open order by orderId or clientOid."""
    command = build_cancel(ctx, req.params, req.user)
    # Read it while the order is still open: the open-order view is in memory, while a
    # closed order may already have been flushed to SQLite.
    live = _spot_only(ctx, req.user, command.order_id, command.client_oid)
    client_oid = command.client_oid or (live.client_oid if live is not None else "")
    events = await ctx.execute(command)
    for event in events:
        if type(event) is ev.OrderClosed:
            return {"orderId": str(event.order_id), "clientOid": client_oid or None}
    raise ApiError(E.ORDER_NOT_FOUND, "The order does not exist")


@route(
    "POST",
    "spot/trade/batch-cancel-order",
    family="trade",
    permission="trade",
    params=("symbol", "batchMode", "orderList", "requestTime", "receiveWindow"),
    required=("orderList",),
)
async def batch_cancel(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Cancel up to 50 orders; each succeeds or fails on its own."""
    items = _item_list(req.params, ctx.max_batch)
    default_symbol = req.params.text("symbol", required=False)
    failures: List[Dict[str, Any]] = []
    commands = []
    for item in items:
        params = Params(item, frozenset(("symbol", "orderId", "clientOid")))
        try:
            symbol = params.text("symbol", required=False) or default_symbol
            command = build_cancel(ctx, params, req.user, symbol)
            _spot_only(ctx, req.user, command.order_id, command.client_oid)
            commands.append(command)
        except ApiError as exc:
            failures.append(
                error_row(str(item.get("clientOid") or ""), exc, str(item.get("orderId") or ""))
            )
    success: List[Dict[str, Any]] = []
    if commands:
        events = await ctx.execute_batch(BatchCancel(0, tuple(commands)))
        for command, (kind, value) in zip(
            commands, item_outcomes(events, len(commands), "CancelOrder")
        ):
            ref_id = str(command.order_id or "") or None
            if kind == "err":
                failures.append(error_row(command.client_oid, reject_error(value), ref_id or ""))
            else:
                order_id = value.order_id if kind == "ok" else value
                success.append({"orderId": str(order_id), "clientOid": command.client_oid or None})
    return {"successList": success, "failureList": failures}


@route(
    "POST",
    "spot/trade/cancel-symbol-order",
    family="trade",
    permission="trade",
    params=("symbol", "requestTime", "receiveWindow"),
    required=("symbol",),
)
async def cancel_symbol(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Cancel every open order of the caller on one symbol."""
    market = ctx.market_info(req.params.text("symbol"))
    await ctx.execute(CancelAll(0, req.user, market.symbol))
    return {"symbol": market.symbol}


@route(
    "POST",
    "spot/trade/cancel-replace-order",
    family="trade",
    permission="trade",
    params=(
        "symbol",
        "price",
        "size",
        "orderId",
        "clientOid",
        "newClientOid",
        "orderType",
        "presetTakeProfitPrice",
        "executeTakeProfitPrice",
        "presetStopLossPrice",
        "executeStopLossPrice",
        "requestTime",
        "receiveWindow",
    ),
    required=("symbol", "price", "size"),
)
async def cancel_replace(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Modify a resting limit order: cancel it and place the new price/size (loses priority)."""
    params = req.params
    market = ctx.market_info(params.text("symbol"))
    if params.choice("orderType", ORDER_TYPES, default=int(OrderType.LIMIT)) != OrderType.LIMIT:
        raise ApiError(
            E.PARAM_INVALID, "Parameter verification failed: only limit orders can be modified"
        )
    client_oid = params.client_oid()
    order_id = params.order_id() if params.has("orderId") or not client_oid else 0
    price_text, size_text = params.decimal("price"), params.decimal("size")
    assert price_text is not None and size_text is not None
    new_oid = params.client_oid("newClientOid")
    _spot_only(ctx, req.user, order_id, "" if order_id else client_oid)
    command = ModifyOrder(
        0,
        req.user,
        market.symbol,
        order_id,
        "" if order_id else client_oid,
        price_units("price", price_text, market),
        size_units("size", size_text, market),
        new_oid,
    )
    events = await ctx.execute(command)
    new_id, _ = created_id(events, ev.OrderAccepted, "order_id")
    return {"orderId": str(new_id), "clientOid": new_oid or None, "success": "success", "msg": None}


def _spot_only(ctx: ApiContext, user: int, order_id: int, client_oid: str) -> Any:
    """The caller's order by id (or clientOid) if any, refusing one of a margin account.

    The engine's cancel/modify reach any of the user's orders; on the spot endpoints an
    order of a margin account does not exist (``43001``, as Bitget: spot and margin
    orders are apart).  Unknown ids are left to the engine."""
    order = ctx.views.order(user, order_id, client_oid, account_type=None)
    if order is not None and order.status < 2 and ctx.views.order_account(order.order_id) != SPOT:
        raise ApiError(E.ORDER_NOT_FOUND, "The order does not exist")
    return order


def _item_list(params: Params, max_items: int) -> List[Dict[str, Any]]:
    items = params.raw("orderList")
    if not isinstance(items, list) or not items:
        raise ApiError(E.PARAM_EMPTY, "Parameter orderList cannot be empty")
    if len(items) > max_items:
        raise ApiError("40306", f"Batch processing orders can only process up to {max_items}")
    if not all(isinstance(item, dict) for item in items):
        raise ApiError(
            E.PARAM_INVALID, "Parameter verification failed: orderList items must be objects"
        )
    return items
