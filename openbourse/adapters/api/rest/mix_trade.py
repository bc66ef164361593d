"""Futures order entry and queries: place / batch / cancel / modify orders, cancel all,
close positions, trigger (plan) and TP/SL orders, order detail, pending and history
orders, fills.

Validation happens here first (so malformed input never reaches the journal), the core
decides the rest (margin, position mode, reduce-only, tiers) and its rejections become
Bitget codes (``errors.REJECT_MAP``).  Side semantics are Bitget's, passed through:
one-way mode ``side`` buy/sell with ``reduceOnly``; hedge mode ``tradeSide`` open/close
where closing a long is ``side=buy`` + ``tradeSide=close`` (ccxt flips the side for you).
"""
from __future__ import annotations

from typing import Any, Collection, Dict, FrozenSet, List, Optional, Tuple

from ....core.enums import Force, OrderType, Stp
from ....core.futures import commands as fc
from ....core.futures import events as fe
from ....core.futures.enums import HoldSide, PlanType, TradeSide
from ....core.reject import RejectCode
from ...readmodels.futures import ContractInfo, FuturesViews, Page
from ..errors import ApiError, E, reject_error
from ..params import FORCES, ORDER_TYPES, SIDES, STP_MODES, Params
from .context import ApiContext, Req, first_reject
from .mix_common import (HOLD_SIDES, MARGIN_MODES, TRIGGER_TYPES, check_margin_coin, contract,
                         contract_for, fill_row, order_row, plan_row, price_in, product_type,
                         size_in, views_of)
from .queries import page_args
from .registry import Registry

__all__ = ["registry"]

registry = Registry()
route = registry.route

_TRADE_SIDES = {"open": int(TradeSide.OPEN), "close": int(TradeSide.CLOSE)}
_REDUCE = {"yes": 1, "no": 0, "true": 1, "false": 0}
_ORDER_KEYS = ("size", "price", "side", "tradeSide", "orderType", "force", "clientOid",
               "reduceOnly", "presetStopSurplusPrice", "presetStopLossPrice",
               "presetStopSurplusExecutePrice", "presetStopLossExecutePrice", "stpMode")
PLACE_PARAMS = ("symbol", "productType", "marginMode", "marginCoin", *_ORDER_KEYS,
                "requestTime", "receiveWindow")


def _not_found(kind: str = "order") -> ApiError:
    return ApiError("40768", f"The {kind} does not exist")


async def _run(ctx: ApiContext, command: Any, not_found: Optional[str] = None) -> List[Any]:
    events = await ctx.submit(command)
    rejected = first_reject(events)
    if rejected is not None:
        if not_found and rejected.code in (RejectCode.ORDER_NOT_FOUND, RejectCode.PLAN_NOT_FOUND):
            raise _not_found(not_found)
        raise reject_error(rejected.code)
    return events


def _first(events: List[Any], kind: type) -> Optional[Any]:
    return next((e for e in events if type(e) is kind), None)


def _duplicate_id(events: List[Any]) -> Optional[int]:
    for e in events:
        if type(e).__name__ == "Duplicate":
            return e.original_id
    return None


def build_order(info: ContractInfo, p: Params, user: int) -> fc.PlaceFuturesOrder:
    """A ``PlaceFuturesOrder`` from place-order parameters (raises ApiError on bad input)."""
    side = p.choice("side", SIDES)
    order_type = p.choice("orderType", ORDER_TYPES)
    trade_side = p.choice("tradeSide", _TRADE_SIDES) if p.has("tradeSide") else int(TradeSide.NONE)
    force = p.choice("force", FORCES, default=int(Force.GTC))
    size_text = p.decimal("size")
    assert size_text is not None
    size = size_in("size", size_text, info)
    if size > info.max_size:
        raise ApiError("45113", f"Maximum order quantity exceeded ({info.size_str(info.max_size)})")
    price = 0
    if order_type == OrderType.LIMIT:
        price_text = p.decimal("price")
        assert price_text is not None
        price = price_in("price", price_text, info)
    reduce_only = p.choice("reduceOnly", _REDUCE, default=0) if p.has("reduceOnly") else 0
    margin_mode = p.choice("marginMode", MARGIN_MODES) if p.has("marginMode") else -1
    stp = p.choice("stpMode", STP_MODES, default=int(Stp.NONE)) if p.has("stpMode") else 0
    tpsl = []
    for key in ("presetStopSurplusPrice", "presetStopSurplusExecutePrice", "presetStopLossPrice",
                "presetStopLossExecutePrice"):
        text = p.decimal(key, required=False)
        tpsl.append(price_in(key, text, info) if text is not None else 0)
    if (tpsl[1] and not tpsl[0]) or (tpsl[3] and not tpsl[2]):
        raise ApiError(E.PARAM_INVALID,
                       "Parameter verification failed: an execute price needs its trigger price")
    if trade_side == TradeSide.CLOSE and (tpsl[0] or tpsl[2]):
        raise ApiError(E.PARAM_INVALID,
                       "Parameter verification failed: preset TP/SL only on opening orders")
    return fc.PlaceFuturesOrder(0, user, info.symbol, side, trade_side, order_type, force, price,
                                size, reduce_only, p.client_oid(), stp, margin_mode, tpsl[0],
                                tpsl[1], tpsl[2], tpsl[3])


