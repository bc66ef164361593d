"""Command handlers of spot trading: one function per command, ``(state, ctx, cmd) -> None``."""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ..commands import (BatchCancel, BatchPlace, CancelAll, CancelOrder, CancelPlan,
                        ModifyOrder, PlaceOrder, PlacePlan)
from ..context import Context
from ..enums import AccountType, CloseReason, OrderStatus, OrderType, PlanStatus
from ..events import Duplicate, Rejected
from ..field_types import field_types
from ..orderbook.order import Order
from ..reject import RejectCode
from .orders import ORDER_OID, PLAN_OID, close_order, execute
from .plans_flow import add_plan, check_plan, close_plan, settle_followups
from .validation import check_order

if TYPE_CHECKING:
    from ..engine.state import EngineState

__all__ = ["HANDLERS", "MAX_BATCH"]

MAX_BATCH = 50  # Bitget's batch limit
_CANCELLED = int(OrderStatus.CANCELLED)
_USER = int(CloseReason.USER)
_SPOT = int(AccountType.SPOT)
_PLACE_TYPES = field_types(PlaceOrder)
_CANCEL_TYPES = field_types(CancelOrder)


def _reject(ctx: Context, command: str, user: int, code: RejectCode, ref: str) -> None:
    """(``user``'s type is checked: a mistyped batch item is rejected through here too.)"""
    ctx.emit(Rejected, command, user if type(user) is int else 0, int(code), ref)


def _idempotent(state: "EngineState", ctx: Context, kind: int, cmd: tuple, name: str) -> bool:
    """Handle a repeated client id.  True when the command is fully answered already."""
    key = (kind, cmd.user, cmd.client_oid)  # type: ignore[attr-defined]
    entry = state.client_oids.get(key)
    if entry is None:
        return False
    # a retry is the same command (types need no comparing: apply checked both exactly)
    if entry[1] == cmd[1:]:
        ctx.emit(Duplicate, name, cmd.user, cmd.client_oid, entry[0])  # type: ignore
    else:
        _reject(ctx, name, cmd.user, RejectCode.DUPLICATE_DIFFERENT, cmd.client_oid)  # type: ignore
    return True


def place_order(state: "EngineState", ctx: Context, cmd: PlaceOrder) -> None:
    if cmd.client_oid and _idempotent(state, ctx, ORDER_OID, cmd, "PlaceOrder"):
        return
    code, hold = check_order(state, cmd)
    if code is not None:
        _reject(ctx, "PlaceOrder", cmd.user, code, cmd.client_oid)
        return
    market = state.markets[cmd.symbol]
    execute(state, ctx, market, cmd, hold)
    triggers = state.triggers[cmd.symbol]
    if ctx.followups or triggers.rising or triggers.falling:
        settle_followups(state, ctx, market)


def _find(state: "EngineState", user: int, symbol: str, order_id: int,
          client_oid: str) -> Optional[Order]:
    if client_oid and not order_id:
        order_id = state.live_client_oids.get((ORDER_OID, user, client_oid), 0)
    order = state.orders.get(order_id)
    if order is None or order.user != user or order.symbol != symbol or not order.resting:
        return None
    return order


def cancel_order(state: "EngineState", ctx: Context, cmd: CancelOrder) -> None:
    _, user, symbol, order_id, client_oid = cmd
    order = _find(state, user, symbol, order_id, client_oid)
    if order is None:
        _reject(ctx, "CancelOrder", user, RejectCode.ORDER_NOT_FOUND, str(order_id or client_oid))
        return
    market = state.markets[symbol]
    close_order(state, ctx, market, order, _CANCELLED, _USER)
    if ctx.followups:  # TP/SL of what the order filled before the cancel
        settle_followups(state, ctx, market)


def cancel_all(state: "EngineState", ctx: Context, cmd: CancelAll) -> None:
    market = state.markets.get(cmd.symbol)
    if market is None:
        _reject(ctx, "CancelAll", cmd.user, RejectCode.UNKNOWN_SYMBOL, str(cmd.symbol))
        return
    # spot orders only: margin orders (bound to a margin account) have their own cancel paths
    mine = [o for o in state.orders.values()
            if o.user == cmd.user and o.symbol == cmd.symbol and o.resting
            and o.base_balance is not None and o.base_balance.account == _SPOT]
    for order in mine:  # dict order = order id order: deterministic
        close_order(state, ctx, market, order, _CANCELLED, _USER)
    if ctx.followups:
        settle_followups(state, ctx, market)


