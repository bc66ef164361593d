"""Plan orders: trigger (normal_plan), position TP/SL, partial TP/SL and trailing stops.

Plans hold nothing until they fire.  A plan's direction is fixed at placement: it fires
when the reference price (last trade or mark, ``trigger_type``) reaches the trigger from
the side it was on.  Whole-position TP/SL (``pos_profit``/``pos_loss``) close the whole
position at trigger time and are cancelled when it closes.  Trailing (``track_plan``):
once active (trigger reached, or immediately when 0) it follows the best price and fires
a market order when the price retraces ``callback_ppm`` from it.

Index (like spot's ``TriggerBook``): per (symbol, trigger type) two sorted lists of
``(trigger, plan id)``, *rising* (fire when price ≥ trigger) and *falling* (price ≤
trigger); inactive trailing stops sit there by their activation price.  A price update
takes only the due prefix of each list, so its cost is proportional to the plans that
fire, plus the *active* trailing stops of the symbol (their threshold moves with the
price, so they are looked at on every update of their reference price).  Due plans fire
in plan-id order.  Checked after each ``UpdatePrices`` of the contract and, for
last-price plans, after each order that traded (``check_plans``).
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from typing import TYPE_CHECKING, List, Tuple

from ..context import Context
from ..enums import OrderType, PlanStatus
from .contracts import PPM, Contract
from .enums import PlanType
from .events import FuturesPlanClosed, FuturesPlanPlaced, FuturesPlanTriggered
from .positions import Position
from .state import FuturesState, FutOrder, FutPlan

if TYPE_CHECKING:
    from ..engine.state import EngineState

__all__ = ["add_plan", "preset_tpsl", "drop_position_plans", "check_plans", "close_plan",
           "index_plan", "unindex_plan", "PlanTriggers"]

_POS_WIDE = (int(PlanType.POS_PROFIT), int(PlanType.POS_LOSS))
_CLOSING = _POS_WIDE + (int(PlanType.PROFIT_PLAN), int(PlanType.LOSS_PLAN))
_TRACK = int(PlanType.TRACK_PLAN)
_PROFIT = int(PlanType.PROFIT_PLAN)
_LOSS = int(PlanType.LOSS_PLAN)
_LIMIT = int(OrderType.LIMIT)
_MARKET = int(OrderType.MARKET)


class PlanTriggers:
    __slots__ = ("rising", "falling")

    def __init__(self) -> None:
        self.rising: List[Tuple[int, int]] = []  # (trigger, plan id) ascending
        self.falling: List[Tuple[int, int]] = []  # (−trigger, plan id) ascending


def _direction(plan: FutPlan) -> int:
    """+1 rising / −1 falling for an indexed plan (inactive trailing: its activation side)."""
    if plan.plan_type == _TRACK:
        return 1 if plan.best > 0 else -1
    return plan.direction


def index_plan(fs: FuturesState, plan: FutPlan) -> None:
    if plan.plan_type == _TRACK and plan.active:
        fs.trailing.setdefault(plan.symbol, {})[plan.plan_id] = plan
        return
    key = (plan.symbol, plan.trigger_type)
    book = fs.triggers.get(key)
    if book is None:
        book = fs.triggers[key] = PlanTriggers()
    if _direction(plan) > 0:
        insort(book.rising, (plan.trigger_price, plan.plan_id))
    else:
        insort(book.falling, (-plan.trigger_price, plan.plan_id))


def unindex_plan(fs: FuturesState, plan: FutPlan) -> None:
    if plan.plan_id in fs.firing:  # due: already taken out of the index by ``_due``
        fs.firing.discard(plan.plan_id)
        return
    if plan.plan_type == _TRACK and plan.active:
        mine = fs.trailing[plan.symbol]
        del mine[plan.plan_id]
        if not mine:
            del fs.trailing[plan.symbol]
        return
    key = (plan.symbol, plan.trigger_type)
    book = fs.triggers[key]
    if _direction(plan) > 0:
        entries, entry = book.rising, (plan.trigger_price, plan.plan_id)
    else:
        entries, entry = book.falling, (-plan.trigger_price, plan.plan_id)
    del entries[bisect_left(entries, entry)]
    if not book.rising and not book.falling:
        del fs.triggers[key]


def close_plan(ctx: Context, fs: FuturesState, plan: FutPlan, status: int, code: int) -> None:
    unindex_plan(fs, plan)
    fs.drop_plan(plan)
    if plan.client_oid:
        fs.client_oids.pop((1, plan.user, plan.client_oid), None)
    ctx.emit(FuturesPlanClosed, plan.plan_id, plan.user, plan.symbol, status, code)


def add_plan(state: "EngineState", ctx: Context, fs: FuturesState, contract: Contract,
              user: int, plan_type: int, trigger: int, trigger_type: int, side: int,
              trade_side: int, hold_side: int, order_type: int, price: int, size: int,
              reduce_only: int, callback: int, client_oid: str, parent: int) -> int:
    reference = contract.mark if trigger_type == 1 else (contract.last or contract.mark)
    if plan_type == PlanType.TRACK_PLAN:
        # trail direction: a sell stop follows the high (+1), a buy stop the low (−1);
        # while inactive ``best`` holds the activation direction (sign of trigger − reference)
        direction = 1 if side == 1 else -1
        active = 1 if trigger == 0 else 0
        best = reference if active else (1 if trigger > reference else -1)
        plan = FutPlan(fs.next_plan_id, user, contract.symbol, plan_type, trigger, trigger_type,
                       side, trade_side, hold_side, order_type, price, size, reduce_only,
                       callback, client_oid, direction, best, active, parent)
    else:
        direction = 1 if trigger > reference else -1
        plan = FutPlan(fs.next_plan_id, user, contract.symbol, plan_type, trigger, trigger_type,
                       side, trade_side, hold_side, order_type, price, size, reduce_only,
                       callback, client_oid, direction, 0, 0, parent)
    fs.next_plan_id += 1
    fs.add_plan(plan)
    index_plan(fs, plan)
    if client_oid:
        fs.client_oids[(1, user, client_oid)] = plan.plan_id
    ctx.emit(FuturesPlanPlaced, plan.plan_id, user, contract.symbol, plan_type, trigger,
             trigger_type, side, trade_side, hold_side, order_type, price, size, reduce_only,
             callback, client_oid, parent)
    return plan.plan_id


def preset_tpsl(state: "EngineState", ctx: Context, fs: FuturesState, contract: Contract,
                order: FutOrder, size: int) -> None:
    """The preset TP/SL (``presetStopSurplusPrice``/``presetStopLossPrice``) of an opening order:
    partial TP/SL plans (PROFIT_PLAN/LOSS_PLAN, ``parent`` = the order id) for ``size`` just
    filled.  Called once for the taker part at placement and once per later maker fill, so
    a resting order that fills in pieces gets one TP and one SL plan per fill, their sizes
    summing to the filled size (Bitget attaches the preset to the size filled).  Nothing
    when the fill left no position on the order's side (a one-way order that only reduced)."""
    if size <= 0 or fs.position(order.user, order.symbol, order.hold_side) is None:
        return
    for trigger, price, plan_type in ((order.tp_trigger, order.tp_price, _PROFIT),
                                      (order.sl_trigger, order.sl_price, _LOSS)):
        if trigger:
            add_plan(state, ctx, fs, contract, order.user, plan_type, trigger, 1, 0, -1,
                     order.hold_side, _LIMIT if price else _MARKET, price, size, 1, 0, "",
                     order.order_id)