def _placed(events: List[Any], command: Any) -> Dict[str, Any]:
    accepted = _first(events, fe.FuturesOrderAccepted)
    order_id = accepted.order_id if accepted is not None else _duplicate_id(events)
    if order_id is None:
        raise ApiError(E.SYSTEM, "System error: the engine returned no order")
    return {"orderId": str(order_id), "clientOid": command.client_oid or str(order_id)}


@route("POST", "mix/order/place-order", family="trade", permission="trade", params=PLACE_PARAMS,
       required=("symbol", "productType", "side", "orderType", "size"))
async def place_order(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Place a limit or market order (open/close, reduce-only, attached TP/SL)."""
    _, info = contract_for(ctx, req.params)
    check_margin_coin(req.params, info)
    command = build_order(info, req.params, req.user)
    events = await _run(ctx, command)
    return _placed(events, command)


def _items(params: Params, key: str, max_items: int) -> List[Dict[str, Any]]:
    items = params.raw(key)
    if not isinstance(items, list) or not items:
        raise ApiError(E.PARAM_EMPTY, f"Parameter {key} cannot be empty")
    if len(items) > max_items:
        raise ApiError("40306", f"Batch processing orders can only process up to {max_items}")
    if not all(isinstance(item, dict) for item in items):
        raise ApiError(E.PARAM_INVALID,
                       f"Parameter verification failed: {key} items must be objects")
    return items


def _error_row(client_oid: str, exc: ApiError, order_id: str = "") -> Dict[str, Any]:
    return {"orderId": order_id, "clientOid": client_oid, "errorMsg": exc.msg,
            "errorCode": exc.code}


@route("POST", "mix/order/batch-place-order", family="trade", permission="trade",
       params=("symbol", "productType", "marginMode", "marginCoin", "orderList", "requestTime",
               "receiveWindow"),
       required=("symbol", "productType", "orderList"))
async def batch_place(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Place up to 50 orders on one contract; each succeeds or fails on its own."""
    _, info = contract_for(ctx, req.params)
    check_margin_coin(req.params, info)
    items = _items(req.params, "orderList", ctx.max_batch)
    commands: List[Tuple[int, Any]] = []
    failures: List[Tuple[int, Dict[str, Any]]] = []
    for index, item in enumerate(items):
        fields = dict(item)
        if req.params.has("marginMode") and "marginMode" not in fields:
            fields["marginMode"] = req.params.raw("marginMode")
        try:
            params = Params(fields, frozenset(_ORDER_KEYS + ("marginMode",)))
            commands.append((index, build_order(info, params, req.user)))
        except ApiError as exc:
            failures.append((index, _error_row(str(item.get("clientOid") or ""), exc)))
    success: List[Dict[str, Any]] = []
    for index, command in commands:
        events = await ctx.submit(command)
        rejected = first_reject(events)
        if rejected is not None:
            failures.append((index, _error_row(command.client_oid, reject_error(rejected.code))))
        else:
            success.append(_placed(events, command))
    return {"successList": success,
            "failureList": [row for _, row in sorted(failures, key=lambda f: f[0])]}


def _order_ref(params: Params, key: str = "orderId", oid_key: str = "clientOid") -> Tuple[int, str]:
    client_oid = params.client_oid(oid_key)
    if params.has(key) or not client_oid:
        return params.order_id(key), ""
    return 0, client_oid


def _closed_row(events: List[Any], client_oid: str) -> Dict[str, Any]:
    closed = _first(events, fe.FuturesOrderClosed)
    if closed is None:
        raise _not_found()
    return {"orderId": str(closed.order_id), "clientOid": client_oid or str(closed.order_id)}


@route("POST", "mix/order/cancel-order", family="trade", permission="trade",
       params=("symbol", "productType", "marginCoin", "orderId", "clientOid"),
       required=("symbol", "productType"))
async def cancel_order(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Cancel one open order by orderId or clientOid."""
    views, info = contract_for(ctx, req.params)
    check_margin_coin(req.params, info)
    order_id, client_oid = _order_ref(req.params)
    if order_id:
        live = views.order(req.user, order_id)
        client_oid = live.client_oid if live is not None else ""
    events = await _run(ctx, fc.CancelFuturesOrder(0, req.user, info.symbol, order_id, client_oid),
                        not_found="order")
    return _closed_row(events, client_oid)


def _closed_list(events: List[Any], views: FuturesViews, user: int) -> List[Dict[str, Any]]:
    out = []
    for e in events:
        if type(e) is fe.FuturesOrderClosed:
            rec = views.order(user, e.order_id)
            oid = rec.client_oid if rec is not None and rec.client_oid else str(e.order_id)
            out.append({"orderId": str(e.order_id), "clientOid": oid})
    return out


@route("POST", "mix/order/batch-cancel-orders", family="trade", permission="trade",
       params=("symbol", "productType", "marginCoin", "orderIdList"),
       required=("productType",))
async def batch_cancel(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Cancel the listed orders, or every open order of ``symbol`` when no list is given."""
    views = views_of(ctx)
    product = product_type(req.params)
    symbol = req.params.text("symbol", required=False)
    info = contract(views, symbol, product) if symbol is not None else None
    if info is not None:
        check_margin_coin(req.params, info)
    if req.params.raw("orderIdList") is None:
        if product == -1:
            return {"successList": [], "failureList": []}
        events = await _run(ctx, fc.CancelAllFutures(0, req.user, product,
                                                     info.symbol if info else ""))
        return {"successList": _closed_list(events, views, req.user), "failureList": []}
    if info is None:
        raise ApiError(E.PARAM_EMPTY, "Parameter symbol cannot be empty")
    items = _items(req.params, "orderIdList", ctx.max_batch)
    success: List[Dict[str, Any]] = []
    failures: List[Dict[str, Any]] = []
    for item in items:
        oid_text = str(item.get("clientOid") or "")
        try:
            order_id, client_oid = _order_ref(Params(item, frozenset(("orderId", "clientOid"))))
            if order_id:
                live = views.order(req.user, order_id)
                client_oid = live.client_oid if live is not None else ""
            events = await _run(ctx, fc.CancelFuturesOrder(0, req.user, info.symbol, order_id,
                                                           client_oid), not_found="order")
            success.append(_closed_row(events, client_oid))
        except ApiError as exc:
            failures.append(_error_row(oid_text, exc, str(item.get("orderId") or "")))
    return {"successList": success, "failureList": failures}


@route("POST", "mix/order/cancel-all-orders", family="trade", permission="trade",
       params=("productType", "marginCoin", "requestTime", "receiveWindow"),
       required=("productType",))
async def cancel_all(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Cancel every open order of a productType."""
    views = views_of(ctx)
    product = product_type(req.params)
    if product == -1:
        return {"successList": [], "failureList": []}
    events = await _run(ctx, fc.CancelAllFutures(0, req.user, product, ""))
    return {"successList": _closed_list(events, views, req.user), "failureList": []}


@route("POST", "mix/order/close-positions", family="trade", permission="trade",
       params=("symbol", "productType", "holdSide", "marginCoin"), required=("productType",))
async def close_positions(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Flash close: market-close a contract's positions (one side with ``holdSide``) or all."""
    views = views_of(ctx)
    product = product_type(req.params)
    if product == -1:
        return {"successList": [], "failureList": []}
    symbol = req.params.text("symbol", required=False)
    if symbol is not None:
        contract(views, symbol, product)
    side = req.params.choice("holdSide", HOLD_SIDES) if req.params.has("holdSide") else -1
    events = await _run(ctx, fc.ClosePositions(0, req.user, product, symbol or "", side))
    placed = [{"orderId": str(e.order_id), "clientOid": e.client_oid or str(e.order_id)}
              for e in events if type(e) is fe.FuturesOrderAccepted]
    if not placed and not any(type(e) is fe.PositionChanged for e in events):
        raise reject_error(RejectCode.NO_POSITION)
    return {"successList": placed, "failureList": []}


@route("POST", "mix/order/modify-order", family="trade", permission="trade",
       params=("symbol", "productType", "marginCoin", "orderId", "clientOid", "newClientOid",
               "newSize", "newPrice", "newPresetStopSurplusPrice", "newPresetStopLossPrice"),
       required=("symbol", "productType", "newClientOid"))
async def modify_order(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Replace a resting limit order's price/size/preset TP-SL (new id, new client id).

    One core command (``ModifyFuturesOrder``): the replacement is checked in full before
    the old order is cancelled, so a refused modify leaves the old order live.
    """
    views, info = contract_for(ctx, req.params)
    check_margin_coin(req.params, info)
    p = req.params
    order_id, client_oid = _order_ref(p)
    rec = (views.order(req.user, order_id) if order_id
           else views.order_by_client_oid(req.user, client_oid))
    if rec is None or rec.status >= 2:
        raise _not_found()
    if rec.order_type != OrderType.LIMIT:
        raise ApiError(E.PARAM_INVALID,
                       "Parameter verification failed: only limit orders can be modified")
    new_price = (price_in("newPrice", p.decimal("newPrice") or "", info) if p.has("newPrice")
                 else rec.price)
    new_size = (size_in("newSize", p.decimal("newSize") or "", info) if p.has("newSize")
                else rec.size - rec.filled)
    tp = price_in("newPresetStopSurplusPrice", p.decimal("newPresetStopSurplusPrice") or "", info) \
        if p.has("newPresetStopSurplusPrice") else rec.tp_trigger
    sl = price_in("newPresetStopLossPrice", p.decimal("newPresetStopLossPrice") or "", info) \
        if p.has("newPresetStopLossPrice") else rec.sl_trigger
    new_oid = p.client_oid("newClientOid")
    if ((new_price, new_size) == (rec.price, rec.size - rec.filled)
            and (tp, sl) == (rec.tp_trigger, rec.sl_trigger)):
        raise ApiError(E.PARAM_INVALID, "Parameter verification failed: nothing to modify")
    command = fc.ModifyFuturesOrder(0, req.user, info.symbol, rec.order_id, "", new_oid,
                                    new_size if p.has("newSize") else 0,
                                    new_price if p.has("newPrice") else 0,
                                    tp if p.has("newPresetStopSurplusPrice") else -1,
                                    sl if p.has("newPresetStopLossPrice") else -1)
    events = await _run(ctx, command, not_found="order")
    accepted = _first(events, fe.FuturesOrderAccepted)
    if accepted is None:
        raise ApiError(E.SYSTEM, "System error: the engine returned no order")
    return {"orderId": str(accepted.order_id), "clientOid": new_oid or str(accepted.order_id)}


# -- plan (trigger) and TP/SL orders ---------------------------------------------------------
_PLAN_TYPES = {"normal_plan": int(PlanType.NORMAL_PLAN), "track_plan": int(PlanType.TRACK_PLAN)}
_TPSL_TYPES = {"pos_profit": int(PlanType.POS_PROFIT), "pos_loss": int(PlanType.POS_LOSS),
               "profit_plan": int(PlanType.PROFIT_PLAN), "loss_plan": int(PlanType.LOSS_PLAN),
               "moving_plan": int(PlanType.TRACK_PLAN)}


def _callback_ppm(p: Params, key: str) -> int:
    text = p.decimal(key)
    assert text is not None
    from ....core.units import UnitsError, to_units
    try:
        percent_ppm = to_units(text, 4)  # percent with 4 decimals → ppm of 1 = percent × 10**4
    except UnitsError:
        raise ApiError(E.PARAM_INVALID, f"Parameter verification failed: {key}") from None
    if percent_ppm <= 0 or percent_ppm > 10 * 10**4:
        raise ApiError(E.PARAM_INVALID, f"Parameter verification failed: {key} must be in (0, 10]")
    return percent_ppm


@route("POST", "mix/order/place-plan-order", family="plan", permission="trade",
       params=("planType", "symbol", "productType", "marginMode", "marginCoin", "size", "price",
               "executePrice", "callbackRatio", "triggerPrice", "triggerType", "side", "tradeSide",
               "orderType", "clientOid", "reduceOnly", "stopSurplusTriggerPrice",
               "stopSurplusExecutePrice", "stopSurplusTriggerType", "stopLossTriggerPrice",
               "stopLossExecutePrice", "stopLossTriggerType", "force", "requestTime",
               "receiveWindow"),
       required=("planType", "symbol", "productType", "size", "side", "orderType",
                 "triggerPrice"))
async def place_plan(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Trigger order (``normal_plan``) or trailing stop (``track_plan``)."""
    views, info = contract_for(ctx, req.params)
    check_margin_coin(req.params, info)
    p = req.params
    plan_type = p.choice("planType", _PLAN_TYPES)
    for key in ("stopSurplusTriggerPrice", "stopLossTriggerPrice"):
        if p.has(key):
            raise ApiError(E.PARAM_INVALID, f"Parameter verification failed: {key} on a plan "
                           "order is not supported; place a TP/SL once the position exists")
    side = p.choice("side", SIDES)
    order_type = p.choice("orderType", ORDER_TYPES)
    trade_side = p.choice("tradeSide", _TRADE_SIDES) if p.has("tradeSide") else int(TradeSide.NONE)
    size = size_in("size", p.decimal("size") or "", info)
    trigger = price_in("triggerPrice", p.decimal("triggerPrice") or "", info)
    trigger_type = p.choice("triggerType", TRIGGER_TYPES, default=0) if p.has("triggerType") else 0
    price = 0
    callback = 0
    if plan_type == PlanType.TRACK_PLAN:
        if order_type != OrderType.MARKET:
            raise ApiError(E.PARAM_INVALID,
                           "Parameter verification failed: track_plan is market only")
        callback = _callback_ppm(p, "callbackRatio")
    elif order_type == OrderType.LIMIT:
        text = p.decimal("executePrice", required=False) or p.decimal("price", required=False)
        if text is None:
            raise ApiError(E.PARAM_EMPTY, "Parameter executePrice cannot be empty")
        price = price_in("executePrice", text, info)
    reduce_only = p.choice("reduceOnly", _REDUCE, default=0) if p.has("reduceOnly") else 0
    if p.has("marginMode"):
        mode = p.choice("marginMode", MARGIN_MODES)
        with views.lock:
            current = views.margin_mode(req.user, info.symbol)
        if mode != current:
            raise ApiError(
                E.PARAM_INVALID, "Parameter verification failed: marginMode differs from the "
                "contract's setting (use set-margin-mode)")
    command = fc.PlaceFuturesPlan(0, req.user, info.symbol, plan_type, trigger, trigger_type,
                                  side, trade_side, -1, order_type, price, size, reduce_only,
                                  callback, p.client_oid())
    events = await _run(ctx, command)
    return _plan_placed(events, command)


def _plan_placed(events: List[Any], command: Any) -> Dict[str, Any]:
    placed = _first(events, fe.FuturesPlanPlaced)
    plan_id = placed.plan_id if placed is not None else _duplicate_id(events)
    if plan_id is None:
        raise ApiError(E.SYSTEM, "System error: the engine returned no plan")
    return {"orderId": str(plan_id), "clientOid": command.client_oid or str(plan_id)}


@route("POST", "mix/order/place-tpsl-order", family="plan", permission="trade",
       params=("marginCoin", "productType", "symbol", "planType", "triggerPrice", "triggerType",
               "executePrice", "holdSide", "size", "rangeRate", "clientOid", "orderType", "force",
               "stpMode", "requestTime", "receiveWindow"),
       required=("productType", "symbol", "planType", "triggerPrice", "holdSide"))
async def place_tpsl(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Take-profit / stop-loss on a position: whole (pos_profit/pos_loss), partial
    (profit_plan/loss_plan with ``size``) or trailing (moving_plan with ``rangeRate``)."""
    views, info = contract_for(ctx, req.params)
    check_margin_coin(req.params, info)
    p = req.params
    plan_type = p.choice("planType", _TPSL_TYPES)
    hold = p.choice("holdSide", HOLD_SIDES)
    trigger = price_in("triggerPrice", p.decimal("triggerPrice") or "", info)
    trigger_type = p.choice("triggerType", TRIGGER_TYPES, default=0) if p.has("triggerType") else 0
    text = p.decimal("executePrice", required=False)
    price = price_in("executePrice", text, info) if text is not None and text.strip("0.") else 0
    size = 0
    callback = 0
    if plan_type in (PlanType.PROFIT_PLAN, PlanType.LOSS_PLAN, PlanType.TRACK_PLAN):
        size = size_in("size", p.decimal("size") or "", info)
    if plan_type == PlanType.TRACK_PLAN:
        callback = _callback_ppm(p, "rangeRate")
        price = 0
    with views.lock:
        hedge = views.pos_mode(req.user, info.product_type) == 1
    # the order a trailing stop places closes the position: Bitget side semantics
    close_side = ((0 if hold == HoldSide.LONG else 1) if hedge
                  else (1 if hold == HoldSide.LONG else 0))
    command = fc.PlaceFuturesPlan(
        0, req.user, info.symbol, plan_type, trigger, trigger_type, close_side,
        int(TradeSide.CLOSE) if hedge else int(TradeSide.NONE), hold,
        int(OrderType.LIMIT) if price else int(OrderType.MARKET), price, size, 1, callback,
        p.client_oid())
    events = await _run(ctx, command)
    return _plan_placed(events, command)


@route("POST", "mix/order/cancel-plan-order", family="plan", permission="trade",
       params=("orderIdList", "symbol", "productType", "marginCoin", "planType"),
       required=("productType",))
async def cancel_plan(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Cancel the listed plan / TP-SL orders, or all of a symbol (or productType)."""
    views = views_of(ctx)
    product = product_type(req.params)
    symbol = req.params.text("symbol", required=False)
    info = contract(views, symbol, product) if symbol is not None else None
    plan_filter = req.params.text("planType", required=False)
    refs: List[Tuple[str, int, str, str]] = []  # (symbol, plan_id, client_oid, raw id)
    if req.params.raw("orderIdList") is None:
        with views.lock:
            data = views.users.get(req.user)
            for rec in list(data.open_plans.values()) if data else []:
                c = views.catalog.markets.get(rec.symbol)
                if c is None or c.product_type != product or (info and rec.symbol != info.symbol):
                    continue
                if plan_filter and not _plan_matches(plan_filter, rec.plan_type):
                    continue
                refs.append((rec.symbol, rec.plan_id, "", str(rec.plan_id)))
    else:
        if info is None:
            raise ApiError(E.PARAM_EMPTY, "Parameter symbol cannot be empty")
        for item in _items(req.params, "orderIdList", ctx.max_batch):
            params = Params(item, frozenset(("orderId", "clientOid")))
            plan_id, client_oid = _order_ref(params)
            refs.append((info.symbol, plan_id, client_oid, str(item.get("orderId") or "")))
    success: List[Dict[str, Any]] = []
    failures: List[Dict[str, Any]] = []
    for sym, plan_id, client_oid, raw in refs:
        try:
            events = await _run(ctx, fc.CancelFuturesPlan(0, req.user, sym, plan_id, client_oid),
                                not_found="plan order")
            closed = _first(events, fe.FuturesPlanClosed)
            pid = closed.plan_id if closed is not None else plan_id
            success.append({"orderId": str(pid), "clientOid": client_oid or str(pid)})
        except ApiError as exc:
            failures.append(_error_row(client_oid, exc, raw))
    return {"successList": success, "failureList": failures}


def _plan_matches(text: str, plan_type: int) -> bool:
    text = text.lower()
    if text in ("profit_loss", "tpsl"):
        return plan_type in (1, 2, 3, 4, 5)
    if text == "normal_plan":
        return plan_type == 0
    if text in ("track_plan", "moving_plan"):
        return plan_type == 5
    return _TPSL_TYPES.get(text, -2) == plan_type


# -- queries ---------------------------------------------------------------------------------
_QUERY = ("symbol", "productType", "orderId", "clientOid", "status", "idLessThan", "startTime",
          "endTime", "limit", "planType", "planStatus")


def _scoped(ctx: ApiContext, req: Req) -> Tuple[FuturesViews, Optional[int], Optional[str]]:
    views = views_of(ctx)
    product = product_type(req.params)
    symbol = req.params.text("symbol", required=False)
    if symbol is not None:
        contract(views, symbol, product)
    return views, product, symbol


Where = Dict[str, Optional[Collection[Any]]]


def _one(value: Any) -> Optional[Tuple[Any]]:
    return None if value is None else (value,)


def _symbols(views: FuturesViews, product: Optional[int], symbol: Optional[str]) -> FrozenSet[str]:
    """The contracts a listing shows: ``symbol``, else every listed contract of ``product``."""
    if symbol is not None:
        return frozenset((symbol,))
    with views.lock:
        return frozenset(s for s, info in views.catalog.markets.items()
                         if product is None or info.product_type == product)


def _listing(views: FuturesViews, req: Req, kind: str, where: Where, render: Any,
             list_key: str, id_key: str) -> Dict[str, Any]:
    """One page of the caller's ``kind`` records (``FuturesViews.history``), newest first:
    ``startTime``/``endTime`` bound the creation time, ``idLessThan`` is the cursor,
    ``limit`` 1..100 (default 100); ``endId`` is the last row's ``id_key``."""
    start, end, id_lt = page_args(req.params)
    limit = req.params.limit(100, 100)
    rows = views.history(kind, req.user, Page(start, end, id_lt, limit, where))
    with views.lock:
        out = [render(views.catalog.markets[r.symbol], r) for r in rows]
    return {list_key: out or None, "endId": out[-1][id_key] if out else None}


def _order_where(views: FuturesViews, product: Optional[int], symbol: Optional[str],
                 req: Req) -> Where:
    order_id = req.params.order_id() if req.params.has("orderId") else None
    client_oid = req.params.client_oid() or None
    return {"symbol": _symbols(views, product, symbol), "order_id": _one(order_id),
            "client_oid": _one(client_oid)}


@route("GET", "mix/order/detail", family="query", permission="read",
       params=("symbol", "productType", "orderId", "clientOid"), required=("symbol", "productType"))
async def detail(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """One order (open or closed) by orderId or clientOid."""
    views, info = contract_for(ctx, req.params)
    order_id, client_oid = _order_ref(req.params)
    rec = (views.order(req.user, order_id) if order_id
           else views.order_by_client_oid(req.user, client_oid))
    if rec is None or rec.symbol != info.symbol:
        raise ApiError("40109",
                       "The data of the order cannot be found, please confirm the order number")
    with views.lock:
        return order_row(info, rec)


@route("GET", "mix/order/orders-pending", family="query", permission="read", params=_QUERY,
       required=("productType",))
async def orders_pending(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Open orders, newest first (``data.entrustedList``, cursor ``endId``)."""
    views, product, symbol = _scoped(ctx, req)
    status = req.params.text("status", required=False)
    where = _order_where(views, product, symbol, req)
    if status is not None:
        wanted = {"live": 0, "partially_filled": 1}.get(status.lower())
        if wanted is None:
            raise ApiError(E.PARAM_INVALID, "Parameter verification failed: status")
        where["status"] = (wanted,)
    return _listing(views, req, "open_orders", where, order_row, "entrustedList", "orderId")


@route("GET", "mix/order/orders-history", family="query", permission="read", params=_QUERY,
       required=("productType",))
async def orders_history(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Filled and cancelled orders, newest first (``data.entrustedList``, cursor ``endId``)."""
    views, product, symbol = _scoped(ctx, req)
    where = _order_where(views, product, symbol, req)
    return _listing(views, req, "orders", where, order_row, "entrustedList", "orderId")


def _fills(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    views, product, symbol = _scoped(ctx, req)
    order_id = req.params.order_id() if req.params.has("orderId") else None
    where: Where = {"symbol": _symbols(views, product, symbol), "order_id": _one(order_id)}
    return _listing(views, req, "fills", where, fill_row, "fillList", "tradeId")


_FILL_QUERY = ("symbol", "productType", "orderId", "idLessThan", "startTime", "endTime", "limit")


@route("GET", "mix/order/fills", family="query", permission="read", params=_FILL_QUERY,
       required=("productType",))
async def fills(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """The caller's fills, newest first (``data.fillList``, cursor ``endId``)."""
    return _fills(ctx, req)


@route("GET", "mix/order/fill-history", family="query", permission="read", params=_FILL_QUERY,
       required=("productType",))
async def fill_history(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Older fills (same shape as ``fills``)."""
    return _fills(ctx, req)


def _plan_where(views: FuturesViews, product: Optional[int], symbol: Optional[str],
                req: Req) -> Where:
    plan_filter = req.params.text("planType", required=False)
    order_id = req.params.order_id() if req.params.has("orderId") else None
    client_oid = req.params.client_oid() or None
    types = None if plan_filter is None else frozenset(
        int(t) for t in PlanType if _plan_matches(plan_filter, int(t)))
    return {"symbol": _symbols(views, product, symbol), "plan_type": types,
            "plan_id": _one(order_id), "client_oid": _one(client_oid)}


@route("GET", "mix/order/orders-plan-pending", family="plan", permission="read", params=_QUERY,
       required=("productType",))
async def plans_pending(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Live trigger / TP-SL / trailing orders (``planType`` filters: normal_plan,
    track_plan, profit_loss)."""
    views, product, symbol = _scoped(ctx, req)
    where = _plan_where(views, product, symbol, req)
    return _listing(views, req, "open_plans", where, plan_row, "entrustedList", "orderId")


@route("GET", "mix/order/orders-plan-history", family="plan", permission="read", params=_QUERY,
       required=("productType",))
async def plans_history(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Executed, failed and cancelled plan orders, newest first."""
    views, product, symbol = _scoped(ctx, req)
    where = _plan_where(views, product, symbol, req)
    return _listing(views, req, "plans", where, plan_row, "entrustedList", "orderId")


def _live_plan(views: FuturesViews, user: int, p: Params, symbol: str) -> Any:
    plan_id, client_oid = _order_ref(p)
    with views.lock:
        data = views.users.get(user)
        for rec in (data.open_plans.values() if data else ()):
            if rec.symbol == symbol and ((plan_id and rec.plan_id == plan_id)
                                         or (client_oid and rec.client_oid == client_oid)):
                return rec
    raise ApiError("43025", "Plan order does not exist")


async def _replace_plan(ctx: ApiContext, user: int, old: Any, new: Any) -> Dict[str, Any]:
    """Replace ``old`` by ``new`` (a ``PlaceFuturesPlan``; new id) in one core command,
    ``ModifyFuturesPlan``: refused as a whole, the old plan stays live."""
    command = fc.ModifyFuturesPlan(0, user, old.symbol, old.plan_id, "", new.trigger_price,
                                   new.trigger_type, new.order_type, new.price, new.size,
                                   new.callback_ppm)
    events = await _run(ctx, command, not_found="plan order")
    return _plan_placed(events, new)


@route("POST", "mix/order/modify-plan-order", family="plan", permission="trade",
       params=("symbol", "productType", "marginCoin", "orderId", "clientOid", "planType",
               "newSize", "newPrice", "newExecutePrice", "newTriggerPrice", "newTriggerType",
               "newCallbackRatio", "newStopSurplusTriggerPrice", "newStopSurplusExecutePrice",
               "newStopSurplusTriggerType", "newSurplusTriggerPrice", "newStopLossTriggerPrice",
               "newStopLossExecutePrice", "newStopLossTriggerType",
               "triggerPrice"),  # ccxt's edit_order also passes its raw triggerPrice along
       required=("symbol", "productType"))
async def modify_plan(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Change a trigger / trailing order's trigger, price, size or callback (new id)."""
    views, info = contract_for(ctx, req.params)
    check_margin_coin(req.params, info)
    p = req.params
    for key in ("newStopSurplusTriggerPrice", "newSurplusTriggerPrice", "newStopLossTriggerPrice"):
        if p.has(key):
            raise ApiError(E.PARAM_INVALID, f"Parameter verification failed: {key} on a plan "
                           "order is not supported")
    rec = _live_plan(views, req.user, p, info.symbol)
    if rec.plan_type not in (PlanType.NORMAL_PLAN, PlanType.TRACK_PLAN):
        raise ApiError(E.PARAM_INVALID, "Parameter verification failed: use modify-tpsl-order")
    key = ("newTriggerPrice" if p.has("newTriggerPrice") or not p.has("triggerPrice")
           else "triggerPrice")
    trigger = price_in(key, p.decimal(key) or "", info) if p.has(key) else rec.trigger_price
    trigger_type = (p.choice("newTriggerType", TRIGGER_TYPES) if p.has("newTriggerType")
                    else rec.trigger_type)
    size = size_in("newSize", p.decimal("newSize") or "", info) if p.has("newSize") else rec.size
    price = rec.price
    for key in ("newExecutePrice", "newPrice"):
        if p.has(key):
            text = p.decimal(key) or ""
            price = price_in(key, text, info) if text.strip("0.") else 0
    callback = (_callback_ppm(p, "newCallbackRatio") if p.has("newCallbackRatio")
                else rec.callback_ppm)
    order_type = int(OrderType.LIMIT) if price else int(OrderType.MARKET)
    if rec.plan_type == PlanType.TRACK_PLAN:
        price, order_type = 0, int(OrderType.MARKET)
    new = fc.PlaceFuturesPlan(0, req.user, info.symbol, rec.plan_type, trigger, trigger_type,
                              rec.side, rec.trade_side, rec.hold_side, order_type, price, size,
                              rec.reduce_only, callback, rec.client_oid)
    return await _replace_plan(ctx, req.user, rec, new)


@route("POST", "mix/order/modify-tpsl-order", family="plan", permission="trade",
       params=("symbol", "productType", "marginCoin", "orderId", "clientOid", "triggerPrice",
               "triggerType", "executePrice", "size", "rangeRate"),
       required=("symbol", "productType", "triggerPrice"))
async def modify_tpsl(ctx: ApiContext, req: Req) -> Dict[str, Any]:
    """Change a TP/SL order's trigger, execute price, size or range (new id)."""
    views, info = contract_for(ctx, req.params)
    check_margin_coin(req.params, info)
    p = req.params
    rec = _live_plan(views, req.user, p, info.symbol)
    if rec.plan_type == PlanType.NORMAL_PLAN:
        raise ApiError(E.PARAM_INVALID, "Parameter verification failed: use modify-plan-order")
    trigger = price_in("triggerPrice", p.decimal("triggerPrice") or "", info)
    trigger_type = (p.choice("triggerType", TRIGGER_TYPES) if p.has("triggerType")
                    else rec.trigger_type)
    price = rec.price
    if p.has("executePrice"):
        text = p.decimal("executePrice") or ""
        price = price_in("executePrice", text, info) if text.strip("0.") else 0
    size = rec.size
    if p.has("size") and rec.plan_type in (PlanType.PROFIT_PLAN, PlanType.LOSS_PLAN,
                                           PlanType.TRACK_PLAN):
        size = size_in("size", p.decimal("size") or "", info)
    callback = _callback_ppm(p, "rangeRate") if p.has("rangeRate") else rec.callback_ppm
    if rec.plan_type == PlanType.TRACK_PLAN:
        price = 0
    new = fc.PlaceFuturesPlan(0, req.user, info.symbol, rec.plan_type, trigger, trigger_type,
                              rec.side, rec.trade_side, rec.hold_side,
                              int(OrderType.LIMIT) if price else int(OrderType.MARKET), price,
                              size, rec.reduce_only, callback, rec.client_oid)
    return await _replace_plan(ctx, req.user, rec, new)