def modify_order(state: "EngineState", ctx: Context, cmd: ModifyOrder) -> None:
    """Cancel + new, checked as a whole first so a failed modify changes nothing."""
    order = _find(state, cmd.user, cmd.symbol, cmd.order_id, cmd.client_oid)
    if order is None:
        _reject(ctx, "ModifyOrder", cmd.user, RejectCode.ORDER_NOT_FOUND,
                str(cmd.order_id or cmd.client_oid))
        return
    if cmd.new_price < 0 or cmd.new_size < 0:
        _reject(ctx, "ModifyOrder", cmd.user, RejectCode.INVALID_ARGUMENT, str(order.order_id))
        return
    price = cmd.new_price or order.price
    size = cmd.new_size or order.remaining
    if price == order.price and size == order.remaining and not cmd.new_client_oid:
        _reject(ctx, "ModifyOrder", cmd.user, RejectCode.NOTHING_TO_MODIFY, str(order.order_id))
        return
    new = PlaceOrder(ctx.ts, cmd.user, cmd.symbol, order.side, int(OrderType.LIMIT),
                     order.force, price, size, 0, cmd.new_client_oid, order.stp,
                     order.tp_trigger, order.tp_price, order.sl_trigger, order.sl_price)
    if cmd.new_client_oid and (ORDER_OID, cmd.user, cmd.new_client_oid) in state.client_oids:
        _reject(ctx, "ModifyOrder", cmd.user, RejectCode.DUPLICATE_DIFFERENT, cmd.new_client_oid)
        return
    account = order.base_balance.account  # a margin order stays in its margin account
    code, hold = check_order(state, new, credit_hold=order.hold, credit_open=1, account=account)
    if code is not None:
        _reject(ctx, "ModifyOrder", cmd.user, code, str(order.order_id))
        return
    market = state.markets[cmd.symbol]
    close_order(state, ctx, market, order, _CANCELLED, int(CloseReason.REPLACED))
    execute(state, ctx, market, new, hold, account=account)
    settle_followups(state, ctx, market)


def batch_place(state: "EngineState", ctx: Context, cmd: BatchPlace) -> None:
    if not 0 < len(cmd.orders) <= MAX_BATCH or \
            any(type(item) is not PlaceOrder for item in cmd.orders):
        _reject(ctx, "BatchPlace", 0, RejectCode.BATCH_TOO_LARGE, "")
        return
    for item in cmd.orders:
        if _well_typed(item, _PLACE_TYPES):  # apply checked the batch, not its items
            place_order(state, ctx, item._replace(ts_ns=ctx.ts))
        else:
            _reject(ctx, "PlaceOrder", item.user, RejectCode.INVALID_ARGUMENT,
                    item.client_oid if type(item.client_oid) is str else "")


def batch_cancel(state: "EngineState", ctx: Context, cmd: BatchCancel) -> None:
    if not 0 < len(cmd.cancels) <= MAX_BATCH or \
            any(type(item) is not CancelOrder for item in cmd.cancels):
        _reject(ctx, "BatchCancel", 0, RejectCode.BATCH_TOO_LARGE, "")
        return
    for item in cmd.cancels:
        if _well_typed(item, _CANCEL_TYPES):
            cancel_order(state, ctx, item._replace(ts_ns=ctx.ts))
        else:
            _reject(ctx, "CancelOrder", item.user, RejectCode.INVALID_ARGUMENT, "")


def _well_typed(item: tuple, types: tuple) -> bool:
    """Every field of a batch item has its declared type (the timestamp is replaced)."""
    return tuple(map(type, item[1:])) == types[1:]


def place_plan(state: "EngineState", ctx: Context, cmd: PlacePlan) -> None:
    if cmd.client_oid and _idempotent(state, ctx, PLAN_OID, cmd, "PlacePlan"):
        return
    code = check_plan(state, cmd)
    if code is not None:
        _reject(ctx, "PlacePlan", cmd.user, code, cmd.client_oid)
        return
    add_plan(state, ctx, cmd)


def cancel_plan(state: "EngineState", ctx: Context, cmd: CancelPlan) -> None:
    plan_id = cmd.plan_id
    if cmd.client_oid and not plan_id:
        plan_id = state.live_client_oids.get((PLAN_OID, cmd.user, cmd.client_oid), 0)
    plan = state.plans.get(plan_id)
    if plan is None or plan.user != cmd.user or plan.symbol != cmd.symbol:
        _reject(ctx, "CancelPlan", cmd.user, RejectCode.PLAN_NOT_FOUND,
                str(cmd.plan_id or cmd.client_oid))
        return
    close_plan(state, ctx, plan, PlanStatus.CANCELLED, 0)


HANDLERS = {
    PlaceOrder: place_order,
    CancelOrder: cancel_order,
    CancelAll: cancel_all,
    ModifyOrder: modify_order,
    BatchPlace: batch_place,
    BatchCancel: batch_cancel,
    PlacePlan: place_plan,
    CancelPlan: cancel_plan,
}
