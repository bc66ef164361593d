"""Projection of orders, plan orders and fills from engine events (in memory).

Open orders and live plans always stay in memory; closed ones and fills stay only until
the flusher has written them to SQLite (``PrivateViews`` merges both sources when it
answers).  Every change marks the row dirty so that one flush writes one consistent
state.  Orders of other accounts than spot (margin) carry their account type in
``accounts`` while they are in memory and in the store's ``order_accounts`` table once
flushed; an order without one is a spot order.  Not thread-safe by itself: ``PrivateViews``
serialises access with its lock.
"""

from __future__ import annotations

from typing import Callable, Dict, List, Optional, Set, Tuple

from ...core import events as ev
from ...core.enums import OrderStatus, PlanStatus, Side
from .records import Fill, OrderView, PlanView

__all__ = ["OrderProjection", "SPOT"]

SPOT = 1  # AccountType.SPOT: the account of every order without an ``accounts`` entry


class OrderProjection:
    def __init__(self, tracked: Callable[[int], bool] = lambda user: user > 0) -> None:
        """``tracked(user)``: whether a user's orders are kept (simulator accounts are not)."""
        self.tracked = tracked
        self.open: Dict[int, OrderView] = {}
        self.open_by_user: Dict[int, Dict[int, OrderView]] = {}
        self.closed_pending: Dict[int, OrderView] = {}
        self.plans_live: Dict[int, PlanView] = {}
        self.plans_by_user: Dict[int, Dict[int, PlanView]] = {}
        self.plans_closed_pending: Dict[int, PlanView] = {}
        self.fills_pending: List[Fill] = []
        self.dirty_orders: Set[int] = set()
        self.dirty_plans: Set[int] = set()
        self.accounts: Dict[int, int] = {}  # order id → account type, non-spot orders in memory
        self.new_accounts: List[Tuple[int, int, int]] = []  # (order_id, user, type) to write

    # loading --------------------------------------------------------------------------
    def load(self, orders: List[OrderView], plans: List[PlanView]) -> None:
        for order in orders:
            self._add_open(order)
        for plan in plans:
            self.plans_live[plan.plan_id] = plan
            self.plans_by_user.setdefault(plan.user, {})[plan.plan_id] = plan

    def _add_open(self, order: OrderView) -> None:
        self.open[order.order_id] = order
        self.open_by_user.setdefault(order.user, {})[order.order_id] = order

    def load_accounts(self, rows: List[Tuple[int, int]]) -> None:
        self.accounts.update((int(o), int(a)) for o, a in rows)

    def find(self, order_id: int) -> Optional[OrderView]:
        return self.open.get(order_id) or self.closed_pending.get(order_id)

    def account_of(self, order_id: int) -> Optional[int]:
        """The account type of an order in memory (None if the order is not in memory)."""
        if order_id in self.accounts:
            return self.accounts[order_id]
        return SPOT if self.find(order_id) is not None else None

    # events ---------------------------------------------------------------------------
    def accepted(
        self, e: ev.OrderAccepted, tpsl: Tuple[int, int, int, int], account_type: int = SPOT
    ) -> None:
        """``tpsl``: the (tp trigger, tp price, sl trigger, sl price) the PlaceOrder carried;
        ``account_type``: the account the order trades on (margin orders: 3 or 4)."""
        if not self.tracked(e.user):
            return
        if account_type != SPOT:
            self.accounts[e.order_id] = account_type
            self.new_accounts.append((e.order_id, e.user, account_type))
        ms = e.ts_ns // 1_000_000
        tp = tpsl
        order = OrderView(
            e.order_id,
            e.user,
            e.symbol,
            e.side,
            e.order_type,
            e.force,
            e.price,
            e.size,
            e.quote_size,
            e.client_oid,
            e.stp,
            e.plan_id,
            OrderStatus.LIVE,
            0,
            0,
            0,
            0,
            ms,
            ms,
            *tp,
        )
        self._add_open(order)
        self.dirty_orders.add(e.order_id)
        if e.plan_id:
            plan = self.plans_live.get(e.plan_id) or self.plans_closed_pending.get(e.plan_id)
            if plan is not None:
                plan.order_id = e.order_id
                self.dirty_plans.add(plan.plan_id)

    def traded(self, e: ev.TradeExecuted) -> None:
        ms = e.ts_ns // 1_000_000
        for order_id, user, fee, is_maker in (
            (e.maker_order_id, e.maker_user, e.maker_fee, 1),
            (e.taker_order_id, e.taker_user, e.taker_fee, 0),
        ):
            if not self.tracked(user):
                continue
            order = self.find(order_id)
            side = (1 - e.taker_side) if is_maker else e.taker_side
            order_type = 0
            if order is not None:
                order.filled_size += e.size
                order.filled_quote += e.quote_amount
                order.fee += fee
                order.u_ms = ms
                if order.status == OrderStatus.LIVE:
                    order.status = OrderStatus.PARTIALLY_FILLED
                order_type = order.order_type
                self.dirty_orders.add(order_id)
            self.fills_pending.append(
                Fill(
                    e.trade_id,
                    order_id,
                    user,
                    e.symbol,
                    side,
                    order_type,
                    e.price,
                    e.size,
                    e.quote_amount,
                    fee,
                    is_maker,
                    ms,
                )
            )

    def closed(self, e: ev.OrderClosed) -> None:
        order = self.open.pop(e.order_id, None)
        if order is None:
            return
        self.open_by_user.get(order.user, {}).pop(e.order_id, None)
        order.status = e.status
        order.reason = e.reason
        order.filled_size = e.filled_size
        order.filled_quote = e.filled_quote
        order.u_ms = e.ts_ns // 1_000_000
        self.closed_pending[e.order_id] = order
        self.dirty_orders.add(e.order_id)

    def plan_placed(self, e: ev.PlanPlaced) -> None:
        if not self.tracked(e.user):
            return
        ms = e.ts_ns // 1_000_000
        plan = PlanView(
            e.plan_id,
            e.user,
            e.symbol,
            e.side,
            e.trigger_price,
            e.order_type,
            e.price,
            e.size,
            e.quote_size,
            e.force,
            e.client_oid,
            e.stp,
            e.parent_order_id,
            e.oco_plan_id,
            PlanStatus.LIVE,
            0,
            0,
            ms,
            ms,
        )
        self.plans_live[e.plan_id] = plan
        self.plans_by_user.setdefault(e.user, {})[e.plan_id] = plan
        self.dirty_plans.add(e.plan_id)

    def plan_ended(self, plan_id: int, status: int, code: int, order_id: int, ts_ns: int) -> None:
        plan = self.plans_live.pop(plan_id, None)
        if plan is None:
            return
        self.plans_by_user.get(plan.user, {}).pop(plan_id, None)
        plan.status = status
        plan.code = code
        if order_id:
            plan.order_id = order_id
        plan.u_ms = ts_ns // 1_000_000
        self.plans_closed_pending[plan_id] = plan
        self.dirty_plans.add(plan_id)

    # flushing -------------------------------------------------------------------------
    def take_dirty(self) -> Tuple[List[tuple], List[tuple], List[tuple], int]:
        orders = [o.to_row() for o in map(self.find, self.dirty_orders) if o is not None]
        plans = []
        for plan_id in self.dirty_plans:
            plan = self.plans_live.get(plan_id) or self.plans_closed_pending.get(plan_id)
            if plan is not None:
                plans.append(plan.to_row())
        self.dirty_orders = set()
        self.dirty_plans = set()
        fills = [f.to_row() for f in self.fills_pending]
        return orders, plans, fills, len(self.fills_pending)

    def take_accounts(self) -> List[Tuple[int, int, int]]:
        rows, self.new_accounts = self.new_accounts, []
        return rows

    def forget_flushed(self, order_ids: List[int], plan_ids: List[int], n_fills: int) -> None:
        """Drop closed rows that are now in SQLite (unless they changed again meanwhile)."""
        for order_id in order_ids:
            if order_id not in self.dirty_orders:
                if self.closed_pending.pop(order_id, None) is not None:
                    self.accounts.pop(order_id, None)
        for plan_id in plan_ids:
            if plan_id not in self.dirty_plans:
                self.plans_closed_pending.pop(plan_id, None)
        del self.fills_pending[:n_fills]


def fee_asset_is_base(side: int) -> bool:
    """Fees are charged in the asset received: a buyer pays in base, a seller in quote."""
    return side == Side.BUY