def drop_position_plans(state: "EngineState", ctx: Context, fs: FuturesState,
                        pos: Position) -> None:
    """The position closed: cancel the TP/SL plans attached to it."""
    mine = fs.user_plans.get((pos.user, pos.symbol))
    if not mine:
        return
    for plan in [p for p in mine.values() if p.plan_type in _CLOSING and p.hold_side == pos.side]:
        close_plan(ctx, fs, plan, int(PlanStatus.CANCELLED), 0)


def _reference(contract: Contract, trigger_type: int) -> int:
    return contract.mark if trigger_type == 1 else (contract.last or contract.mark)


def _due(fs: FuturesState, contract: Contract) -> List[FutPlan]:
    """Plans of ``contract`` whose trigger the current prices reached (taken out of the
    index), and trailing stops activated on the way (moved to the active set)."""
    due: List[FutPlan] = []
    symbol = contract.symbol
    activated: List[FutPlan] = []
    for trigger_type in (0, 1):
        book = fs.triggers.get((symbol, trigger_type))
        if book is None:
            continue
        price = _reference(contract, trigger_type)
        if price <= 0:
            continue
        cut = bisect_right(book.rising, (price, 1 << 62))
        hits = book.rising[:cut]
        del book.rising[:cut]
        cut = bisect_right(book.falling, (-price, 1 << 62))
        hits += book.falling[:cut]
        del book.falling[:cut]
        if not book.rising and not book.falling:
            del fs.triggers[(symbol, trigger_type)]
        for _, plan_id in hits:
            plan = fs.plans[plan_id]
            if plan.plan_type == _TRACK:
                plan.active, plan.best = 1, price
                activated.append(plan)
            else:
                due.append(plan)
    trailing = fs.trailing.get(symbol)
    if trailing:
        for plan in list(trailing.values()):
            price = _reference(contract, plan.trigger_type)
            if price <= 0:
                continue
            # direction +1: a sell trailing stop (protects a long): best = highest price
            if plan.direction > 0:
                if price > plan.best:
                    plan.best = price
                fire = price * PPM <= plan.best * (PPM - plan.callback_ppm)
            else:
                if price < plan.best:
                    plan.best = price
                fire = price * PPM >= plan.best * (PPM + plan.callback_ppm)
            if fire:
                del trailing[plan.plan_id]
                due.append(plan)
        if not trailing:
            del fs.trailing[symbol]
    for plan in activated:  # they start trailing from the next price
        fs.trailing.setdefault(symbol, {})[plan.plan_id] = plan
    due.sort(key=lambda p: p.plan_id)
    return due


def check_plans(state: "EngineState", ctx: Context, contract: Contract) -> None:
    """Fire the due plans of ``contract`` in plan-id order (again while fills move ``last``)."""
    from .handlers import place_from_plan
    fs: FuturesState = state.products["futures"]
    symbol = contract.symbol
    for _ in range(64):  # cascades end when no plan is due; bounded for safety
        if (symbol, 0) not in fs.triggers and (symbol, 1) not in fs.triggers \
                and symbol not in fs.trailing:
            return
        due = _due(fs, contract)
        if not due:
            return
        firing = fs.firing
        firing.update(p.plan_id for p in due)
        for plan in due:
            if plan.plan_id not in firing:
                continue  # cancelled by an earlier plan's fills (its position closed)
            firing.discard(plan.plan_id)
            fs.drop_plan(plan)
            if plan.client_oid:
                fs.client_oids.pop((1, plan.user, plan.client_oid), None)
            code, order_id = place_from_plan(state, ctx, fs, contract, plan)
            ctx.emit(FuturesPlanTriggered, plan.plan_id, plan.user, plan.symbol, order_id,
                     _reference(contract, plan.trigger_type))
            if code:
                ctx.emit(FuturesPlanClosed, plan.plan_id, plan.user, plan.symbol,
                         int(PlanStatus.FAILED), code)
        firing.clear()
