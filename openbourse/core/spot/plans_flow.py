"""Plan orders in motion: placing, cancelling, firing on the last price, and TP/SL.

After every order command the handler calls ``settle_followups``: it creates the TP/SL
plans of orders that closed with fills, then fires every plan whose trigger the last
price has crossed.  Firing places an ordinary order (``orders.execute``); its trades move
the last price again, so the loop repeats until no plan is due.  Each round removes a
plan, so it ends.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ..commands import PlaceOrder, PlacePlan
from ..context import Context
from ..enums import MarketStatus, OrderType, PlanStatus, Side
from ..events import PlanClosed, PlanPlaced, PlanTriggered
from ..markets import Market
from ..orderbook.order import Order
from ..reject import RejectCode
from .orders import PLAN_OID, execute
from .plans import FALLING, RISING, Plan
from .validation import check_order

if TYPE_CHECKING:
    from ..engine.state import EngineState

__all__ = ["add_plan", "remove_plan", "settle_followups", "MAX_PLANS_PER_USER"]

MAX_PLANS_PER_USER = 200  # live plans per user and symbol
_BUY = int(Side.BUY)
_LIMIT = int(OrderType.LIMIT)


def add_plan(state: "EngineState", ctx: Context, cmd: PlacePlan, parent_order_id: int = 0,
             oco_plan_id: int = 0, direction: int = 0) -> Plan:
    """``direction`` 0: from the trigger's side of the last price (plain plans); TP/SL legs
    pass theirs, fixed by their role (a stop already breached must fire, not wait for the
    price to come back through it)."""
    market = state.markets[cmd.symbol]
    plan_id = state.next_order_id  # plans and orders share one id space
    state.next_order_id = plan_id + 1
    if not direction:
        direction = RISING if cmd.trigger_price >= market.last_price else FALLING
    plan = Plan(plan_id, cmd.user, cmd.symbol, cmd.side, cmd.trigger_price, cmd.order_type,
                cmd.price, cmd.size, cmd.quote_size, cmd.force, cmd.client_oid, cmd.stp,
                parent_order_id, oco_plan_id, direction, ctx.ts)
    state.plans[plan_id] = plan
    state.triggers[cmd.symbol].add(plan)
    if cmd.client_oid:
        key = (PLAN_OID, cmd.user, cmd.client_oid)
        state.client_oids[key] = (plan_id, cmd[1:], ctx.ts)
        state.client_oid_expiry.append((ctx.ts, key))
        state.live_client_oids[key] = plan_id
    ctx.emit(PlanPlaced, plan_id, cmd.user, cmd.symbol, cmd.side, cmd.trigger_price,
             cmd.order_type, cmd.price, cmd.size, cmd.quote_size, cmd.force, cmd.client_oid,
             cmd.stp, parent_order_id, oco_plan_id)
    return plan


def remove_plan(state: "EngineState", plan: Plan) -> None:
    del state.plans[plan.plan_id]
    state.triggers[plan.symbol].remove(plan)
    if plan.client_oid:
        state.live_client_oids.pop((PLAN_OID, plan.user, plan.client_oid), None)


def close_plan(state: "EngineState", ctx: Context, plan: Plan, status: int, code: int) -> None:
    remove_plan(state, plan)
    ctx.emit(PlanClosed, plan.plan_id, plan.user, plan.symbol, int(status), code)


def _fire(state: "EngineState", ctx: Context, market: Market, plan: Plan) -> None:
    remove_plan(state, plan)
    other = state.plans.get(plan.oco_plan_id) if plan.oco_plan_id else None
    if other is not None:
        close_plan(state, ctx, other, PlanStatus.CANCELLED, 0)
    cmd = PlaceOrder(ctx.ts, plan.user, plan.symbol, plan.side, plan.order_type, plan.force,
                     plan.price, plan.size, plan.quote_size, "", plan.stp)
    code, hold = check_order(state, cmd)
    if code is not None:
        ctx.emit(PlanClosed, plan.plan_id, plan.user, plan.symbol, int(PlanStatus.FAILED),
                 int(code))
        return
    ctx.emit(PlanTriggered, plan.plan_id, plan.user, plan.symbol, state.next_order_id)
    execute(state, ctx, market, cmd, hold, plan.plan_id)


def _tpsl_leg(order: Order, market: Market, trigger: int, price: int) -> Optional[PlacePlan]:
    """The closing plan for one TP or SL leg of a filled ``order``, or None if too small."""
    lot = market.lot
    if order.side == _BUY:  # sell what was received, net of the fee, cut to the lot
        received = order.filled_size * market.base_per_size - order.fee_paid
        size = received // market.base_per_size // lot * lot
        if size < max(market.min_size, lot):
            return None
        order_type = _LIMIT if price else int(OrderType.MARKET)
        return PlacePlan(0, order.user, order.symbol, int(Side.SELL), trigger, order_type,
                         price, size, 0)
    received = order.filled_quote - order.fee_paid  # buy back with the quote received
    if price:
        size = received // (price * market.quote_per_price_size) // lot * lot
        if size < max(market.min_size, lot):
            return None
        return PlacePlan(0, order.user, order.symbol, _BUY, trigger, _LIMIT, price, size, 0)
    if received < max(market.min_notional, 1):
        return None
    return PlacePlan(0, order.user, order.symbol, _BUY, trigger, int(OrderType.MARKET), 0, 0,
                     received)


def _attach_tpsl(state: "EngineState", ctx: Context, market: Market, order: Order) -> None:
    take_profit = _tpsl_leg(order, market, order.tp_trigger, order.tp_price) \
        if order.tp_trigger else None
    stop_loss = _tpsl_leg(order, market, order.sl_trigger, order.sl_price) \
        if order.sl_trigger else None
    # A buy's take-profit fires on a rise and its stop-loss on a fall; a sell's the reverse.
    tp_direction = RISING if order.side == _BUY else FALLING
    if take_profit and stop_loss:
        first_id = state.next_order_id
        add_plan(state, ctx, take_profit, order.order_id, first_id + 1, tp_direction)
        add_plan(state, ctx, stop_loss, order.order_id, first_id, -tp_direction)
    elif take_profit:
        add_plan(state, ctx, take_profit, order.order_id, 0, tp_direction)
    elif stop_loss:
        add_plan(state, ctx, stop_loss, order.order_id, 0, -tp_direction)


def settle_followups(state: "EngineState", ctx: Context, market: Market) -> None:
    """Create pending TP/SL plans, then fire due plans until none is due."""
    triggers = state.triggers[market.symbol]
    while True:
        while ctx.followups:
            order = ctx.followups.pop(0)
            _attach_tpsl(state, ctx, state.markets[order.symbol], order)
        if market.status != MarketStatus.ONLINE or not market.last_price or not len(triggers):
            return
        due = triggers.due(market.last_price)
        if not due:
            return
        _fire(state, ctx, market, state.plans[due[0]])


def check_plan(state: "EngineState", cmd: PlacePlan) -> Optional[RejectCode]:
    """Plan placement rules: the order it would place must be valid (funds are not held)."""
    if cmd.trigger_price <= 0:
        return RejectCode.INVALID_ARGUMENT
    order = PlaceOrder(cmd.ts_ns, cmd.user, cmd.symbol, cmd.side, cmd.order_type, cmd.force,
                       cmd.price, cmd.size, cmd.quote_size, cmd.client_oid, cmd.stp)
    code, _ = check_order(state, order, check_funds=False)
    if code is not None:
        return code
    market = state.markets[cmd.symbol]
    if cmd.trigger_price % market.tick:
        return RejectCode.PRICE_PRECISION
    if not market.last_price:
        return RejectCode.NO_LAST_PRICE
    if cmd.trigger_price == market.last_price:
        return RejectCode.TRIGGER_EQUALS_PRICE
    live = sum(1 for plan in state.plans.values()
               if plan.user == cmd.user and plan.symbol == cmd.symbol)
    if live >= MAX_PLANS_PER_USER:
        return RejectCode.TOO_MANY_PLANS
    return None
