"""Plan orders: trigger (normal_plan), position TP/SL, partial TP/SL and trailing stops.

Plans hold nothing until they fire.  A plan's direction is fixed at placement: it fires
when the reference price (last trade or mark, ``trigger_type``) reaches the trigger from
the side it was on.  Whole-position TP/SL (``pos_profit``/``pos_loss``) close the whole
position at trigger time and are cancelled when it closes.  Trailing (``track_plan``):
once active (trigger reached, or immediately when 0) it follows the best price and fires
a market order when the price retraces ``callback_ppm`` from it.

Checked after each ``UpdatePrices`` of the contract (linear in that contract's plans;
they are few compared with positions).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, List

from ..context import Context
from ..enums import OrderType, PlanStatus
from .contracts import PPM, Contract
from .enums import PlanType, TradeSide
from .events import FuturesPlanClosed, FuturesPlanTriggered
from .positions import Position
from .state import FuturesState, FutPlan

if TYPE_CHECKING:
    from ..engine.state import EngineState

__all__ = ["drop_position_plans", "check_plans", "close_plan"]

_POS_WIDE = (int(PlanType.POS_PROFIT), int(PlanType.POS_LOSS))
_CLOSING = _POS_WIDE + (int(PlanType.PROFIT_PLAN), int(PlanType.LOSS_PLAN))


def close_plan(ctx: Context, fs: FuturesState, plan: FutPlan, status: int, code: int) -> None:
    del fs.plans[plan.plan_id]
    if plan.client_oid:
        fs.client_oids.pop((1, plan.user, plan.client_oid), None)
    ctx.emit(FuturesPlanClosed, plan.plan_id, plan.user, plan.symbol, status, code)


def drop_position_plans(state: "EngineState", ctx: Context, fs: FuturesState,
                        pos: Position) -> None:
    if not fs.plans:
        return
    for plan in [p for p in fs.plans.values() if p.user == pos.user and p.symbol == pos.symbol
                 and p.plan_type in _CLOSING and p.hold_side == pos.side]:
        close_plan(ctx, fs, plan, int(PlanStatus.CANCELLED), 0)


def _reference(contract: Contract, plan: FutPlan) -> int:
    return contract.mark if plan.trigger_type == 1 else (contract.last or contract.mark)


def check_plans(state: "EngineState", ctx: Context, contract: Contract) -> None:
    from .handlers import place_from_plan
    fs: FuturesState = state.products["futures"]
    if not fs.plans:
        return
    due: List[FutPlan] = []
    for plan_id in sorted(fs.plans):
        plan = fs.plans[plan_id]
        if plan.symbol != contract.symbol:
            continue
        price = _reference(contract, plan)
        if price <= 0:
            continue
        if plan.plan_type == PlanType.TRACK_PLAN:
            if not plan.active:
                if (price - plan.trigger_price) * plan.best >= 0:
                    plan.active, plan.best = 1, price
                continue
            # direction +1: a sell trailing stop (protects a long): best = highest price
            if plan.direction > 0:
                plan.best = max(plan.best, price)
                if price * PPM <= plan.best * (PPM - plan.callback_ppm):
                    due.append(plan)
            else:
                plan.best = min(plan.best, price)
                if price * PPM >= plan.best * (PPM + plan.callback_ppm):
                    due.append(plan)
            continue
        if (price - plan.trigger_price) * plan.direction >= 0:
            due.append(plan)
    for plan in due:
        if plan.plan_id not in fs.plans:
            continue
        del fs.plans[plan.plan_id]
        if plan.client_oid:
            fs.client_oids.pop((1, plan.user, plan.client_oid), None)
        code, order_id = place_from_plan(state, ctx, fs, contract, plan)
        ctx.emit(FuturesPlanTriggered, plan.plan_id, plan.user, plan.symbol, order_id,
                 _reference(contract, plan))
        if code:
            ctx.emit(FuturesPlanClosed, plan.plan_id, plan.user, plan.symbol,
                     int(PlanStatus.FAILED), code)


_ = (OrderType, TradeSide)
